/**
 * GET /stream on a real server on an ephemeral port, read by real clients: the `eventsource` package (a
 * WHATWG EventSource for Node) and fetch with an independent SSE parser.
 */
import { EventSource, type FetchLike } from 'eventsource'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { createClock } from '../../src/app/clock.js'
import { createStreamRegistry } from '../../src/app/streams.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { chunks, readSse, until } from '../helpers/sse.js'

const clock = createClock()
const registry = createStreamRegistry()
let server: RunningServer

beforeAll(async () => {
  // A short retry so EventSource reconnects fast; a short heartbeat so pings show within a test.
  // Units beyond the default --max-units: the slow reader needs a stream far larger than any socket buffer.
  server = await startServer({ clock, registry, retry: 20, heartbeat: 50, limits: { maxUnits: 1_000_000 } })
})
afterAll(() => server.close())

interface Received {
  texts: string[]
  ids: string[]
  /** The Last-Event-ID each connection was opened with (undefined for the first). */
  lastEventIds: Array<string | undefined>
  opens: number
}

/**
 * Streams `path` with EventSource until `done`. `cutAfter` bytes into each of the first `cuts` connections,
 * the connection is dropped as a flaky proxy would (the socket closes, no end marker), and EventSource
 * reconnects by itself with Last-Event-ID.
 */
function streamWithEventSource(path: string, cutAfter: number[] = []): Promise<Received> {
  const received: Received = { texts: [], ids: [], lastEventIds: [], opens: 0 }
  let connection = 0
  const flakyFetch: FetchLike = async (url, init) => {
    const headers = new Headers(init.headers)
    received.lastEventIds.push(headers.get('last-event-id') ?? undefined)
    const limit = cutAfter[connection++]
    const response = await fetch(url, init)
    if (limit === undefined || response.body === null) return response
    const reader = response.body.getReader()
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read()
        if (done) return controller.close()
        if (sent + value.length >= limit) {
          controller.enqueue(value.subarray(0, limit - sent)) // cut mid-event, as a network can
          await reader.cancel()
          return controller.close()
        }
        sent += value.length
        controller.enqueue(value)
      },
      cancel: () => reader.cancel(),
    })
    return new Response(body, { status: response.status, headers: response.headers })
  }
  return new Promise((resolve, reject) => {
    const source = new EventSource(`${server.url}${path}`, { fetch: flakyFetch })
    source.addEventListener('open', () => received.opens++)
    source.addEventListener('token', (event) => {
      received.texts.push((JSON.parse(event.data) as { text: string }).text)
      received.ids.push(event.lastEventId)
    })
    source.addEventListener('done', () => {
      source.close()
      resolve(received)
    })
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) reject(new Error('EventSource closed without done'))
    })
  })
}

describe('EventSource against the real server', () => {
  it('receives a reply exactly', async () => {
    const reply = BUILTIN_REPLIES.find((r) => r.name === 'multilingual')!
    const received = await streamWithEventSource('/stream?reply=multilingual&unit=token&delay=0&ttft=0')
    expect(received.texts.join('')).toBe(reply.text)
    expect(received.opens).toBe(1)
  })

  it.each([
    ['char', 1],
    ['word', 1],
    ['token', 1],
    ['token', 4],
  ])('reconnects after dropped connections with no unit lost or repeated (%s, chunk %i)', async (unit, chunk) => {
    const reply = BUILTIN_REPLIES.find((r) => r.name === 'markdown')!
    const received = await streamWithEventSource(`/stream?reply=markdown&unit=${unit}&chunk=${chunk}&delay=0&ttft=0`, [700, 1500, 333])
    expect(received.opens).toBe(4)
    expect(received.texts.join('')).toBe(reply.text)
    // Each reconnection carried the id of the last whole event received before the cut.
    expect(received.lastEventIds[0]).toBeUndefined()
    for (const id of received.lastEventIds.slice(1)) expect(received.ids).toContain(id)
    await until(() => registry.size === 0, 'every stream to be unregistered')
  })
})

describe('the stream lifecycle on a real server', () => {
  it('writes the SSE and CORS headers on the Node fast path too', async () => {
    const response = await fetch(`${server.url}/stream?text=hi&delay=0&ttft=0`, { headers: { origin: 'http://localhost:3000' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('content-encoding')).toBeNull()
    expect((await readSse(response)).text).toBe('hi')
  })

  it('serves 50 concurrent clients of the same stream, each getting every byte', async () => {
    const reads = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${server.url}/stream?reply=markdown&unit=token&delay=0&ttft=0`).then(readSse)),
    )
    const expected = BUILTIN_REPLIES.find((r) => r.name === 'markdown')!.text
    for (const read of reads) expect(read.text).toBe(expected)
  })

  it('stops all work for a stream as soon as the client goes away', async () => {
    const controller = new AbortController()
    const response = await fetch(`${server.url}/stream?reply=long&unit=word&delay=1000&ttft=0`, { signal: controller.signal })
    const reader = response.body!.getReader()
    await reader.read() // retry, and the first unit
    expect(registry.size).toBe(1)
    expect(clock.pending).toBe(1)
    controller.abort()
    await until(() => registry.size === 0 && clock.pending === 0, 'the stream and its timer to be gone')
  })

  it('sends `: ping` comments during a long silence', async () => {
    const read = await readSse(await fetch(`${server.url}/stream?text=hi&ttft=400&delay=0`))
    expect(read.text).toBe('hi')
    expect(read.comments.filter((c) => c === 'ping').length).toBeGreaterThanOrEqual(3)
  })

  it('keeps to the schedule: 20 units at 20 ms after a 100 ms ttft take about 480 ms', async () => {
    const started = performance.now()
    const arrivals: number[] = []
    const response = await fetch(`${server.url}/stream?text=abcdefghijklmnopqrst&delay=20&ttft=100`)
    const decoder = new TextDecoder()
    for await (const chunk of chunks(response.body!))
      if (decoder.decode(chunk).includes('event: token')) arrivals.push(performance.now() - started)
    const last = arrivals.at(-1)!
    // Generous bounds: the benchmark measures precise lateness; this only catches a broken schedule.
    expect(last).toBeGreaterThanOrEqual(470)
    expect(last).toBeLessThan(2500)
    expect(arrivals[0]!).toBeGreaterThanOrEqual(95)
  })

  it('takes a 1 MiB text in the URL (Node would refuse it with 431 by default), and 400s above that', async () => {
    const ok = await fetch(`${server.url}/stream?unit=word&delay=0&ttft=0&text=${'a'.repeat(1024 * 1024)}`)
    expect(ok.status).toBe(200)
    expect((await readSse(ok)).text).toHaveLength(1024 * 1024)
    const over = await fetch(`${server.url}/stream?text=${'a'.repeat(1024 * 1024 + 1)}`)
    expect(over.status).toBe(400)
    expect(((await over.json()) as { error: { param: string } }).error.param).toBe('text')
  })

  it('ends open streams cleanly on close, with a final comment', async () => {
    const other = await startServer()
    const response = await fetch(`${other.url}/stream?reply=long&unit=word&delay=200&ttft=0`)
    const reading = readSse(response)
    await until(() => other.server.registry.size === 1, 'the stream to open')
    await other.close()
    const read = await reading
    expect(read.comments.at(-1)).toBe('server shutting down')
    expect(read.done).toBeUndefined()
    expect(other.server.registry.size).toBe(0)
  })
})

describe('a reader that does not keep up', () => {
  it('pauses the stream instead of buffering it, and loses nothing once it reads again', async () => {
    // 400,000 units at delay=0: some 32 MB of SSE, all due at once, far more than the kernel's socket buffers.
    const units = 400_000
    const text = 'x'.repeat(units)
    const { connect } = await import('node:net')
    const port = Number(new URL(server.url).port)
    const socket = connect({ port, host: '127.0.0.1' })
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    socket.pause() // read nothing: the kernel's buffers fill, then the server's socket says so
    socket.write(`GET /stream?text=${text}&delay=0&ttft=0 HTTP/1.1\r\nhost: x\r\n\r\n`)
    await until(() => registry.size === 1, 'the stream to start', 20_000)
    const before = process.memoryUsage().rss
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const grown = process.memoryUsage().rss - before
    // Unpaused, the server would have queued tens of MB in this process by now.
    expect(grown).toBeLessThan(12 * 1024 * 1024)
    expect(registry.size).toBe(1)

    // Now read it all: every unit arrives, once, in order.
    let received = 0
    let tail = ''
    const decoder = new TextDecoder()
    const parser = (await import('eventsource-parser')).createParser({
      onEvent(event) {
        if (event.event === 'token') {
          const { index } = JSON.parse(event.data) as { index: number }
          expect(index).toBe(received)
          received++
        } else tail = event.event ?? ''
      },
    })
    let head = true
    socket.on('data', (chunk: Buffer) => {
      let text = decoder.decode(chunk, { stream: true })
      if (head) {
        const end = text.indexOf('\r\n\r\n')
        if (end === -1) return
        text = text.slice(end + 4)
        head = false
      }
      parser.feed(text)
    })
    socket.resume()
    await new Promise((resolve) => socket.once('close', resolve))
    expect(received).toBe(units)
    expect(tail).toBe('done')
  }, 60_000)
})
