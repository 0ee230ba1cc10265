/**
 * tokensim behind a Playwright page (`tokensim/playwright`): the page's model calls (its app's own `/api/chat`,
 * and the vendors' https URLs that a browser SDK calls directly) are sent on to a running tokensim with the
 * test's `x-tokensim-scope`, with `route.continue`, so the answer streams to the page as tokensim plays it (a
 * `route.fulfill` would hand the page the whole body at once).
 *
 * `route.continue` may change a request's URL only within its protocol: an http call goes on to tokensim's own
 * port, an https call to an HTTPS front (src/node/tls-front.ts: TLS with a self-signed certificate, passing the
 * bytes through as they come), which the browser context reaches with `ignoreHTTPSErrors: true`.
 */
import type {
  Fixtures,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestInfo,
} from '@playwright/test'
import type { BrowserContext, Page, Request, Route } from 'playwright-core'
import { SCOPE_HEADER } from './app/scenario-store.js'
import { startTlsFront } from './node/tls-front.js'
import { scopedTokensim, scopeFrom, type ScopedTokensim } from './scoped-client.js'
import { start, type StartOptions, type Tokensim } from './start.js'

export type { JournalEntry, JournalQuery, ScenarioRules, ScopedScenarios, ScopedTokensim } from './scoped-client.js'

/** What Playwright's `route()` takes: a glob, a regular expression, or a test of the URL. */
export type UrlMatcher = string | RegExp | ((url: URL) => boolean)

/** A route to tokensim: the calls `match` picks, sent to `path` on tokensim (default: the request's own path and query). */
export interface ModelRoute {
  readonly match: UrlMatcher
  readonly path?: string | undefined
}

/**
 * The calls routed unless `routes` says otherwise: an app's own AI SDK endpoint (`/api/chat` and its resume
 * path, on any origin), and the APIs of OpenAI, Anthropic and Gemini, whose paths tokensim serves as they are.
 */
export const DEFAULT_ROUTES: readonly (UrlMatcher | ModelRoute)[] = [
  '**/api/chat',
  '**/api/chat/*/stream',
  'https://api.openai.com/**',
  'https://api.anthropic.com/**',
  'https://generativelanguage.googleapis.com/**',
]

export interface RouteModelCallsOptions {
  /** tokensim's URL (http): where http calls go. */
  readonly url: string
  /** tokensim's HTTPS front (`startTokensim()`'s `httpsUrl`): where https calls go. Without it, https calls are aborted. */
  readonly httpsUrl?: string | undefined
  /** The `x-tokensim-scope` the calls carry; none: the rules and journal entries without a scope. */
  readonly scope?: string | undefined
  /** What to route (default DEFAULT_ROUTES). */
  readonly routes?: readonly (UrlMatcher | ModelRoute)[] | undefined
}

/** Stops routing what routeModelCalls routed. */
export type Unroute = () => Promise<void>

/**
 * Routes the model calls of a page, or of every page of a browser context, to tokensim: each call that a route
 * matches goes on to tokensim's URL (an https call to `httpsUrl`) with the same method, headers and body, the
 * scope header added. Resolves once the routes are in place; the function it gives removes them.
 */
export async function routeModelCalls(target: Page | BrowserContext, options: RouteModelCallsOptions): Promise<Unroute> {
  const http = options.url.replace(/\/+$/, '')
  const https = options.httpsUrl?.replace(/\/+$/, '')
  const continued = new WeakSet<Request>()
  const warned = new Set<string>()
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return
    warned.add(key)
    console.warn(`tokensim/playwright: ${message}`)
  }

  const handlerOf =
    (path: string | undefined) =>
    async (route: Route, request: Request): Promise<void> => {
      const from = new URL(request.url())
      const base = from.protocol === 'https:' ? https : http
      if (base === undefined) {
        warnOnce('https', `${from.origin}${from.pathname} aborted: an https call needs httpsUrl (startTokensim() gives it)`)
        await route.abort('failed')
        return
      }
      const headers = { ...request.headers() }
      if (options.scope !== undefined) headers[SCOPE_HEADER] = options.scope
      continued.add(request)
      await route.continue({ url: `${base}${path ?? `${from.pathname}${from.search}`}`, headers })
    }

  const installed = (options.routes ?? DEFAULT_ROUTES).map((entry) => {
    const { match, path } = typeof entry === 'object' && !(entry instanceof RegExp) ? entry : { match: entry, path: undefined }
    return { match, handler: handlerOf(path) }
  })
  for (const { match, handler } of installed) await target.route(match, handler)

  // A call sent on to the HTTPS front fails its handshake in a context that checks certificates: say what to set.
  const onFailed = (request: Request): void => {
    const error = request.failure()?.errorText ?? ''
    if (continued.has(request) && /CERT|SSL/i.test(error))
      warnOnce(
        'cert',
        `${request.url()} failed (${error}): the browser context needs ignoreHTTPSErrors: true to reach tokensim's HTTPS front`,
      )
  }
  const events = target as unknown as {
    on(event: 'requestfailed', listener: (request: Request) => void): unknown
    off(event: 'requestfailed', listener: (request: Request) => void): unknown
  }
  events.on('requestfailed', onFailed)

  return async () => {
    events.off('requestfailed', onFailed)
    for (const { match, handler } of installed) await target.unroute(match, handler)
  }
}

/** A tokensim for a browser: the server `start()` started, and its HTTPS front. */
export interface PlaywrightTokensim {
  /** tokensim's URL (http). */
  readonly url: string
  /** Its HTTPS front's URL (`https://127.0.0.1:PORT`, a self-signed certificate). */
  readonly httpsUrl: string
  readonly server: Tokensim
  /** Stops the front and the server. */
  close(): Promise<void>
}

/** Starts tokensim (`start(options)`, port 0 unless `options.port` says otherwise) and its HTTPS front. */
export async function startTokensim(options: StartOptions = {}): Promise<PlaywrightTokensim> {
  const server = await start({ ...options, port: options.port ?? 0 })
  const address = new URL(server.url)
  try {
    const front = await startTlsFront({ host: address.hostname.replace(/^\[|\]$/g, ''), port: server.port })
    return {
      url: server.url,
      httpsUrl: front.url,
      server,
      close: async () => {
        await front.close()
        await server.close()
      },
    }
  } catch (error) {
    await server.close()
    throw error
  }
}

/** The fixtures a test gets: `tokensim`, its view of tokensim (`url`, `scope`, `headers`, `scenarios`, `journal()`). */
export interface TokensimFixtures {
  readonly tokensim: ScopedTokensim
}

/** The worker's fixture: the tokensim every test of the worker shares (each in a scope of its own). */
export interface TokensimWorkerFixtures {
  readonly tokensimServer: PlaywrightTokensim
}

export interface TokensimFixtureOptions extends StartOptions {
  /** What each test's context routes to tokensim (default DEFAULT_ROUTES). */
  readonly routes?: readonly (UrlMatcher | ModelRoute)[] | undefined
}

/** A test's scope: its id (unique in the run), its retry and repeat, and its title to read it by. */
function scopeOfTest(info: TestInfo): string {
  return scopeFrom(`pw:${info.testId}:${info.retry}.${info.repeatEachIndex}:${info.title}`)
}

/**
 * Fixtures for `test.extend(...)` of `@playwright/test`: tokensim started once per worker (`tokensimServer`), a
 * scope per test (`tokensim`), and the test's browser context routing its model calls to tokensim in that scope.
 * Reaching the vendors' https URLs needs `ignoreHTTPSErrors: true` in `use`.
 */
export function tokensimFixtures(
  options: TokensimFixtureOptions = {},
): Fixtures<
  TokensimFixtures,
  TokensimWorkerFixtures,
  PlaywrightTestArgs & PlaywrightTestOptions,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions
> {
  const { routes, ...startOptions } = options
  return {
    tokensimServer: [
      // Playwright reads a fixture's dependencies from its first parameter, which must be a destructuring.
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const sim = await startTokensim(startOptions)
        try {
          await use(sim)
        } finally {
          await sim.close()
        }
      },
      { scope: 'worker' },
    ],
    tokensim: async ({ tokensimServer }, use, testInfo) => {
      const view = scopedTokensim(tokensimServer.url, scopeOfTest(testInfo))
      await use(view)
      await view.scenarios.clear()
    },
    context: async ({ context, tokensim, tokensimServer }, use) => {
      await routeModelCalls(context, { url: tokensimServer.url, httpsUrl: tokensimServer.httpsUrl, scope: tokensim.scope, routes })
      await use(context)
    },
  }
}
