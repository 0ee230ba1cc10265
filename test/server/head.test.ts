/**
 * HEAD on every GET route, through a real socket: the status and headers the GET gets, no body byte, and no
 * stream played or kept (the registry stays empty), also on the stream routes, whose body is written straight to
 * the socket (src/node/deliver-node.ts) and so never passes through Hono's HEAD handling.
 */
import { request, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCaptures } from '../../src/node/captures-file.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { until } from '../helpers/sse.js'

let server: RunningServer
let port: number
beforeAll(async () => {
  const captures = loadCaptures(fileURLToPath(new URL('../fixtures/captures/', import.meta.url)))
  server = await startServer({ captures })
  port = Number(new URL(server.url).port)
})
afterAll(() => server.close())

/** Headers that differ between any two responses, or that say how the connection or the body is framed. */
const PER_RESPONSE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id', 'request-id'])

interface Head {
  readonly status: number
  readonly headers: Record<string, string>
  readonly bodyBytes: number
}

/** A request's status and headers; its body is counted (HEAD) or not waited for (GET: the head is enough). */
function head(method: 'GET' | 'HEAD', path: string, headers: Record<string, string> = {}): Promise<Head> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: { origin: 'http://localhost:3000', ...headers } })
    req.on('error', reject)
    req.on('response', (res) => {
      const kept = headersOf(res.headers)
      if (method === 'GET') {
        res.destroy()
        return resolve({ status: res.statusCode ?? 0, headers: kept, bodyBytes: -1 })
      }
      let bodyBytes = 0
      res.on('data', (chunk: Buffer) => (bodyBytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: kept, bodyBytes }))
    })
    req.end()
  })
}

function headersOf(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (!PER_RESPONSE.has(name) && value !== undefined) kept[name] = String(value)
  return kept
}

const STREAM = '/stream?text=hello%20there&delay=20&ttft=0'
const GET_ROUTES = [
  STREAM,
  '/stream?reply=greeting&unit=word&fault=slow-headers:50',
  '/stream?capture=native-flaky',
  '/stream?delay=-1',
  '/captures',
  '/captures/openai-chat-markdown',
  '/captures/nothing-by-that-name',
  '/replies',
  '/profiles',
  '/v1/models',
  '/scenarios',
  '/journal',
  '/',
  '/v1beta/models',
  '/api/chat/no-such-chat/stream',
  '/nowhere',
]

/** The routes whose answer names the method (`No route for HEAD /nowhere`). */
const NAMES_METHOD = new Set(['/v1beta/models', '/nowhere'])

describe('HEAD', () => {
  it.each(GET_ROUTES)('HEAD %s: the GET status and headers, no body, no stream', async (path) => {
    const get = await head('GET', path)
    await until(() => server.server.registry.size === 0, 'the GET stream to stop')
    const answer = await head('HEAD', path)
    expect(answer.bodyBytes).toBe(0)
    expect(server.server.registry.size).toBe(0)
    expect(answer.status).toBe(get.status)
    // A body's length is told on HEAD too (not a stream's: its body ends with the connection). A 404's message
    // names the method it got, one letter longer.
    const length = Number(get.headers['content-length']) + (NAMES_METHOD.has(path) ? 1 : 0)
    expect(answer.headers).toEqual({ ...get.headers, ...('content-length' in get.headers && { 'content-length': String(length) }) })
  })

  it('the journal tells a HEAD /stream from its GET: the GET streamed, the HEAD did not', async () => {
    const path = '/stream?text=journal-head&delay=0&ttft=0'
    await head('GET', path)
    await head('HEAD', path)
    const { entries } = (await (await fetch(`${server.url}/journal?route=stream`)).json()) as {
      entries: Array<{ method: string; knobs?: Record<string, string>; stream?: boolean }>
    }
    const mine = entries.filter((entry) => entry.knobs?.['text'] === 'journal-head')
    expect(mine.map((entry) => [entry.method, entry.stream])).toEqual([
      ['GET', true],
      ['HEAD', false],
    ])
  })

  it('HEAD /api/chat/{id}/stream while the chat plays: the GET head, no stream', async () => {
    const body = JSON.stringify({ id: 'head-chat', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] })
    const post = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tokensim-delay': '200', 'x-tokensim-ttft': '0' },
      body,
    })
    expect(post.status).toBe(200)
    const reader = post.body!.getReader()
    await reader.read()
    expect(server.server.registry.size).toBe(1)
    const get = await head('GET', '/api/chat/head-chat/stream')
    expect(get.status).toBe(200)
    await until(() => server.server.registry.size === 1, 'the resumed GET to stop')
    const answer = await head('HEAD', '/api/chat/head-chat/stream')
    expect(answer).toEqual({ ...get, bodyBytes: 0 })
    expect(server.server.registry.size).toBe(1) // the chat's own stream, nothing more
    await reader.cancel()
    await until(() => server.server.registry.size === 0, 'the chat stream to stop')
  })

  it('raw bytes: HEAD /stream and /captures/NAME end at the blank line, and the connection takes the next request', async () => {
    for (const path of [STREAM, '/captures/openai-chat-markdown']) {
      const socket = connect({ port, host: '127.0.0.1' })
      let received = ''
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
      socket.write(`HEAD ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
      await until(() => received.includes('\r\n\r\n'), 'the head')
      // Longer than the GET's stream plays: nothing more comes, and nothing plays.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(received.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true)
      expect(received.slice(received.indexOf('\r\n\r\n') + 4)).toBe('')
      expect(server.server.registry.size).toBe(0)
      // The head was the whole response: the next request on the connection is answered as the next.
      received = ''
      socket.write('GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n')
      await new Promise((resolve) => socket.once('close', resolve))
      expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"object":"list"/)
    }
  })
})
