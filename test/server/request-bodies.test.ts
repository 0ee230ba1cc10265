/**
 * Request bodies as real clients send them, through a real socket: chunked (Node's `req.write()`, as fetch with a
 * stream body, Go and Python send them), empty, and missing, on every route that takes a body; and after
 * `Expect: 100-continue` (curl sends it before a body over 1 MiB, .NET's HttpClient and Java's on request), with
 * and without `content-length`.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ maxBodyBytes: 64 * 1024 })
})
afterAll(() => server.close())

/**
 * A request whose body goes out in `chunks` writes with no content-length (chunked), or with none at all. With
 * `expect`, it says `Expect: 100-continue` and sends its body only once the server's 100 Continue has come
 * (`length`: with a content-length).
 */
function send(
  method: string,
  path: string,
  chunks: readonly string[] | null,
  { expect: expectContinue = false, length = false } = {},
): Promise<{ status: number; body: string; continued: boolean }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
    if (expectContinue) headers.expect = '100-continue'
    if (length && chunks !== null) headers['content-length'] = String(Buffer.byteLength(chunks.join('')))
    const req = request(`${server.url}${path}`, { method, headers })
    let continued = false
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }))
    })
    req.on('error', reject)
    const write = (): void => {
      if (chunks === null) return void req.end()
      for (const chunk of chunks) req.write(chunk)
      req.end()
    }
    if (!expectContinue) return write()
    // The head alone, then the body once the server says to go on.
    req.flushHeaders()
    req.on('continue', () => {
      continued = true
      write()
    })
  })
}

/** The body cut into pieces of about `size` characters. */
const pieces = (body: unknown, size = 7): string[] => {
  const text = JSON.stringify(body)
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

const routes: [string, string, unknown, RegExp][] = [
  ['openai chat', '/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, /"chat\.completion"/],
  ['openai responses', '/v1/responses', { model: 'gpt-4o', input: 'hi' }, /"object":"response"/],
  ['anthropic', '/v1/messages', { model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, /"type":"message"/],
  [
    'anthropic count_tokens',
    '/v1/messages/count_tokens',
    { model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] },
    /"input_tokens":1/,
  ],
  ['gemini', '/v1beta/models/gemini-2.5-flash:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] }, /"candidates"/],
  ['ai sdk', '/api/chat', { messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }, /data: \[DONE\]/],
  ['scenarios', '/scenarios', [{ text: 'x' }], /"scenarios":\[\{"name":"#1","text":"x"\}\]/],
]

describe('request bodies through a real socket', () => {
  it.each(routes)('%s: a chunked body is read whole', async (_name, path, body, answer) => {
    const response = await send(path === '/scenarios' ? 'PUT' : 'POST', path, pieces(body))
    expect(response.status, response.body).toBe(200)
    expect(response.body).toMatch(answer)
  })

  it.each(routes)('%s: a chunked body over --max-body is a 413', async (_name, path) => {
    const response = await send('POST', path, Array(20).fill('x'.repeat(4096)))
    expect(response.status).toBe(413)
  })

  it.each([...routes.map(([, path]) => path), '/nowhere', '/stream'])(
    'POST %s with no body or an empty one is a 4xx, not a 500',
    async (path) => {
      for (const chunks of [null, []]) {
        const response = await send('POST', path, chunks)
        expect(response.status, `${path}: ${response.body}`).toBeGreaterThanOrEqual(400)
        expect(response.status, `${path}: ${response.body}`).toBeLessThan(500)
      }
    },
  )

  it.each(routes)(
    '%s: after Expect: 100-continue, a body with or without content-length is read whole',
    async (_name, path, body, answer) => {
      for (const length of [true, false]) {
        const response = await send(path === '/scenarios' ? 'PUT' : 'POST', path, pieces(body), { expect: true, length })
        expect(response.continued, `content-length: ${length}`).toBe(true)
        expect(response.status, response.body).toBe(200)
        expect(response.body).toMatch(answer)
      }
    },
  )

  it.each(routes)('%s: after Expect: 100-continue, a body over --max-body is a 413', async (_name, path) => {
    for (const length of [true, false]) {
      const response = await send('POST', path, Array(20).fill('x'.repeat(4096)), { expect: true, length })
      expect(response.status, `content-length: ${length}`).toBe(413)
    }
  })

  it('DELETE /scenarios needs no body', async () => {
    expect((await send('DELETE', '/scenarios', null)).status).toBe(200)
    expect((await send('DELETE', '/scenarios', [])).status).toBe(200)
  })
})
