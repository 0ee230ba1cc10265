/**
 * The Node adapter: a tokensim app on a node:http server, with a clean shutdown. On close it stops accepting,
 * ends every open stream with a final comment (EventSource clients then reconnect, with Last-Event-ID, to
 * whatever serves the port next), and drops connections still open after a grace period.
 */
import { createAdaptorServer } from '@hono/node-server'
import type { Server } from 'node:http'
import { createApp, type AppOptions } from './app.js'
import { createStreamRegistry, type StreamRegistry } from './streams.js'

export interface TokensimServer {
  readonly http: Server
  readonly registry: StreamRegistry
  listen(address: { port: number; host: string }): Promise<void>
  /** Resolves once every connection is closed, at most `grace` ms after the call. */
  close(grace?: number): Promise<void>
}

/**
 * Long enough for a 1 MiB `text` in the query even when every byte is percent-encoded (Node's default of
 * 16 KiB would refuse it with 431 before tokensim could say anything).
 */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024

export function createServer(options: AppOptions = {}): TokensimServer {
  const registry = options.registry ?? createStreamRegistry()
  const app = createApp({ ...options, registry })
  const http = createAdaptorServer({ fetch: app.fetch, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } }) as Server

  return {
    http,
    registry,
    listen({ port, host }) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error): void => reject(error)
        http.once('error', onError)
        // A larger backlog than Node's 511 default, so a burst of new streams is queued rather than refused.
        http.listen({ port, host, backlog: 4096 }, () => {
          http.off('error', onError)
          resolve()
        })
      })
    },
    close(grace = 2000) {
      return new Promise((resolve) => {
        if (!http.listening) return resolve()
        const force = setTimeout(() => http.closeAllConnections(), grace)
        http.close(() => {
          clearTimeout(force)
          resolve()
        })
        registry.endAll('server shutting down')
        http.closeIdleConnections()
      })
    },
  }
}
