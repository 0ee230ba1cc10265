/**
 * A client that half-closes once its request is sent (node:net `socket.end()` after the request: RFC 9112,
 * section 9.6 lets it) still reads, and gets its whole answer, end marker included, on /stream and the vendor
 * routes, also when the FIN comes while the server holds the head back (slow-headers); the server closes the
 * connection after it. A client that closes for good meanwhile is found out at the first write and leaves no
 * stream behind.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'
import { until } from '../helpers/sse.js'

let server: RunningServer
let port: number
beforeAll(async () => {
  server = await startServer()
  port = Number(new URL(server.url).port)
})
afterAll(() => server.close())

/** Sends `request`, half-closes (or closes, `gone`), and resolves with everything read until the server closes. */
function halfClose(request: string, { gone = false } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
    socket.write(request, () => (gone ? socket.destroy() : socket.end()))
    if (gone) resolve('')
  })
}

const post = (path: string, body: unknown, headers: string[] = []): string => {
  const json = JSON.stringify(body)
  return [
    `POST ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(json)}`,
    'x-tokensim-delay: 20',
    'x-tokensim-ttft: 0',
    ...headers,
    '',
    json,
  ].join('\r\n')
}

const user = [{ role: 'user', content: 'hi' }]
const cases: [string, (fault: string[]) => string, RegExp][] = [
  [
    'GET /stream',
    (fault) =>
      `GET /stream?text=abcde&delay=20&ttft=0${fault.length > 0 ? '&fault=slow-headers:150' : ''} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`,
    /(id: \d\nevent: token\n[^\n]*\n\n){5}id: 5\nevent: done\n[^\n]*\n\n$/,
  ],
  ['openai chat', (fault) => post('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: user }, fault), /data: \[DONE\]\n\n$/],
  [
    'anthropic',
    (fault) => post('/v1/messages', { model: 'claude-x', max_tokens: 64, stream: true, messages: user }, fault),
    /event: message_stop\n[^\n]*\n\n$/,
  ],
  [
    'openai chat, not streamed',
    (fault) => post('/v1/chat/completions', { model: 'gpt-4o', messages: user }, fault),
    /"finish_reason":"stop"/,
  ],
]

describe('a client that half-closes after its request', () => {
  it.each(cases)('%s: gets the whole answer, then the server closes', async (_name, request, whole) => {
    for (const fault of [[], ['x-tokensim-fault: slow-headers:150']]) {
      // A `: ping` may come at the FIN (src/app/player.ts, probe): SSE parsers skip comments.
      const answer = (await halfClose(request(fault))).replaceAll(': ping\n\n', '')
      expect(answer, fault.join('')).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
      expect(answer, fault.join('')).toMatch(whole)
    }
    expect(server.server.registry.size).toBe(0)
  })

  it('a client gone for good while the head is held leaves no stream once the head is due', async () => {
    await halfClose(cases[0]![1](['slow-headers']), { gone: true })
    await new Promise((resolve) => setTimeout(resolve, 150))
    await until(() => server.server.registry.size === 0, 'the stream to stop at its first write')
  })
})
