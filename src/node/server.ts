/**
 * The Node adapter: a tokensim app on a node:http server, with a clean shutdown. On close it stops accepting,
 * ends every open stream with a final comment (EventSource clients then reconnect, with Last-Event-ID, to
 * whatever serves the port next), and drops connections still open after a grace period.
 */
import { createAdaptorServer, type HttpBindings } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import type { Server } from 'node:http'
import type { ListenOptions } from 'node:net'
import { createApp, reloadApp, type AppData, type AppOptions } from '../app/app.js'
import { deliverNode, destroyDetached } from './deliver-node.js'
import { loadStaticFiles } from './page-files.js'
import { createHostCheck } from './hosts.js'
import { createStreamRegistry, type StreamRegistry } from '../app/streams.js'

export interface TokensimServer {
  readonly http: Server
  readonly registry: StreamRegistry
  /** `reusePort`: listen beside the other workers on the port, with SO_REUSEPORT (src/node/cluster.ts). */
  listen(address: { port: number; host: string; reusePort?: boolean }): Promise<void>
  /** New replies, scenarios, profiles and captures (see reloadApp); throws, and keeps the old ones, if they do not check. */
  reload(data: AppData): void
  /** Resolves once every connection is closed, at most `grace` ms after the call. */
  close(grace?: number): Promise<void>
}

/**
 * Long enough for a 1 MiB `text` in the query even when every byte is percent-encoded (Node's default of
 * 16 KiB would refuse it with 431 before tokensim could say anything).
 */
const MAX_HEADER_BYTES = 4 * 1024 * 1024

/**
 * Shutdown: the process is gone SHUTDOWN_MS after SIGTERM or SIGINT, as docs/deployment.md promises. Streams get
 * SHUTDOWN_GRACE_MS to take their final comment (a reader that has stopped reading never does); then every
 * connection is dropped, leaving the rest of the time to close them and exit, also on a busy machine and
 * through the primary of `--workers`. (A grace of the whole 2 s made 2 s the least a shutdown could take
 * whenever a connection lingered, and the exit came after it: 2.05 s on an idle machine, more under load.)
 */
export const SHUTDOWN_MS = 2000
export const SHUTDOWN_GRACE_MS = 1500

/** How long a client may take to send its request line and headers, and its whole request (`--headers-timeout`, `--request-timeout`). */
export const HEADERS_TIMEOUT_MS = 10_000
export const REQUEST_TIMEOUT_MS = 30_000

export interface NodeServerOptions extends AppOptions {
  /**
   * Slowloris: a connection that has not sent its whole head within `headersTimeout` ms, or its whole request
   * (the body too) within `requestTimeout` ms, gets a 408 and is closed. A stream being sent is past both.
   */
  readonly headersTimeout?: number
  readonly requestTimeout?: number
}

export function createServer({
  headersTimeout = HEADERS_TIMEOUT_MS,
  requestTimeout = REQUEST_TIMEOUT_MS,
  ...options
}: NodeServerOptions = {}): TokensimServer {
  const registry = options.registry ?? createStreamRegistry()
  // With --cors narrowed and no key, only requests addressed to this server (src/node/hosts.ts).
  let bound: string | undefined
  const { corsOrigins = '*', apiKey } = options
  const allowHost = corsOrigins !== '*' && apiKey === undefined ? createHostCheck(() => bound, corsOrigins) : undefined
  const app = createApp({ deliver: deliverNode, staticFiles: loadStaticFiles(), clientAddress, allowHost, ...options, registry })
  let closing = false
  const http = createAdaptorServer({
    // While shutting down, a request that arrives on a kept-alive connection gets a 503 in its route's shape from
    // the app (src/app/guard.ts), not a new stream.
    fetch: (request, env) => app.fetch(request, env),
    serverOptions: {
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node wants headersTimeout <= requestTimeout, and checks both every connectionsCheckingInterval (30 s by
      // default, which would let a slow client linger that much longer); the check walks only requests still
      // arriving, not the streams.
      headersTimeout: Math.min(headersTimeout, requestTimeout),
      requestTimeout,
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    },
    // Keep the platform's Response: @hono/node-server's own lighter one takes a path that ignores
    // RESPONSE_ALREADY_SENT once Hono has copied it (as it does when middleware set headers first), and then
    // writes headers a second time after the stream's fast path (src/node/deliver-node.ts) wrote them.
    overrideGlobalObjects: false,
  }) as Server
  // A client that half-closes once its request is sent (RFC 9112, section 9.6) still reads: node:http then
  // finishes the response in progress and closes after it, rather than ending the socket at the client's FIN
  // (its default, which cut an answer still being prepared: a held head, a body being read). The streams
  // written straight to the socket do the same (src/node/deliver-node.ts). `httpAllowHalfOpen` is node:http's
  // own switch (set in its Server constructor, read when a socket ends), absent from its types.
  ;(http as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
  http.on('request', (_request, response) => {
    // A connection whose response ends during shutdown is closed then, not kept alive for the next request.
    response.once('finish', () => {
      if (closing) http.closeIdleConnections()
    })
  })

  return {
    http,
    registry,
    reload: (data) => reloadApp(app, data),
    listen({ port, host, reusePort = false }) {
      bound = host
      return new Promise((resolve, reject) => {
        const onError = (error: Error): void => reject(error)
        http.once('error', onError)
        // A larger backlog than Node's 511 default, so a burst of new streams is queued rather than refused.
        // `reusePort` (a worker beside others on the port, src/node/cluster.ts) is Node 22.12's; Node 20's types lack it.
        const options: ListenOptions & { reusePort?: boolean } = { port, host, backlog: 4096, ...(reusePort ? { reusePort } : {}) }
        http.listen(options, () => {
          http.off('error', onError)
          resolve()
        })
      })
    },
    close(grace = SHUTDOWN_GRACE_MS) {
      return new Promise((resolve) => {
        if (!http.listening) return resolve()
        closing = true
        const force = setTimeout(() => {
          http.closeAllConnections()
          // Streams detached from node:http (src/node/deliver-node.ts) are not among its connections.
          destroyDetached(http)
        }, grace)
        http.close(() => {
          clearTimeout(force)
          resolve()
        })
        if (registry.shutDown !== undefined) registry.shutDown('server shutting down')
        else registry.endAll('server shutting down')
        http.closeIdleConnections()
      })
    },
  }
}

/**
 * The client's address, for --max-streams-per-client: the socket's remote address (IPv4-mapped IPv6 as the
 * plain IPv4 it is). Behind a proxy every client has the proxy's address; tokensim does not trust
 * x-forwarded-for, which any client could set.
 */
function clientAddress(c: Context): string | undefined {
  if ((c.env as Partial<HttpBindings> | undefined)?.incoming === undefined) return undefined
  const address = getConnInfo(c).remote.address
  return address?.startsWith('::ffff:') ? address.slice(7) : address
}
