/**
 * One test's view of a running tokensim: its scope (`x-tokensim-scope`), the scenario rules set for that scope
 * (PUT, POST, DELETE /scenarios) and the journal entries of its requests (GET /journal), over HTTP. What the
 * vitest and Playwright helpers (src/vitest.ts, src/playwright.ts) hand each test.
 */
import type { JournalEntry } from './app/journal.js'
import { SCOPE, SCOPE_CHARS, SCOPE_HEADER, SCOPE_RULE } from './app/scenario-store.js'

export type { JournalEntry }

/**
 * Scenario rules as docs/scenarios.md describes them: a list of rules (`{ match, text }`, `{ match, answers }`,
 * ...), or YAML text (a list, or the list under `scenarios:`), as a scenarios file holds them.
 */
export type ScenarioRules = readonly object[] | string

/** Which of the scope's journal entries to read (GET /journal's filters, the scope aside). */
export interface JournalQuery {
  /** Only this route's entries: `openai-chat`, `ai-sdk-ui`, `anthropic-messages`, ... */
  readonly route?: string | undefined
  /** Only entries at or after this moment: ms since the Unix epoch, or a Date. */
  readonly since?: number | Date | undefined
}

/** The scope's rules: set (PUT), add (POST), clear (DELETE) and list (GET /scenarios). */
export interface ScopedScenarios {
  /** Replaces the scope's rules; a bad rule rejects with the server's message, and the scope keeps what it had. */
  set(rules: ScenarioRules): Promise<void>
  /** Adds rules after the scope's. */
  add(rules: ScenarioRules): Promise<void>
  /** Clears the scope's rules. */
  clear(): Promise<void>
  /** The scope's rules, as GET /scenarios lists them. */
  list(): Promise<readonly Record<string, unknown>[]>
}

/** A test's view of tokensim: its scope, that scope's rules, and the journal of its requests. */
export interface ScopedTokensim {
  /** Where tokensim serves (http, no trailing slash). */
  readonly url: string
  /** The test's `x-tokensim-scope`. */
  readonly scope: string
  /** The scope header, to hand an SDK (`defaultHeaders`) or a fetch. */
  readonly headers: Readonly<Record<string, string>>
  readonly scenarios: ScopedScenarios
  /** The scope's journal entries, oldest first; its `/scenarios` requests only when `route: 'scenarios'` asks for them. */
  journal(query?: JournalQuery): Promise<readonly JournalEntry[]>
}

const OTHER_CHARS = new RegExp(`[^${SCOPE_CHARS}]+`, 'g')

/** `text` as a scope: the characters a scope may not hold as `-`, cut to 128. */
export function scopeFrom(text: string): string {
  const scope = text.replace(OTHER_CHARS, '-').slice(0, 128)
  return scope === '' ? '-' : scope
}

/** A view of the tokensim at `url` scoped to `scope`. */
export function scopedTokensim(url: string, scope: string): ScopedTokensim {
  if (!SCOPE.test(scope)) throw new TypeError(`${SCOPE_HEADER}: ${SCOPE_RULE}; got ${JSON.stringify(scope)}`)
  const base = url.replace(/\/+$/, '')
  const headers = Object.freeze({ [SCOPE_HEADER]: scope })

  const send = async (method: string, path: string, body?: ScenarioRules): Promise<unknown> => {
    const init: RequestInit = { method, headers: { ...headers } }
    if (body !== undefined) {
      const yaml = typeof body === 'string'
      init.headers = { ...headers, 'content-type': yaml ? 'application/yaml' : 'application/json' }
      init.body = yaml ? body : JSON.stringify(body)
    }
    const response = await fetch(`${base}${path}`, init)
    const text = await response.text()
    if (!response.ok) {
      let message = text
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text
      } catch {
        // not JSON: the body as it came
      }
      throw new Error(`tokensim: ${method} ${path} (scope ${scope}): HTTP ${response.status}: ${message}`)
    }
    return JSON.parse(text) as unknown
  }

  return {
    url: base,
    scope,
    headers,
    scenarios: {
      set: async (rules) => void (await send('PUT', '/scenarios', rules)),
      add: async (rules) => void (await send('POST', '/scenarios', rules)),
      clear: async () => void (await send('DELETE', '/scenarios')),
      list: async () => ((await send('GET', '/scenarios')) as { scenarios: Record<string, unknown>[] }).scenarios,
    },
    async journal(query = {}) {
      const params = new URLSearchParams({ scope })
      if (query.route !== undefined) params.set('route', query.route)
      if (query.since !== undefined) params.set('since', String(query.since instanceof Date ? query.since.getTime() : query.since))
      const { entries } = (await send('GET', `/journal?${params}`)) as { entries: JournalEntry[] }
      // The scope's own /scenarios requests (this client's) are not what a test asserts on, unless it asks for them.
      return query.route === undefined ? entries.filter((entry) => entry.route !== 'scenarios') : entries
    },
  }
}
