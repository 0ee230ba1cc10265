/**
 * Bounded work per request: while a hostile but legal request is read and answered (a 4 MB prompt of CJK text,
 * whose o200k tokens take seconds of BPE to count; a 4 MB body nested two million levels deep), a stream in the
 * same server process keeps its cadence. Measured through real sockets: the gaps between a delay=20 stream's events
 * as they arrive. Generous bounds (the machine may be busy): before the work was bounded, the CJK prompt held
 * the event loop for about 12 s, the deep body about 2 s.
 */
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../../src/app/limits.js'
import { killChildren, startCli } from '../helpers/cli.js'
import { until } from '../helpers/sse.js'

// The real CLI, in a process of its own: the gaps are then the server's alone. With the server in this process,
// the test's own work (4 MB bodies written, 8 MB of stream read, their garbage) counted as the server's and, on
// a busy machine, took the longest gap past the bound by itself.
const server = { url: '' }
let port: number
beforeAll(async () => {
  server.url = (await startCli()).url
  port = Number(new URL(server.url).port)
}, 60_000)
afterAll(() => killChildren())

/** CJK text of about `bytes` UTF-8 bytes (three a character), varied so that no cache or repeat helps. */
function cjk(bytes: number): string {
  let text = ''
  for (let i = 0; i < bytes / 3; i++) text += String.fromCharCode(0x4e00 + ((i * 7919) % 20_000))
  return text
}

/** 150 events 20 ms apart (3 s of stream) on a socket of its own, each event's arrival noted; once it has started. */
async function probe(): Promise<{ socket: Socket; arrivals: number[]; received: () => string }> {
  const socket = connect({ port, host: '127.0.0.1' })
  const arrivals: number[] = []
  let received = ''
  socket.on('data', (chunk: Buffer) => {
    const now = performance.now()
    const text = chunk.toString('latin1')
    received += text
    for (let at = text.indexOf('event: token'); at !== -1; at = text.indexOf('event: token', at + 1)) arrivals.push(now)
  })
  socket.write(`GET /stream?text=${'x'.repeat(150)}&delay=20&ttft=0 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
  await until(() => arrivals.length >= 5, 'the stream to start')
  return { socket, arrivals, received: () => received }
}

/** POSTs `body` and resolves with the status once the answer is whole; `abort` ends it early. */
function post(path: string, body: string, headers: Record<string, string> = {}): { done: Promise<number>; abort: () => void } {
  const req = request(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-tokensim-delay': '0',
      'x-tokensim-ttft': '0',
      ...headers,
    },
  })
  const done = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(-1))
    })
    req.on('error', () => resolve(-1))
  })
  req.end(body)
  return { done, abort: () => req.destroy() }
}

it('a stream keeps its cadence while a 4 MB CJK prompt and a 4 MB deep body arrive', { timeout: 60_000 }, async () => {
  const prompt = cjk(MAX_BODY_BYTES - 1024)
  const chat = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] })
  const count = JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: prompt }] })
  const deep = `{"model":"gpt-4o","input":"hi","metadata":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}`
  for (const body of [chat, count, deep]) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES)

  const { socket, arrivals, received } = await probe()

  // The hostile requests, while the stream plays.
  const requests = [post('/v1/chat/completions', chat), post('/v1/messages/count_tokens', count), post('/v1/responses', deep)]
  expect(await requests[2]!.done).toBe(400)
  await until(() => received().includes('event: done'), 'the stream to end', 20_000)
  socket.destroy()
  // The prompts may still be counting (seconds of BPE); their clients go, and so does the counting.
  for (const r of requests) r.abort()

  const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
  const worst = Math.max(...gaps)
  console.log(`bounded work: ${gaps.length} gaps, the longest ${worst.toFixed(0)} ms`)
  expect(arrivals.length).toBe(150)
  expect(worst).toBeLessThan(300)
})

/** GETs `path` on a socket of its own and resolves with the status line's code once the head arrives. */
function get(path: string): { status: Promise<number>; abort: () => void } {
  const socket = connect({ port, host: '127.0.0.1' })
  const status = new Promise<number>((resolve) => {
    let head = ''
    socket.on('data', (chunk: Buffer) => {
      if (head.length >= 12) return // the rest is read and dropped
      head += chunk.toString('latin1', 0, 12)
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head)
      if (match !== null) resolve(Number(match[1]))
    })
    socket.on('error', () => resolve(-1))
    socket.on('close', () => resolve(-1))
  })
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
  return { status, abort: () => socket.destroy() }
}

it('a stream keeps its cadence while 1 MiB texts are split on /stream and echoed by a vendor route', { timeout: 60_000 }, async () => {
  // 1 MiB of CJK (about 350,000 characters), and 1 MiB of ten-letter words (95,000 of them, within --max-units).
  const chinese = cjk(1024 * 1024 - 3)
  const words = 'abcdefghij '.repeat(Math.floor((1024 * 1024) / 11))
  const echo = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: chinese }] })
  // Built before the stream starts: this process is the server's too, and its own work would count as the server's.
  const tokensPath = `/stream?unit=token&delay=0&ttft=0&text=${encodeURIComponent(chinese)}`
  const wordsPath = `/stream?unit=word&delay=0&ttft=0&text=${encodeURIComponent(words)}`

  const { socket, arrivals, received } = await probe()

  const tokens = get(tokensPath)
  const byWord = get(wordsPath)
  const chat = post('/v1/chat/completions', echo, { 'x-tokensim-reply': 'echo' })
  // CJK tokens pass --max-units (100,000) and are refused; the words are streamed.
  expect(await tokens.status).toBe(400)
  expect(await byWord.status).toBe(200)
  await until(() => received().includes('event: done'), 'the stream to end', 20_000)
  socket.destroy()
  for (const r of [tokens, byWord, chat]) r.abort()

  const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
  const worst = Math.max(...gaps)
  console.log(`bounded work, 1 MiB texts: ${gaps.length} gaps, the longest ${worst.toFixed(0)} ms`)
  expect(arrivals.length).toBe(150)
  expect(worst).toBeLessThan(300)
})
