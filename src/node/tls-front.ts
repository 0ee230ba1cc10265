/**
 * An HTTPS front for a running tokensim: TLS with a self-signed certificate (made at start by `selfsigned`, an
 * ECDSA P-256 key for localhost and 127.0.0.1, never written to disk) on a port of its own, each connection's bytes passed both ways to the plain HTTP server as they come. A browser request to
 * an https URL (a vendor's) can only be sent on to an https URL (Playwright's `route.continue`), and this keeps
 * it a real stream: nothing is buffered, each read of the server's socket goes out as it arrives.
 */
import { connect, type Socket } from 'node:net'
import { createServer } from 'node:tls'

export interface TlsFront {
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string
  /** The certificate it presents (PEM), for a client that trusts it rather than ignoring the error. */
  readonly cert: string
  /** Stops listening and closes every connection. */
  close(): Promise<void>
}

/** Starts the front on 127.0.0.1 (a free port) for the HTTP server at `target`. */
export async function startTlsFront(target: { readonly host: string; readonly port: number }): Promise<TlsFront> {
  const { cert, key } = await selfSignedCertificate()
  const open = new Set<Socket>()
  const track = (socket: Socket): void => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
  }
  const server = createServer({ cert, key, ALPNProtocols: ['http/1.1'] }, (client) => {
    const upstream = connect({ host: target.host, port: target.port })
    track(client)
    track(upstream)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    const end = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  // A handshake that fails (a client that does not trust the certificate) is that client's business.
  server.on('tlsClientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `https://127.0.0.1:${port}`,
    cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of open) socket.destroy()
      }),
  }
}

const DAY_MS = 86_400_000

/**
 * A certificate for `localhost` and 127.0.0.1, valid from a day ago for 30 days. `selfsigned` is loaded here only:
 * a server that never starts a front never loads it.
 */
async function selfSignedCertificate(now = Date.now()): Promise<{ cert: string; key: string }> {
  const { generate } = await import('selfsigned')
  const pems = await generate([{ name: 'commonName', value: 'tokensim' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 30 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}
