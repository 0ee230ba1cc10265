/**
 * The Node fast path detaches a stream's socket from node:http once the head is out (src/node/deliver-node.ts),
 * so that the parser, the request and the response can be collected while the stream plays on. These tests
 * check that it really is detached, and that what node:http used to do for the socket still happens: a client
 * that goes away (reset, close) stops its stream and its timer, one that only half-closes gets its whole stream,
 * and shutdown ends every detached stream, even one whose client never reads.
 */
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createClock } from '../../src/app/clock.js'
import { createStreamRegistry } from '../../src/app/streams.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { until } from '../helpers/sse.js'

const running: RunningServer[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()))
})

async function start() {
  const clock = createClock()
  const registry = createStreamRegistry()
  // Units beyond the default --max-units: the never-reading client needs a stream far larger than any socket buffer.
  const server = await startServer({ clock, registry, heartbeat: 60_000, limits: { maxUnits: 1_000_000 } })
  running.push(server)
  const serverSockets: Socket[] = []
  server.server.http.on('connection', (socket: Socket) => serverSockets.push(socket))
  return { server, clock, registry, serverSockets, port: Number(new URL(server.url).port) }
}

interface Client {
  readonly socket: Socket
  /** Everything received so far, latin1 (the streams here are ASCII). */
  received(): string
  readonly closed: Promise<void>
}

/** A raw HTTP/1.1 client, so the test controls exactly how the connection ends. */
function open(port: number, path: string, { read = true } = {}): Client {
  const socket = connect({ port, host: '127.0.0.1' })
  let text = ''
  if (read) socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
  else socket.pause()
  socket.on('error', () => {}) // a reset is one of the ways these tests end a connection
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\norigin: http://localhost:3000\r\n\r\n`)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { socket, received: () => text, closed }
}

const LONG = `/stream?text=${'x'.repeat(500)}&delay=1000&ttft=0`

describe('a stream detached from node:http', () => {
  it('no longer holds the parser, the response or node:http listeners, and still sends the whole head', async () => {
    const { port, registry, serverSockets } = await start()
    const client = open(port, LONG)
    await until(() => client.received().includes('event: token'), 'the first event')
    expect(registry.size).toBe(1)
    const [socket] = serverSockets as Array<Socket & { parser?: unknown; _httpMessage?: unknown }>
    await until(() => socket!.parser === null, 'the parser to be freed')
    expect(socket!._httpMessage).toBeNull()
    // node:http's 'data', 'drain' and 'timeout' listeners are gone; 'close' and 'end' are the stream's own.
    expect(socket!.listenerCount('data')).toBe(0)
    expect(socket!.listenerCount('drain')).toBe(0)
    expect(socket!.listenerCount('timeout')).toBe(0)
    const head = client.received().slice(0, client.received().indexOf('\r\n\r\n')).toLowerCase()
    expect(head).toMatch(/^http\/1\.1 200 ok\r\n/)
    expect(head).toContain('content-type: text/event-stream; charset=utf-8')
    expect(head).toContain('access-control-allow-origin: *')
    expect(head).toContain('connection: close')
    expect(head).not.toContain('transfer-encoding')
    client.socket.destroy()
  })

  it('stops streams whose clients go away (reset, close), and leaves no stream or timer behind', async () => {
    const { port, registry, clock } = await start()
    // Frames 20 ms apart: a client that closed (FIN) is found out at the next write, which it answers with a reset.
    const clients = Array.from({ length: 120 }, () => open(port, `/stream?text=${'x'.repeat(500)}&delay=20&ttft=0`))
    await until(() => registry.size === 120, 'every stream to open', 20_000)
    expect(clock.pending).toBe(120)
    await until(() => clients.every((c) => c.received().includes('event: token')), 'every first event', 20_000)

    // Half reset, half closed.
    clients.forEach((client, i) => (i % 2 === 0 ? client.socket.resetAndDestroy() : client.socket.destroy()))
    await until(() => registry.size === 0 && clock.pending === 0, 'every stream and its timer to be gone', 20_000)
  })

  it('plays on to its end for a client that half-closes (FIN sent, still reading), then closes', async () => {
    const { port, registry, clock } = await start()
    const clients = Array.from({ length: 40 }, () => open(port, '/stream?text=hello&delay=30&ttft=0'))
    await until(() => clients.every((c) => c.received().includes('event: token')), 'every first event', 20_000)
    for (const client of clients) client.socket.end()
    // The server closes its side once the stream is whole.
    await Promise.all(clients.map((c) => c.closed))
    for (const client of clients) expect(client.received()).toMatch(/event: done\ndata: [^\n]*\n\n$/)
    expect(registry.size).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('is ended by server close, with the final comment, many at once', async () => {
    const { server, port, registry, clock } = await start()
    const clients = Array.from({ length: 100 }, () => open(port, LONG))
    await until(() => registry.size === 100, 'every stream to open', 20_000)
    await until(() => clients.every((c) => c.received().includes('event: token')), 'every first event', 20_000)
    // Half of them go away first.
    for (const client of clients.slice(0, 50)) client.socket.destroy()
    await until(() => registry.size === 50 && clock.pending === 50, 'half the streams to stop', 20_000)

    await server.close()
    await Promise.all(clients.map((c) => c.closed))
    for (const client of clients.slice(50)) expect(client.received().endsWith(': server shutting down\n\n')).toBe(true)
    expect(registry.size).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('is closed by server close after the grace period when its client never reads', async () => {
    const { server, port, registry, clock } = await start()
    // All due at once and never read: the server's socket fills and the stream waits for 'drain'.
    const client = open(port, `/stream?text=${'x'.repeat(400_000)}&delay=0&ttft=0`, { read: false })
    await until(() => registry.size === 1, 'the stream to open', 20_000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    await server.server.close(300)
    // Generous: it waits for the grace period, not for the client.
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(registry.size).toBe(0)
    expect(clock.pending).toBe(0)
    client.socket.destroy()
  })
})
