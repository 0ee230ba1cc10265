/**
 * tokensim in a vitest suite (`tokensim/vitest`): `useTokensim(options)`, called at the top of a file or a
 * describe, starts tokensim on a free port before its tests (`start()`), stops it after them, and gives each
 * test a scope of its own (`x-tokensim-scope`, from the test's id), so the scenario rules a test sets and the
 * journal entries it reads are its own, whichever other tests run beside it.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { scopedTokensim, scopeFrom, type ScopedTokensim } from './scoped-client.js'
import { start, type StartOptions, type Tokensim } from './start.js'

export type { JournalEntry, JournalQuery, ScenarioRules, ScopedScenarios, ScopedTokensim } from './scoped-client.js'

/** What a test's context gives: the test (vitest's `TestContext`, or its `task`). */
export interface TestContextLike {
  readonly task: {
    readonly id: string
    readonly name: string
    readonly result?: { readonly retryCount?: number | undefined; readonly repeatCount?: number | undefined } | undefined
  }
}

/** The running test's view of tokensim (`url`, `scope`, `headers`, `scenarios`, `journal()`), and the server. */
export interface VitestTokensim extends ScopedTokensim {
  /** The tokensim `start()` started (its `url`, `port`, `server`), from the suite's beforeAll to its afterAll. */
  readonly server: Tokensim
  /** The view of one test, by its context: for tests that run concurrently (`it.concurrent`), where "the running test" is not one. */
  for(context: TestContextLike): ScopedTokensim
}

/** The scope of a test: its id (unique in the run), which run of it (a retry or repeat gets a fresh one), and its name to read it by. */
function scopeOfTest({ task }: TestContextLike): string {
  const retry = task.result?.retryCount ?? 0
  const repeat = task.result?.repeatCount ?? 0
  return scopeFrom(`vitest:${task.id}${retry + repeat > 0 ? `:${repeat}.${retry}` : ''}:${task.name}`)
}

/**
 * Starts tokensim (port 0 unless `options.port` says otherwise; every other option as `start()` takes it) for the
 * tests of the file or describe it is called in. The properties are read inside tests and their hooks.
 */
export function useTokensim(options: StartOptions = {}): VitestTokensim {
  let server: Tokensim | undefined
  const running = new Map<string, ScopedTokensim>()

  const started = (): Tokensim => {
    if (server === undefined)
      throw new Error('tokensim/vitest: tokensim is not running here: read it inside a test or a hook after beforeAll')
    return server
  }
  const current = (): ScopedTokensim => {
    const [only, ...more] = running.values()
    if (only === undefined) throw new Error('tokensim/vitest: no test is running: read the scope inside a test or its beforeEach/afterEach')
    if (more.length > 0) throw new Error("tokensim/vitest: tests run concurrently: take each test's view with sim.for(context)")
    return only
  }

  beforeAll(async () => {
    server = await start({ ...options, port: options.port ?? 0 })
  })
  afterAll(async () => {
    await server?.close()
    server = undefined
  })
  beforeEach((context) => {
    running.set(context.task.id, scopedTokensim(started().url, scopeOfTest(context)))
  })
  afterEach(async (context) => {
    const view = running.get(context.task.id)
    running.delete(context.task.id)
    // The scope's rules go with its test (its journal entries stay: the journal keeps its own bound).
    if (server !== undefined) await view?.scenarios.clear()
  })

  return {
    get server() {
      return started()
    },
    get url() {
      return started().url
    },
    get scope() {
      return current().scope
    },
    get headers() {
      return current().headers
    },
    get scenarios() {
      return current().scenarios
    },
    journal: (query) => current().journal(query),
    for: (context) => running.get(context.task.id) ?? scopedTokensim(started().url, scopeOfTest(context)),
  }
}
