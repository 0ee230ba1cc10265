/**
 * The checks every request passes before any route sees it: the server is not shutting down, the API key
 * (src/app/auth.ts) and the body size (src/app/body-limit.ts, `--max-body`), each refused in the error
 * shape of the route that would answer.
 *
 * One middleware on the main app, not one per route group: a group's `use('*')` middleware, once the group is
 * mounted with `app.route('/', group)`, runs for every path of the app (Hono merges the group's routes,
 * middleware included, into the parent's router), and it would run after the main app's capture middleware,
 * which answers vendor paths itself. So the guard runs first, finds the group that owns the request among the
 * routes Hono matched for it (`matchedRoutes`, hono/route), and renders with that group's renderer; any other
 * request (GET /stream, /replies, /profiles, /v1/models, /captures, an unknown path) gets the native shape.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { limitBody } from './body-limit.js'
import { matchedRoutes } from 'hono/route'
import { TokensimError } from '../core/errors.js'
import { renderNativeError } from '../wire/errors.js'
import type { KeyCheck } from './auth.js'
import { errorResponse, type GroupShape, type RenderError } from './error-responses.js'
import { bodyTooLarge } from './limits.js'
import { readQuery } from './query.js'
import { shuttingDown } from './streams.js'

export interface GuardOptions {
  readonly groups: readonly GroupShape[]
  /** Undefined: no key needed. */
  readonly keys: KeyCheck | undefined
  readonly maxBodyBytes: number
  /** The page's files, served to anyone: a browser loads them before it could be given a key. */
  readonly isStatic: (path: string) => boolean
  /** Aborted once shutdown has begun (src/app/streams.ts): every request is then a 503, the page's files aside. */
  readonly closing?: AbortSignal | undefined
  /** Whether a Host header names this server (src/node/hosts.ts); none: any Host. */
  readonly allowHost?: ((host: string) => boolean) | undefined
}

export function guard({ groups, keys, maxBodyBytes, isStatic, closing, allowHost }: GuardOptions): MiddlewareHandler {
  // Built at the first request, when every group has its routes.
  let owners: Map<string, GroupShape> | undefined
  const ownerOf = (c: Context): GroupShape | undefined => {
    owners ??= new Map(groups.flatMap((shape) => shape.group.routes.map((route) => [`${route.method} ${route.path}`, shape] as const)))
    for (const route of matchedRoutes(c)) {
      const owner = owners.get(`${route.method} ${route.path}`)
      if (owner !== undefined) return owner
    }
    return undefined
  }
  const reply = (c: Context, render: RenderError, error: unknown): Response => errorResponse(c, render, error)
  // One body limit per shape: it checks content-length, or counts a chunked body's bytes as they come.
  const limits = new Map<RenderError, MiddlewareHandler>()
  const limitFor = (render: RenderError): MiddlewareHandler => {
    let limit = limits.get(render)
    if (limit === undefined) {
      limit = limitBody(maxBodyBytes, (c) => reply(c, render, bodyTooLarge(maxBodyBytes)))
      limits.set(render, limit)
    }
    return limit
  }

  return async (c, next) => {
    // A CORS preflight carries no credentials (the cors middleware before this one answers it).
    if (c.req.method === 'OPTIONS') return next()
    // A request addressed to another name than this server's: a page that rebound its name to this address.
    const host = allowHost === undefined ? undefined : c.req.header('host')
    if (host !== undefined && !allowHost!(host)) return reply(c, ownerOf(c)?.render ?? renderNativeError, unknownHost(host))
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && isStatic(c.req.path)) return next()
    const owner = ownerOf(c)
    const render = owner?.render ?? renderNativeError
    // A request on a kept-alive connection after shutdown began: a 503 in its shape, not a new stream.
    if (closing?.aborted === true) return reply(c, render, shuttingDown())
    // Every route's query read as /stream's is (src/app/query.ts), which reads its own: a parameter that is not
    // percent-encoded UTF-8, or given twice, is the client's mistake, not a value to guess at.
    if (c.req.path !== '/stream' && c.req.url.includes('?')) {
      try {
        readQuery(c.req.url)
      } catch (error) {
        return reply(c, render, error)
      }
    }
    if (keys !== undefined) {
      try {
        await keys.check(c, owner?.scheme ?? (c.req.path === '/stream' ? 'stream' : 'any'))
      } catch (error) {
        return reply(c, render, error)
      }
    }
    // A GET or HEAD has no body to limit (Hono's bodyLimit lets them through too; so does limitBody), and asking the request for
    // its body, as the limit does, makes @hono/node-server build a full web Request (headers, AbortSignal) that
    // it otherwise never needs. Measured on 19,000 streams opened on `GET /stream`: 7.9 s of server CPU with
    // it, 5.3 s without.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    return limitFor(render)(c, next)
  }
}

/** The refusal of a Host that is not this server's (DNS rebinding). */
function unknownHost(host: string): TokensimError {
  return new TokensimError(
    'unknown_host',
    `Host ${JSON.stringify(host.slice(0, 256))} does not name this server: with --cors narrowed and no --api-key, tokensim answers only its bound address, localhost and the --cors origins' hosts (a guard against DNS rebinding)`,
    'host',
  )
}
