/**
 * GET /stream's knobs as `x-tokensim-*` request headers, as on the vendor routes: each one the same as its query
 * parameter, the query winning when both are given, a bad value a 400 naming the header, and resuming and the
 * frame cache keyed by what the headers asked for. In process, then through a real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { createApp } from '../../src/app/app.js'
import { readSse } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const app = createApp()
const get = (query: string, headers: Record<string, string> = {}) => app.request(`/stream?${query}`, { headers })
const markdown = BUILTIN_REPLIES.find((r) => r.name === 'markdown')!.text
const greeting = BUILTIN_REPLIES.find((r) => r.name === 'greeting')!.text
const code = BUILTIN_REPLIES.find((r) => r.name === 'code')!.text

interface ErrorBody {
  readonly error: { readonly message: string; readonly param: string; readonly code: string }
}

describe('GET /stream knob headers', () => {
  // Each header against its query parameter: the same bytes, with the rest of the stream set by the query.
  const cases: Array<[string, string, string]> = [
    ['x-tokensim-reply', 'markdown', 'unit=word&delay=0&ttft=0'],
    ['x-tokensim-unit', 'word', 'reply=markdown&delay=0&ttft=0'],
    ['x-tokensim-delay', '7', 'text=abcd&ttft=0'],
    ['x-tokensim-tps', '50', 'text=abcd&ttft=0'],
    ['x-tokensim-ttft', '120', 'text=abcd&delay=0'],
    ['x-tokensim-jitter', '0.5', 'text=abcdef&delay=10&ttft=10'],
    ['x-tokensim-seed', '9', 'text=abcdef&delay=10&ttft=10&jitter=1'],
    ['x-tokensim-chunk', '3', 'text=abcdefg&delay=0&ttft=0'],
    ['x-tokensim-profile', 'fast', 'text=a%20b%20c%20d&unit=word&seed=7'],
  ]
  it.each(cases)('%s: %s is the same stream as its query parameter', async (header, value, rest) => {
    const param = header.slice('x-tokensim-'.length)
    const viaQuery = await (await get(`${rest}&${param}=${value}`)).text()
    const viaHeader = await get(rest, { [header]: value })
    expect(viaHeader.status).toBe(200)
    expect(await viaHeader.text()).toBe(viaQuery)
  })

  it('the profile header draws the same offsets as profile=fast', async () => {
    const read = await readSse(await get('text=a%20b%20c%20d&unit=word&seed=7', { 'x-tokensim-profile': 'fast' }))
    expect(read.tokens.map((t) => t.t)).toEqual([95.206, 114.109, 119.463, 124.976])
  })

  it('a query parameter wins over its header, and over the header of its other spelling', async () => {
    const delay = await readSse(await get('text=abc&ttft=0&delay=10', { 'x-tokensim-delay': '50' }))
    expect(delay.tokens.map((t) => t.t)).toEqual([0, 10, 20])
    const tps = await readSse(await get('text=abc&ttft=0&tps=100', { 'x-tokensim-delay': '50' }))
    expect(tps.tokens.map((t) => t.t)).toEqual([0, 10, 20])
    const text = await readSse(await get('text=abc&delay=0&ttft=0', { 'x-tokensim-reply': 'markdown' }))
    expect(text.text).toBe('abc')
    const reply = await readSse(await get('reply=greeting&unit=word&delay=0&ttft=0', { 'x-tokensim-reply': 'markdown' }))
    expect(reply.text).toBe(greeting)
  })

  const bad: Array<[Record<string, string>, string, string, RegExp]> = [
    [{ 'x-tokensim-delay': '-1' }, 'text=abc', 'x-tokensim-delay', /^x-tokensim-delay: delay must be a number of ms/],
    [{ 'x-tokensim-unit': 'byte' }, 'text=abc', 'x-tokensim-unit', /^x-tokensim-unit: unit must be one of/],
    [{ 'x-tokensim-chunk': '0' }, 'text=abc', 'x-tokensim-chunk', /^x-tokensim-chunk: chunk must be/],
    [{ 'x-tokensim-seed': 'x' }, 'text=abc', 'x-tokensim-seed', /^x-tokensim-seed: seed must be/],
    [{ 'x-tokensim-profile': 'warp' }, 'text=abc', 'x-tokensim-profile', /^x-tokensim-profile: profile must name a latency profile/],
    [{ 'x-tokensim-reply': 'nope' }, '', 'x-tokensim-reply', /^x-tokensim-reply: There is no reply named "nope"/],
    // No user message on /stream to echo: echo is a reply name like any other, and there is none of that name.
    [{ 'x-tokensim-reply': 'echo' }, '', 'x-tokensim-reply', /^x-tokensim-reply: There is no reply named "echo"/],
    [{ 'x-tokensim-delay': '5', 'x-tokensim-tps': '5' }, 'text=abc', 'x-tokensim-tps', /^x-tokensim-tps: give either delay/],
    // A bad query parameter is still blamed on the query, whatever headers come with it.
    [{ 'x-tokensim-delay': '5' }, 'text=abc&unit=byte', 'unit', /^unit must be one of/],
  ]
  it.each(bad)('%j on ?%s is a 400 naming %s', async (headers, query, param, message) => {
    const response = await get(query, headers)
    expect(response.status).toBe(400)
    const body = (await response.json()) as ErrorBody
    expect(body.error.param).toBe(param)
    expect(body.error.message).toMatch(message)
  })

  it('resumes after Last-Event-ID with the knobs from headers, as with the same knobs in the query', async () => {
    const knobs = { 'x-tokensim-reply': 'code', 'x-tokensim-unit': 'word', 'x-tokensim-delay': '1', 'x-tokensim-ttft': '40' }
    const whole = await readSse(await get('', knobs))
    expect(whole.text).toBe(code)
    const resumed = await readSse(await get('', { ...knobs, 'last-event-id': '10' }))
    const viaQuery = await readSse(await get('reply=code&unit=word&delay=1&ttft=40', { 'last-event-id': '10' }))
    expect(resumed.events).toEqual(viaQuery.events)
    expect(
      whole.tokens
        .slice(0, 11)
        .map((t) => t.text)
        .join('') + resumed.text,
    ).toBe(code)
    expect(resumed.done).toMatchObject({ resumed_after: 10, tokens: whole.tokens.length })
    const after = await get('', { ...knobs, 'last-event-id': String(whole.tokens.length) })
    expect(after.status).toBe(204)
  })

  it('a stream cached for one set of headers is not served for another (the cache keys what the headers asked)', async () => {
    const fresh = createApp()
    const first = await readSse(await fresh.request('/stream?ttft=0&delay=0', { headers: { 'x-tokensim-reply': 'markdown' } }))
    const second = await readSse(await fresh.request('/stream?ttft=0&delay=0', { headers: { 'x-tokensim-reply': 'greeting' } }))
    const plain = await readSse(await fresh.request('/stream?ttft=0&delay=0'))
    expect(first.text).toBe(markdown)
    expect(second.text).toBe(greeting)
    expect(plain.text).toBe(second.text)
    const slow = await readSse(await fresh.request('/stream?text=abc&ttft=0', { headers: { 'x-tokensim-delay': '40' } }))
    const quick = await readSse(await fresh.request('/stream?text=abc&ttft=0', { headers: { 'x-tokensim-delay': '4' } }))
    expect([slow.tokens.map((t) => t.t), quick.tokens.map((t) => t.t)]).toEqual([
      [0, 40, 80],
      [0, 4, 8],
    ])
  })
})

describe('GET /stream knob headers through a real socket', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  it('streams what the headers ask for, paced as they say', async () => {
    const headers = { 'x-tokensim-reply': 'markdown', 'x-tokensim-unit': 'token', 'x-tokensim-profile': 'instant' }
    const read = await readSse(await fetch(`${server.url}/stream`, { headers }))
    expect(read.text).toBe(markdown)
    expect(new Set(read.tokens.map((t) => t.t))).toEqual(new Set([0]))
    const started = performance.now()
    const paced = await readSse(
      await fetch(`${server.url}/stream?text=abcdef`, { headers: { 'x-tokensim-delay': '40', 'x-tokensim-ttft': '0' } }),
    )
    expect(paced.tokens.map((t) => t.t)).toEqual([0, 40, 80, 120, 160, 200])
    expect(performance.now() - started).toBeGreaterThanOrEqual(190) // setTimeout never fires early
  })

  it('answers a bad header with a JSON 400 naming it, and resumes from headers', async () => {
    const response = await fetch(`${server.url}/stream?text=abc`, { headers: { 'x-tokensim-profile': 'warp' } })
    expect(response.status).toBe(400)
    expect(((await response.json()) as ErrorBody).error).toMatchObject({ param: 'x-tokensim-profile', code: 'invalid_param' })
    const resumed = await readSse(
      await fetch(`${server.url}/stream?text=abcdef&ttft=0`, { headers: { 'x-tokensim-delay': '0', 'last-event-id': '3' } }),
    )
    expect(resumed.text).toBe('ef')
  })
})
