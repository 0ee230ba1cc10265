/**
 * Fuzzing every route in process (app.request): random JSON bodies, bodies close to valid with fields of any
 * type, random query strings and knob headers; and through a real socket, the same bodies sent chunked (cut at
 * random places, no content-length) and nested deep. Whatever comes in, the answer is a 4xx with a JSON body in the
 * route's error shape, or a 200 stream; never a 5xx, a crash or a hang, and a good request works afterwards.
 */
import fc from 'fast-check'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app/app.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const app = createApp()

const VENDOR = [
  '/v1/chat/completions',
  '/v1/responses',
  '/v1/messages',
  '/v1beta/models/m:generateContent',
  '/v1beta/models/m:streamGenerateContent?alt=sse',
  '/api/chat',
]

/** A value of any JSON type, or missing. */
const any = fc.option(fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.constant(null)), { nil: undefined })
const message = fc.record(
  { role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'model', 'tool'), fc.string()), content: any, parts: any },
  { requiredKeys: [] },
)
/** Bodies shaped like the real ones, with every field possibly missing or of another type. */
const nearlyValid = fc.record(
  {
    model: any,
    messages: fc.oneof(fc.array(message, { maxLength: 3 }), any),
    contents: fc.oneof(fc.array(message, { maxLength: 3 }), any),
    input: any,
    stream: fc.oneof(fc.boolean(), any),
    max_tokens: any,
    max_completion_tokens: any,
    max_output_tokens: any,
    stream_options: any,
    generationConfig: any,
    thinking: any,
    system: any,
    id: any,
  },
  { requiredKeys: [] },
)
/** Any text a user could send, lone surrogates and control characters included. */
const text = fc.string({ unit: 'binary', maxLength: 40 })
/** A valid body for each route, with a fuzzed message and stream flag. */
const VALID: Record<string, fc.Arbitrary<object>> = {
  '/v1/chat/completions': fc.record({
    model: fc.string(),
    messages: text.map((t) => [{ role: 'user', content: t }]),
    stream: fc.boolean(),
  }),
  '/v1/responses': fc.record({ model: fc.string(), input: text, stream: fc.boolean() }),
  '/v1/messages': fc.record({
    model: fc.string(),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    messages: text.map((t) => [{ role: 'user', content: t }]),
    stream: fc.boolean(),
  }),
  '/v1beta/models/m:generateContent': text.map((t) => ({ contents: [{ role: 'user', parts: [{ text: t }] }] })),
  '/v1beta/models/m:streamGenerateContent?alt=sse': text.map((t) => ({ contents: [{ role: 'user', parts: [{ text: t }] }] })),
  '/api/chat': fc.record({ id: fc.string(), messages: text.map((t) => [{ id: 'u', role: 'user', parts: [{ type: 'text', text: t }] }]) }),
}
const bodyFor = (path: string) =>
  fc.oneof(
    VALID[path]!.map((b) => JSON.stringify(b)),
    nearlyValid.map((b) => JSON.stringify(b)),
    fc.json(),
    fc.string({ maxLength: 50 }),
  )

const KNOBS = [
  'x-tokensim-reply',
  'x-tokensim-unit',
  'x-tokensim-delay',
  'x-tokensim-tps',
  'x-tokensim-ttft',
  'x-tokensim-jitter',
  'x-tokensim-seed',
  'x-tokensim-chunk',
  'x-tokensim-profile',
  'x-tokensim-fault',
]
/** Header values as HTTP allows them (visible ASCII); never a long wait (no stall, no slow headers). */
const headerValue = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 12 })
  .filter((v) => !/slow|stall/.test(v) && v.trim() === v)
/** Valid faults too (no waits): a cut or a status anywhere, so the fuzz reaches the fault paths of every format. */
const fault = fc.oneof(
  fc.tuple(fc.constantFrom('error-after', 'drop-after', 'truncate-after'), fc.nat({ max: 60 })).map(([kind, n]) => `${kind}:${n}`),
  fc.integer({ min: 400, max: 599 }).map((status) => `status:${status}`),
)
const headers = fc
  .tuple(fc.dictionary(fc.constantFrom(...KNOBS), headerValue, { maxKeys: 3 }), fc.option(fault, { nil: undefined }))
  .map(([knobs, spec]) => (spec === undefined ? knobs : { ...knobs, 'x-tokensim-fault': spec }))

/**
 * Sends one request and checks the answer. A 200 is read to its end when `read` (its latency is then known to
 * be short), else cancelled, which must stop it cleanly. Returns the status, so a property can show it met both.
 */
async function check(path: string, init: RequestInit & { body?: string }, read = false): Promise<number> {
  const response = await app.request(path, init)
  // A 5xx only where the request asked for one: an injected status, or an injected error on a whole answer.
  const fault = new Headers(init.headers).get('x-tokensim-fault') ?? ''
  const injected = new Set([Number(/^status:(\d+)$/.exec(fault)?.[1]), ...(/^(error|drop)-after/.test(fault) ? [500] : [])])
  if (injected.has(response.status)) {
    expect(((await response.json()) as Record<string, unknown>)['error']).toBeTruthy()
    return response.status
  }
  expect(response.status, `${init.method ?? 'GET'} ${path} ${String(init.body).slice(0, 200)}`).toBeLessThan(500)
  if (response.status >= 400) {
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const error = (await response.json()) as Record<string, unknown>
    expect(typeof error['error'] === 'object' && error['error'] !== null).toBe(true)
    return response.status
  }
  if (read) await response.text()
  else await response.body?.cancel()
  return response.status
}

describe('fuzz', () => {
  it.each(VENDOR)('POST %s: any body, any knob', async (path) => {
    const seen = new Set<number>()
    await fc.assert(
      fc.asyncProperty(bodyFor(path), headers, async (raw, knobs) => {
        seen.add(await check(path, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...knobs } }))
      }),
      { seed: 11, numRuns: 150 },
    )
    // The fuzz reached both the validation and the streams behind it.
    expect(seen.has(200) && [...seen].some((status) => status >= 400)).toBe(true)
    // Still serving: a good request gets its answer.
    const good = await app.request('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(good.status).toBe(200)
  })

  it('GET /stream: any query, any Last-Event-ID', async () => {
    const params = fc.dictionary(
      fc.constantFrom('text', 'reply', 'unit', 'delay', 'tps', 'ttft', 'jitter', 'seed', 'chunk', 'lastEventId', 'profile', 'fault', 'x'),
      headerValue,
      { maxKeys: 4 },
    )
    const seen = new Set<number>()
    await fc.assert(
      fc.asyncProperty(params, fc.option(headerValue, { nil: undefined }), async (query, lastEventId) => {
        // The stream is read to its end: keep it short whatever the fuzzed latency.
        const search = new URLSearchParams({
          ...query,
          ...(query['delay'] === undefined && query['tps'] === undefined ? { delay: '0' } : {}),
          ttft: '0',
        })
        const slow = Number(search.get('delay')) > 5 || search.has('tps') || search.has('profile')
        if (slow) {
          search.set('delay', '0')
          search.delete('tps')
          search.delete('profile')
        }
        seen.add(await check(`/stream?${search}`, { headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } }, true))
      }),
      { seed: 12, numRuns: 300 },
    )
    expect(seen.has(200) && [...seen].some((status) => status >= 400)).toBe(true)
  })
})

/**
 * Through a real socket, as node:http, fetch with a stream body, Go and Python send them: bodies in chunks cut at
 * random places with no content-length, some nested far deeper than any API takes (past the documented limit
 * of 128 levels, and within it).
 */
describe('fuzz through a socket', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  /** JSON nested `depth` levels deep, of arrays or of objects, put in a field the routes read or ignore. */
  const deep = fc
    .tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean(), fc.constantFrom('messages', 'metadata', 'tools', 'contents', 'input', 'extra'))
    .map(([depth, arrays, field]) => {
      const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}']
      return `{"model":"m","${field}":${open.repeat(depth)}1${close.repeat(depth)}}`
    })

  /** POSTs `body` in the given pieces (chunked), and resolves with the status and the body once it has ended. */
  function post(path: string, pieces: string[], headers: Record<string, string>): Promise<{ status: number; type: string; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } })
      req.on('response', (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }))
        res.on('error', reject)
      })
      req.on('error', reject)
      for (const piece of pieces) req.write(piece)
      req.end()
    })
  }

  /** The body cut at `cuts` (fractions of its length) into pieces, each sent as a chunk of its own. */
  const inPieces = (body: string, cuts: number[]): string[] => {
    const at = [...new Set(cuts.map((cut) => Math.floor(cut * body.length)))].sort((a, b) => a - b)
    return [0, ...at].map((from, i) => body.slice(from, at[i] ?? body.length)).filter((piece) => piece !== '')
  }

  it.each(VENDOR)('POST %s: chunked and deep bodies', { timeout: 60_000 }, async (path) => {
    const seen = new Set<number>()
    const short = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(bodyFor(path), deep),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        async (body, cuts) => {
          const { status, type, text } = await post(path, inPieces(body, cuts), short)
          seen.add(status)
          expect(status, `${path} ${body.slice(0, 200)}`).toBeLessThan(500)
          if (status >= 400) {
            expect(type).toMatch(/^application\/json/)
            expect((JSON.parse(text) as Record<string, unknown>)['error']).toBeTruthy()
          }
        },
      ),
      { seed: 13, numRuns: 40 },
    )
    expect(seen.has(200) && [...seen].some((status) => status >= 400)).toBe(true)
  })
})
