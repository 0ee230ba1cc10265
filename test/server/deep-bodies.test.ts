/**
 * Bodies nested deeper than MAX_JSON_DEPTH, through a real socket: refused before they are parsed, with a 400
 * in the route's shape that names the limit, at once even when 4 MB deep; never a 500 or a stack overflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH } from '../../src/core/json-depth.js'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

/** JSON text nested `depth` levels deep (arrays in objects), as text: JSON.stringify itself overflows on it. */
const nested = (depth: number): string => '{"a":['.repeat(depth >> 1) + (depth % 2 === 1 ? '[1]' : '1') + ']}'.repeat(depth >> 1)
const HOLE = '@deep@'
/** The body `body` makes with the nested text where the route's body holds it. */
const bodyWith = (body: (deep: unknown) => unknown, depth: number): string => JSON.stringify(body(HOLE)).replace(`"${HOLE}"`, nested(depth))

const user = [{ role: 'user', content: 'hi' }]
/** Each route with a body that holds `deep` where a client may put any JSON, and where the route's error is. */
const routes: [string, string, (deep: unknown) => unknown, (body: any) => string | undefined][] = [
  ['openai chat', '/v1/chat/completions', (deep) => ({ model: 'gpt-4o', messages: user, metadata: { x: deep } }), (b) => b.error?.message],
  [
    'openai responses (tools)',
    '/v1/responses',
    (deep) => ({ model: 'gpt-4o', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: deep }] }),
    (b) => b.error?.message,
  ],
  ['openai responses (metadata)', '/v1/responses', (deep) => ({ model: 'gpt-4o', input: 'hi', metadata: deep }), (b) => b.error?.message],
  [
    'anthropic',
    '/v1/messages',
    (deep) => ({ model: 'claude-x', max_tokens: 64, messages: user, tools: [{ name: 'f', input_schema: deep }] }),
    (b) => (b.type === 'error' ? b.error?.message : undefined),
  ],
  [
    'anthropic count_tokens',
    '/v1/messages/count_tokens',
    (deep) => ({ model: 'claude-x', messages: user, x: deep }),
    (b) => b.error?.message,
  ],
  [
    'gemini',
    '/v1beta/models/gemini-2.5-flash:generateContent',
    (deep) => ({ contents: [{ parts: [{ text: 'hi' }] }], generationConfig: { responseSchema: deep } }),
    (b) => (b.error?.status === 'INVALID_ARGUMENT' ? b.error.message : undefined),
  ],
  [
    'ai sdk',
    '/api/chat',
    (deep) => ({ messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'hi' }] }], x: deep }),
    (b) => b.error?.message,
  ],
  ['scenarios', '/scenarios', (deep) => [{ text: 'x', when: { user: deep } }], (b) => b.error?.message],
]

async function post(path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' },
    body,
  })
  return { status: response.status, text: await response.text() }
}

const LIMIT = new RegExp(`more than ${MAX_JSON_DEPTH} levels deep`)

describe(`JSON nested more than ${MAX_JSON_DEPTH} levels`, () => {
  it.each(routes)('%s: 5,000 levels are a 400 in the route shape naming the limit', async (_name, path, body, message) => {
    const response = await post(path, bodyWith(body, 5000))
    expect(response.status, response.text).toBe(400)
    expect(message(JSON.parse(response.text))).toMatch(LIMIT)
  })

  it.each(routes)('%s: 100 levels are read as any body (no 5xx)', async (_name, path, body) => {
    const response = await post(path, bodyWith(body, 100))
    expect(response.status, response.text).toBeLessThan(500)
    expect(response.text).not.toMatch(LIMIT)
  })

  it('a 4 MB body two million levels deep is refused in milliseconds', async () => {
    const deep = `{"model":"gpt-4o","input":"hi","metadata":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}`
    const started = performance.now()
    const response = await post('/v1/responses', deep)
    expect(response.status).toBe(400)
    expect(response.text).toMatch(LIMIT)
    expect(performance.now() - started).toBeLessThan(1000) // generous: about 20 ms here, 2 s before the limit
  })

  it('YAML on /scenarios: deep flow collections and deep indentation are a 400 naming the limit, and the server lives on', async () => {
    for (const yaml of [`- text: x\n  when: { user: ${'['.repeat(3000)}${']'.repeat(3000)} }`, '- '.repeat(3000) + 'x']) {
      // Twice: a second deep parse in one process was where V8 gave up (a fatal error, not an exception).
      for (let i = 0; i < 2; i++) {
        const response = await post('/scenarios', yaml, 'application/yaml')
        expect(response.status, response.text).toBe(400)
        expect(response.text).toMatch(LIMIT)
      }
    }
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(200)
  })
})
