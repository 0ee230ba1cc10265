/**
 * A server whose --cors names origins, through real sockets: every answer, streams included, says
 * `vary: origin` (once), and without --api-key it answers only requests whose Host names it (its bound address,
 * localhost, the allowed origins' hosts), so a page that rebinds its own name to 127.0.0.1 cannot read it.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'

const ORIGIN = 'http://app.example:5173'
let narrowed: RunningServer
let keyed: RunningServer
let open: RunningServer
beforeAll(async () => {
  narrowed = await startServer({ corsOrigins: [ORIGIN] })
  keyed = await startServer({ corsOrigins: [ORIGIN], apiKey: 'sk-test' })
  open = await startServer()
})
afterAll(async () => {
  await Promise.all([narrowed.close(), keyed.close(), open.close()])
})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request through node:http, which (unlike fetch) sends the Host header it is given. */
function send(
  base: string,
  path: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const chat = (stream: boolean) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' },
  body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }),
})

describe('--cors narrowed: vary: origin on every answer', () => {
  it.each([
    ['GET /stream (SSE)', '/stream?text=hi&delay=0&ttft=0', { headers: { origin: ORIGIN } }],
    ['a streamed chat completion', '/v1/chat/completions', chat(true)],
    ['a chat completion', '/v1/chat/completions', chat(false)],
    ['GET /replies', '/replies', { headers: { origin: ORIGIN } }],
    ['a preflight', '/v1/chat/completions', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } }],
  ] as const)('%s', async (_what, path, init) => {
    const answer = await send(narrowed.url, path, init)
    expect(answer.status).toBeLessThan(300)
    const vary = String(answer.headers['vary'] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
    expect(vary.filter((name) => name === 'origin')).toHaveLength(1)
    if (!('method' in init) || init.method !== 'OPTIONS') expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN)
  })

  it('with --cors * (any origin, the same answer for all) there is no vary: origin', async () => {
    const answer = await send(open.url, '/stream?text=hi&delay=0&ttft=0', { headers: { origin: ORIGIN } })
    expect(String(answer.headers['vary'] ?? '')).not.toMatch(/origin/i)
  })
})

describe('--cors narrowed and no key: only a Host that names this server (DNS rebinding)', () => {
  const port = (server: RunningServer): string => new URL(server.url).port

  it.each(['127.0.0.1', 'localhost', 'LOCALHOST.', 'app.example', '[::1]'])('Host %s is served', async (name) => {
    const answer = await send(narrowed.url, '/stream?text=hi&delay=0&ttft=0', { headers: { host: `${name}:${port(narrowed)}` } })
    expect(answer.status).toBe(200)
  })

  it("another Host is a 403 in the route's shape, naming it", async () => {
    const host = `rebound.example:${port(narrowed)}`
    const native = await send(narrowed.url, '/stream?text=hi', { headers: { host } })
    expect(native.status).toBe(403)
    expect(JSON.parse(native.body)).toMatchObject({
      error: {
        code: 'unknown_host',
        param: 'host',
        message: expect.stringMatching(/^Host "rebound\.example:\d+" does not name this server/),
      },
    })
    const anthropic = await send(narrowed.url, '/v1/messages', {
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(anthropic.status).toBe(403)
    expect(JSON.parse(anthropic.body)).toMatchObject({ type: 'error', error: { type: 'permission_error' } })
    // The page's files too: a rebound page gets nothing from this server.
    expect((await send(narrowed.url, '/', { headers: { host } })).status).toBe(403)
  })

  it('with --api-key, or with --cors *, any Host is served (the key, or nothing, is the guard)', async () => {
    const keyedAnswer = await send(keyed.url, '/stream?text=hi&delay=0&ttft=0', {
      headers: { host: `rebound.example:${port(keyed)}`, authorization: 'Bearer sk-test' },
    })
    expect(keyedAnswer.status).toBe(200)
    expect((await send(open.url, '/stream?text=hi&delay=0&ttft=0', { headers: { host: 'rebound.example' } })).status).toBe(200)
  })
})
