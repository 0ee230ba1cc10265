/**
 * Slowloris against the real server: a client that sends its headers a byte at a time, or a body that never
 * finishes, is cut off with a 408 once --headers-timeout or --request-timeout passes, while a stream that was
 * already playing goes on untouched and the server answers a new request at once.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSse } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const HEADERS_MS = 1500
const REQUEST_MS = 3000

let server: RunningServer
let port: number
beforeAll(async () => {
  server = await startServer({ headersTimeout: HEADERS_MS, requestTimeout: REQUEST_MS })
  port = Number(new URL(server.url).port)
})
afterAll(() => server.close())

interface Slow {
  readonly socket: Socket
  /** Everything the server sent, once it closed the connection; and when, in ms after the first byte out. */
  readonly closed: Promise<{ reply: string; after: number }>
}

/** A raw connection that sends `head` at once, then `drip` one byte every `every` ms until the server closes it. */
function slowClient(head: string, drip: string, every: number): Slow {
  const socket = connect(port, '127.0.0.1')
  const started = Date.now()
  let reply = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (reply += chunk))
  socket.on('error', () => {}) // a reset when the server closes mid-write is part of being cut off
  socket.write(head)
  let i = 0
  const timer = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) return
    socket.write(drip[i++ % drip.length]!)
  }, every)
  const closed = new Promise<{ reply: string; after: number }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ reply, after: Date.now() - started })
    }),
  )
  return { socket, closed }
}

describe('slow clients are cut off by timeouts', () => {
  it('headers sent a byte at a time: a 408 after --headers-timeout, a stream in progress unaffected', { timeout: 30_000 }, async () => {
    // A stream that plays across the whole test: 40 words 100 ms apart.
    const text = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')
    const streaming = fetch(`${server.url}/stream?text=${encodeURIComponent(text)}&unit=word&delay=100&ttft=0`).then(readSse)
    const slow = slowClient('GET /stream HTTP/1.1\r\nhost: x\r\n', 'x-slow: aaaaaaaaaaaaaaaaaaaaaaaa', 200)
    const { reply, after } = await slow.closed
    expect(reply).toMatch(/^HTTP\/1\.1 408 /)
    // Cut within the timeout plus the check interval (1 s) and generous slack, not when the client gives up.
    expect(after).toBeGreaterThanOrEqual(HEADERS_MS - 100)
    expect(after).toBeLessThan(HEADERS_MS + 6000)
    const stream = await streaming
    expect(stream.text).toBe(text)
    expect(stream.done).toBeDefined()
  })

  it('a body that never finishes: a 408 after --request-timeout, and no error escapes the server', { timeout: 30_000 }, async () => {
    const head =
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"model":'
    const slow = slowClient(head, ' ', 300)
    const { reply, after } = await slow.closed
    expect(after).toBeGreaterThanOrEqual(REQUEST_MS - 100)
    expect(after).toBeLessThan(REQUEST_MS + 6000)
    expect(reply).toMatch(/^HTTP\/1\.1 408 /)
    const fine = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(fine.status).toBe(200)
  })

  it('many slow clients at once do not hold up a new request', { timeout: 30_000 }, async () => {
    const slow = Array.from({ length: 200 }, () => slowClient('GET /stream HTTP/1.1\r\n', 'x', 500))
    const started = Date.now()
    const response = await fetch(`${server.url}/stream?text=hello&delay=0&ttft=0`)
    expect((await readSse(response)).text).toBe('hello')
    expect(Date.now() - started).toBeLessThan(HEADERS_MS)
    const closed = await Promise.all(slow.map((s) => s.closed))
    expect(closed.every(({ reply }) => /^HTTP\/1\.1 408 /.test(reply) || reply === '')).toBe(true)
  })
})
