/**
 * The scenario rules a request sees: those set at run time for its scope (`x-tokensim-scope`, so tests that run
 * in parallel each script their own conversations), then the server's own (`--scenarios`, reloaded when the file
 * changes). A request without a scope sees the rules set at run time without one, then the server's.
 *
 * With `--workers` every process holds the same rules: a change made through one process is handed to the
 * others (`share`), and the request that made it is answered once they all have it, so the next request sees
 * it whichever process serves it.
 */
import { TokensimError } from '../core/errors.js'
import { CONTROLS } from '../core/knobs.js'
import type { Scenario } from '../core/scenarios.js'

/** The scope of the requests that name none. */
export const NO_SCOPE = ''

/** The header that names a request's scope. */
export const SCOPE_HEADER = CONTROLS.scope.header

/** What a scope may hold, as a RegExp character class; and the rule, as errors state it. */
export const SCOPE_CHARS = 'A-Za-z0-9._:/@-'
export const SCOPE_RULE = 'a scope is 1 to 128 letters, digits and . _ : / @ -'
/** A scope tokensim accepts. */
export const SCOPE = new RegExp(`^[${SCOPE_CHARS}]{1,128}$`)

/** The request's scope ('' for none); a malformed one is a 400 naming the header. */
export function scopeOf(header: string | undefined): string {
  if (header === undefined || header === '') return NO_SCOPE
  if (!SCOPE.test(header)) {
    throw new TokensimError('invalid_param', `${SCOPE_HEADER}: ${SCOPE_RULE}; got ${JSON.stringify(header)}`, SCOPE_HEADER)
  }
  return header
}

/** At most this many scopes hold rules; past it, the one changed longest ago is dropped. */
export const MAX_SCOPES = 1000
/** At most this many rules in one scope. */
export const MAX_SCOPE_RULES = 1000

/** A change to one scope's rules: what the other processes are handed. */
export interface ScopeChange {
  readonly scope: string
  readonly rules: readonly Scenario[]
}

export interface ScenarioStore {
  /** What a request in `scope` matches against: the scope's rules, then the server's. */
  rules(scope: string): readonly Scenario[]
  /** The rules set at run time for `scope`. */
  scoped(scope: string): readonly Scenario[]
  readonly server: readonly Scenario[]
  setServer(rules: readonly Scenario[]): void
  /** Sets `scope`'s rules here and in the other processes; resolves once all have them. */
  set(scope: string, rules: readonly Scenario[]): Promise<void>
  /** A change that another process made. */
  apply(change: ScopeChange): void
}

/** `share` hands a change to the other processes and resolves once they have it (none: one process). */
export function createScenarioStore(server: readonly Scenario[], share?: (change: ScopeChange) => Promise<void>): ScenarioStore {
  let own = server
  const scopes = new Map<string, readonly Scenario[]>()
  const apply = ({ scope, rules }: ScopeChange): void => {
    scopes.delete(scope) // a Map keeps insertion order: the scope changed longest ago comes first
    if (rules.length > 0) scopes.set(scope, rules)
    for (const oldest of scopes.keys()) {
      if (scopes.size <= MAX_SCOPES) break
      scopes.delete(oldest)
    }
  }
  return {
    rules(scope) {
      const scoped = scopes.get(scope)
      return scoped === undefined ? own : [...scoped, ...own]
    },
    scoped: (scope) => scopes.get(scope) ?? [],
    get server() {
      return own
    },
    setServer(rules) {
      own = rules
    },
    async set(scope, rules) {
      apply({ scope, rules })
      await share?.({ scope, rules })
    },
    apply,
  }
}
