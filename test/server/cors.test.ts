/**
 * What a page on another origin may read of a response: `access-control-expose-headers` names every header the
 * vendors' browser clients read (retry-after, the rate-limit headers, the request id), checked against what the
 * error renderers send and through a real socket, as a browser's fetch with an Origin header sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TokensimError } from '../../src/core/errors.js'
import { EXPOSED_HEADERS } from '../../src/app/cors.js'
import { renderAnthropicError, renderGeminiError, renderNativeError, renderOpenAIError } from '../../src/wire/errors.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const origin = 'http://localhost:5173'
const exposed = (response: Response): string[] =>
  (response.headers.get('access-control-expose-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')

/** Headers an error response may carry that a cross-origin page needs, by how they are named. */
const NEEDED = /^(retry-after|retry-after-ms|x-request-id|request-id|x-ratelimit-.*|anthropic-ratelimit-.*)$/

describe('EXPOSED_HEADERS', () => {
  it.each([
    ['OpenAI', renderOpenAIError],
    ['native', renderNativeError],
    ['Anthropic', renderAnthropicError],
    ['Gemini', renderGeminiError],
  ] as const)('holds every header the %s error shape sends with an injected 429 or 503', (_name, render) => {
    for (const status of [429, 503]) {
      const error = new TokensimError('injected_status', 'x', null, { status, retryAfter: 3 })
      const names = Object.keys(render(error).headers)
      expect(names).toContain('retry-after')
      expect(EXPOSED_HEADERS).toEqual(expect.arrayContaining(names))
    }
  })

  it('names the headers one by one, in lower case (browsers take no prefix patterns)', () => {
    for (const name of EXPOSED_HEADERS) expect(name).toMatch(/^[a-z0-9-]+$/)
    expect(new Set(EXPOSED_HEADERS).size).toBe(EXPOSED_HEADERS.length)
  })
})

describe('CORS through a real socket', () => {
  let server: RunningServer
  let narrowed: RunningServer
  beforeAll(async () => {
    server = await startServer()
    narrowed = await startServer({ corsOrigins: [origin] })
  })
  afterAll(() => Promise.all([server.close(), narrowed.close()]))

  const ask = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', 'x-tokensim-fault': 'status:429:3', ...headers },
      body: JSON.stringify(body),
    })
  const chat = { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }
  const messages = { model: 'claude-x', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }

  it("a 429 on /v1/chat/completions lets the page read retry-after, OpenAI's rate-limit headers and x-request-id", async () => {
    for (const url of [server.url, narrowed.url]) {
      const response = await ask(url, '/v1/chat/completions', chat)
      await response.arrayBuffer()
      expect(response.status).toBe(429)
      expect(response.headers.get('access-control-allow-origin')).toBe(url === server.url ? '*' : origin)
      expect(exposed(response)).toEqual(
        expect.arrayContaining([
          'retry-after',
          'retry-after-ms',
          'x-request-id',
          'x-ratelimit-limit-requests',
          'x-ratelimit-remaining-requests',
          'x-ratelimit-reset-requests',
        ]),
      )
      const sent = [...response.headers.keys()].filter((name) => NEEDED.test(name))
      expect(sent).toEqual(expect.arrayContaining(['retry-after', 'x-ratelimit-remaining-requests']))
      expect(exposed(response)).toEqual(expect.arrayContaining(sent))
    }
  })

  it("a 429 on /v1/messages lets the page read retry-after, Anthropic's rate-limit headers and request-id", async () => {
    const response = await ask(server.url, '/v1/messages', messages, { 'anthropic-version': '2023-06-01' })
    await response.arrayBuffer()
    expect(response.status).toBe(429)
    const sent = [...response.headers.keys()].filter((name) => NEEDED.test(name))
    expect(sent).toEqual(
      expect.arrayContaining(['retry-after', 'request-id', 'anthropic-ratelimit-requests-limit', 'anthropic-ratelimit-requests-remaining']),
    )
    expect(exposed(response)).toEqual(expect.arrayContaining(sent))
  })

  it('every route gets the same list: /stream and its 429, a stream on /api/chat', async () => {
    const stream = await fetch(`${server.url}/stream?text=hi`, { headers: { origin, 'x-tokensim-fault': 'status:429:3' } })
    await stream.arrayBuffer()
    expect([stream.status, exposed(stream)]).toEqual([429, [...EXPOSED_HEADERS]])
    const native = await fetch(`${server.url}/stream?text=hi&delay=0&ttft=0`, { headers: { origin } })
    await native.arrayBuffer()
    expect([native.status, exposed(native)]).toEqual([200, [...EXPOSED_HEADERS]])
    const ui = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' },
      body: JSON.stringify({ id: 'c', messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
    })
    await ui.arrayBuffer()
    expect(ui.status).toBe(200)
    expect(ui.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1')
    expect(exposed(ui)).toEqual([...EXPOSED_HEADERS])
  })
})
