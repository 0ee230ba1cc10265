/** A loopback port for a test's own process (a CLI, workerd) to listen on. */
import { createServer, type AddressInfo } from 'node:net'

/** A port that was free a moment ago: nothing answers there until someone listens on it. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
