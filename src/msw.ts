/**
 * tokensim/msw: tokensim's answers with no server, as MSW request handlers (msw 2 or 3, in Node with
 * `setupServer` and in the browser with `setupWorker`). Each handler is a thin adapter: it forwards the request it
 * intercepts to the runtime-neutral app (the one `createApp` makes) at the matching path and returns the app's
 * streamed Response as it is, so a request answered here gets the stream a tokensim server would send it (the same
 * plan, schedule, scenarios, faults and seed). Runtime-neutral: nothing here imports node:*.
 */
import type { Hono } from 'hono'
import { http, type HttpHandler } from 'msw'
import { parse as parseYaml } from 'yaml'
import { createApp as createHonoApp } from './app/app.js'
import { createClock } from './app/clock.js'
import { parseScenarios } from './app/scenario-rules.js'
import { BUILTIN_PROFILES } from './core/profiles.js'
import { BUILTIN_REPLIES } from './core/replies/builtin.js'
import type { Scenario } from './core/scenarios.js'
import { asOptionError, CODE_NAMES, OptionError, resolveAppOptions, type AppOptions } from './options.js'

/**
 * Where the handlers answer. Each is a base URL as its SDK takes it (`baseURL`), or a list of them, or `false`
 * (not answered); a base that starts with `*` (`*\/api/chat`) is answered on every origin.
 */
export interface MswUrls {
  /** OpenAI's base: `POST {base}/chat/completions`, `POST {base}/responses`, `GET {base}/models`. */
  readonly openai?: string | readonly string[] | false | undefined
  /** Anthropic's base: `POST {base}/v1/messages` and `{base}/v1/messages/count_tokens`. */
  readonly anthropic?: string | readonly string[] | false | undefined
  /** Gemini's base: `POST {base}/v1beta/models/{model}:{method}` (and `/v1/...`): stream, generate and count tokens. */
  readonly gemini?: string | readonly string[] | false | undefined
  /** The app's own chat route (AI SDK UI stream): `POST {base}` and `GET {base}/{id}/stream`. */
  readonly chat?: string | readonly string[] | false | undefined
  /** Where tokensim's own endpoints are: `{base}/journal` and `{base}/scenarios` (every method). */
  readonly tokensim?: string | readonly string[] | false | undefined
}

/** What the handlers answer unless `urls` says otherwise. */
const DEFAULT_URLS: Readonly<Required<{ [K in keyof MswUrls]: string }>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  chat: '*/api/chat',
  tokensim: '*/__tokensim',
}

export interface MswOptions extends AppOptions {
  /**
   * Scenario rules for every request (as `--scenarios` gives a server): YAML or JSON text, or the rules parsed (a
   * list of rules, or the list under `scenarios:`), with the same checks and messages as the file.
   */
  readonly scenarios?: string | readonly unknown[] | { readonly scenarios: readonly unknown[] } | undefined
  /** Where the handlers answer; each group not given keeps its default (DEFAULT_URLS below, docs/msw.md). */
  readonly urls?: MswUrls | undefined
}

/** Handlers for `setupServer(...sim.handlers)` or `setupWorker(...sim.handlers)`, and the app that answers them. */
export interface TokensimHandlers {
  readonly handlers: HttpHandler[]
  /** The tokensim app behind the handlers: `sim.app.fetch(new Request('http://tokensim/journal'))`. */
  readonly app: Hono
}

/** MSW request handlers that answer as tokensim. A bad option throws an OptionError naming it. */
export function tokensimHandlers(options: MswOptions = {}): TokensimHandlers {
  const { scenarios, urls = {}, ...appOptions } = options
  const settings = resolveAppOptions(appOptions)
  const rules = scenarios === undefined ? [] : scenarioRules(scenarios)
  let app: Hono
  try {
    // A stream keeps a Node process running until it ends, as a server's open socket does.
    app = createHonoApp({ ...settings, scenarios: rules, clock: createClock({ keepAlive: true }) })
  } catch (error) {
    throw asOptionError(error, CODE_NAMES)
  }
  const bases = (name: keyof MswUrls): readonly string[] => {
    const given = urls[name] === undefined ? DEFAULT_URLS[name] : urls[name]
    if (given === false) return []
    const list = typeof given === 'string' ? [given] : given
    for (const base of list) if (!/^(\*|[a-z][a-z\d+.-]*:\/\/[^/*]+)(\/[^*?#]*)?$/i.test(base)) badUrl(name, base)
    return list.map((base) => base.replace(/\/+$/, ''))
  }
  // `routes`: [method, path under the base, path in the app ({rest}: the rest of the request's path)].
  const answer = (name: keyof MswUrls, routes: readonly (readonly [Method, string, string])[]): HttpHandler[] =>
    bases(name).flatMap((base) =>
      routes.map(([method, path, appPath]) =>
        http[method](`${base}${path}`, async ({ request }) => {
          const rest = restOf(new URL(request.url).pathname, base, path)
          return forward(app, request, appPath.replace('{rest}', rest))
        }),
      ),
    )
  const handlers = [
    ...answer('openai', [
      ['post', '/chat/completions', '/v1/chat/completions'],
      ['post', '/responses', '/v1/responses'],
      ['get', '/models', '/v1/models'],
    ]),
    ...answer('anthropic', [
      ['post', '/v1/messages', '/v1/messages'],
      ['post', '/v1/messages/count_tokens', '/v1/messages/count_tokens'],
    ]),
    ...answer('gemini', [
      ['post', '/v1beta/models/*', '/v1beta/models/{rest}'],
      ['post', '/v1/models/*', '/v1/models/{rest}'],
    ]),
    ...answer('chat', [
      ['post', '', '/api/chat'],
      ['get', '/:id/stream', '/api/chat/{rest}/stream'],
    ]),
    ...answer('tokensim', [
      ['all', '/journal', '/journal'],
      ['all', '/scenarios', '/scenarios'],
    ]),
  ]
  return { handlers, app }
}

/** The handlers with every option at its default. */
export const handlers: HttpHandler[] = tokensimHandlers().handlers

type Method = 'get' | 'post' | 'all'

/** The request, with its path as the app names it, answered by the app: the app's Response, its body streaming. */
async function forward(app: Hono, request: Request, path: string): Promise<Response> {
  const url = new URL(request.url)
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
  const init: RequestInit = { method: request.method, headers: request.headers, signal: request.signal }
  const response = await app.fetch(new Request(new URL(`${path}${url.search}`, url.origin), body === undefined ? init : { ...init, body }))
  if (response.body === null) return response
  // A client that aborts its request stops the stream, as one that closes its socket stops a server's, and its
  // reader gets the abort's error, as from a real fetch. The pipe holds no more than a chunk.
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
  response.body.pipeTo(writable, { signal: request.signal }).catch(() => {})
  return new Response(readable, response)
}

/**
 * The part of a request's path that a handler's `*` or `:id` matched: what follows the base's path and the
 * route's fixed start (`/v1beta/models/` of `/v1beta/models/*`), up to the route's fixed end (`/stream`).
 */
function restOf(pathname: string, base: string, path: string): string {
  const basePath = base.startsWith('*') ? base.slice(1) : new URL(base).pathname.replace(/\/+$/, '')
  const [head = '', tail = ''] = path.split(/\*|:id/)
  const from = pathname.lastIndexOf(`${basePath}${head}`)
  const rest = from < 0 ? pathname : pathname.slice(from + basePath.length + head.length)
  return tail !== '' && rest.endsWith(tail) ? rest.slice(0, -tail.length) : rest
}

/** Inline rules, read and checked as a scenarios file is (against the built-in profiles and replies). */
function scenarioRules(given: NonNullable<MswOptions['scenarios']>): Scenario[] {
  let data: unknown = given
  if (typeof given === 'string') {
    try {
      data = parseYaml(given)
    } catch (error) {
      throw new OptionError('scenarios', `scenarios: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  const names = { profiles: BUILTIN_PROFILES.names, replies: BUILTIN_REPLIES.map((reply) => reply.name) }
  try {
    return parseScenarios(data, 'scenarios', names)
  } catch (error) {
    throw new OptionError('scenarios', (error as Error).message)
  }
}

function badUrl(name: keyof MswUrls, base: string): never {
  throw new OptionError(
    'urls',
    `urls.${name} must be an absolute URL (https://host/path) or a path on every origin (*/path), without a query; got ${JSON.stringify(base)}`,
  )
}
