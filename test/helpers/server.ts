/** Starts the real tokensim server on an ephemeral loopback port for a test, and stops it afterwards. */
import type { AddressInfo } from 'node:net'
import { createServer, type NodeServerOptions, type TokensimServer } from '../../src/node/server.js'

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  readonly url: string
  readonly server: TokensimServer
  close(): Promise<void>
}

export async function startServer(options: NodeServerOptions = {}): Promise<RunningServer> {
  const server = createServer(options)
  await server.listen({ port: 0, host: '127.0.0.1' })
  const { port } = server.http.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server, close: () => server.close() }
}
