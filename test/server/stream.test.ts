/** GET /stream in process, through app.request(): headers, validation, resumption and the exact bytes. */
import { describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { UNIT_KINDS } from '../../src/core/types.js'
import { createApp } from '../../src/app/app.js'
import { readSse } from '../helpers/sse.js'

const app = createApp()
const get = (query: string, headers: Record<string, string> = {}) => app.request(`/stream?${query}`, { headers })
const q = (params: Record<string, string>) => new URLSearchParams(params).toString()

describe('GET /stream', () => {
  it('answers with an uncompressed, uncached event stream', async () => {
    const response = await get('text=hi&delay=0&ttft=0', { 'accept-encoding': 'gzip, br' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toMatch(/no-cache/)
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    expect(response.headers.get('content-encoding')).toBeNull()
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    await response.body?.cancel()
  })

  it('sends retry first, one token event per unit, then done, byte for byte', async () => {
    const response = await get('text=Hi%20there!&unit=word&delay=0&ttft=0')
    expect(await response.text()).toBe(
      'retry: 1000\n\n' +
        'id: 0\nevent: token\ndata: {"text":"Hi ","index":0,"units":1,"t":0}\n\n' +
        'id: 1\nevent: token\ndata: {"text":"there!","index":1,"units":1,"t":0}\n\n' +
        'id: 2\nevent: done\ndata: {"tokens":2,"sent":2,"events":2,"chars":9,"unit":"word","duration_ms":0,"resumed_after":-1,"headers_ms":0,"first_byte_ms":0,"first_text_ms":0}\n\n',
    )
  })

  for (const reply of BUILTIN_REPLIES) {
    it.each(UNIT_KINDS)(`streams the "${reply.name}" reply exactly, by %s`, async (unit) => {
      const read = await readSse(await get(q({ reply: reply.name, unit, delay: '0', ttft: '0' })))
      expect(read.text).toBe(reply.text)
      expect(read.tokens.map((t) => t.index)).toEqual(read.tokens.map((_, i) => i))
      expect(read.events.at(-1)?.event).toBe('done')
      expect(read.done).toMatchObject({ tokens: split(reply.text, unit).length, unit, resumed_after: -1 })
    })
  }

  it('streams the default reply when neither text nor reply is given', async () => {
    const read = await readSse(await get('delay=0&ttft=0'))
    expect(read.text).toBe(BUILTIN_REPLIES.find((r) => r.name === 'greeting')!.text)
  })

  it('puts `chunk` units in each event and ids its last unit', async () => {
    const read = await readSse(await get('text=abcdefg&chunk=3&delay=0&ttft=0'))
    expect(read.tokens.map((t) => t.text)).toEqual(['abc', 'def', 'g'])
    expect(read.events.map((e) => e.id)).toEqual(['2', '5', '6', '7'])
  })

  it('with tps, spaces units 1000/tps ms apart in the schedule', async () => {
    const read = await readSse(await get('text=abcd&tps=50&ttft=0'))
    expect(read.tokens.map((t) => t.t)).toEqual([0, 20, 40, 60])
  })

  it('gives the same schedule for the same seed, and another for another seed', async () => {
    const offsets = async (seed: string) =>
      (await readSse(await get(q({ text: 'abcdef', delay: '1', ttft: '1', jitter: '1', seed })))).tokens.map((t) => t.t)
    expect(await offsets('5')).toEqual(await offsets('5'))
    expect(await offsets('5')).not.toEqual(await offsets('6'))
  })

  describe('with profile=NAME', () => {
    const words = 'a b c d'

    it('draws from the profile: exact offsets for a fixed seed, whatever the server defaults', async () => {
      const read = await readSse(await get(q({ text: words, unit: 'word', profile: 'fast', seed: '7' })))
      expect(read.tokens.map((t) => t.t)).toEqual([95.206, 114.109, 119.463, 124.976])
      const again = await readSse(await get(q({ text: words, unit: 'word', profile: 'fast', seed: '7' })))
      expect(again.tokens.map((t) => t.t)).toEqual(read.tokens.map((t) => t.t))
      const slowServer = createApp({ defaults: { delay: 5000, ttft: 5000, jitter: 1 } })
      const instant = await readSse(await slowServer.request(`/stream?${q({ text: words, unit: 'word', profile: 'instant' })}`))
      expect(instant.tokens.map((t) => t.t)).toEqual([0, 0, 0, 0])
    })

    it('ttft and delay set the medians, keeping the spread and the stalls and bursts', async () => {
      // The same draws as without the knobs, scaled: flaky's ttft median is 700, its gap median 30.
      const base = await readSse(await get(q({ text: words, unit: 'word', profile: 'flaky', seed: '7' })))
      const scaled = await readSse(await get(q({ text: words, unit: 'word', profile: 'flaky', seed: '7', ttft: '70', delay: '3' })))
      expect(scaled.tokens.map((t) => t.t)).toEqual([28.142, 29.623, 29.623, 35.08])
      const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!)
      expect(scaled.tokens[0]!.t).toBeCloseTo(base.tokens[0]!.t / 10, 2)
      gaps(scaled.tokens.map((t) => t.t)).forEach((gap, i) => expect(gap).toBeCloseTo(gaps(base.tokens.map((t) => t.t))[i]! / 10, 2))
    })

    it('jitter asks for the uniform model at the profile medians', async () => {
      const read = await readSse(await get(q({ text: 'a b c', unit: 'word', profile: 'fast', jitter: '0' })))
      expect(read.tokens.map((t) => t.t)).toEqual([150, 158, 166])
      const knobs = await readSse(await get(q({ text: 'a b c', unit: 'word', profile: 'slow', jitter: '0', ttft: '10', tps: '200' })))
      expect(knobs.tokens.map((t) => t.t)).toEqual([10, 15, 20])
    })

    it('refuses an unknown profile with a 400 naming the parameter and listing the profiles', async () => {
      const response = await get('text=abc&profile=warp')
      expect(response.status).toBe(400)
      const body = (await response.json()) as { error: { message: string; param: string } }
      expect(body.error.param).toBe('profile')
      expect(body.error.message).toMatch(/"warp"/)
      expect(body.error.message).toContain('instant, fast, typical, slow, reasoning, flaky')
    })

    it("knows the app's own profiles", async () => {
      const custom = createApp({
        profiles: [{ name: 'steady', description: 'd', ttft: { median: 5, p99: 5 }, gap: { median: 2, p99: 2 } }],
      })
      const read = await readSse(await custom.request(`/stream?${q({ text: 'a b c', unit: 'word', profile: 'steady' })}`))
      expect(read.tokens.map((t) => t.t)).toEqual([5, 7, 9])
    })
  })

  describe('resumes after Last-Event-ID', () => {
    const text = 'The quick brown fox jumps over the lazy dog.'

    it('continues right after unit k, from the header or the lastEventId parameter', async () => {
      const whole = await readSse(await get(q({ text, unit: 'word', delay: '0', ttft: '0' })))
      for (let k = 0; k < whole.tokens.length - 1; k++) {
        const viaHeader = await readSse(await get(q({ text, unit: 'word', delay: '0', ttft: '0' }), { 'last-event-id': String(k) }))
        const viaQuery = await readSse(await get(q({ text, unit: 'word', delay: '0', ttft: '0', lastEventId: String(k) })))
        const expected = whole.tokens
          .slice(k + 1)
          .map((t) => t.text)
          .join('')
        expect(viaHeader.text).toBe(expected)
        expect(viaQuery.text).toBe(expected)
        expect(whole.text.slice(0, whole.text.length - expected.length) + viaHeader.text).toBe(text)
        expect(viaHeader.done).toMatchObject({ resumed_after: k, sent: whole.tokens.length - k - 1 })
      }
    })

    it('keeps the original spacing, shifted to the resume point', async () => {
      const whole = await readSse(await get(q({ text, delay: '10', ttft: '100', jitter: '0.5' })))
      const resumed = await readSse(await get(q({ text, delay: '10', ttft: '100', jitter: '0.5' }), { 'last-event-id': '9' }))
      const base = whole.tokens[9]!.t
      const expected = whole.tokens.slice(10).map((t) => t.t - base)
      expect(resumed.tokens).toHaveLength(expected.length)
      resumed.tokens.forEach((t, i) => expect(t.t).toBeCloseTo(expected[i]!, 2))
    })

    it('sends only done after the last unit, and 204 after done', async () => {
      const last = await readSse(await get('text=abc&delay=0&ttft=0', { 'last-event-id': '2' }))
      expect(last.tokens).toEqual([])
      expect(last.events.map((e) => [e.event, e.id])).toEqual([['done', '3']])
      const after = await get('text=abc', { 'last-event-id': '3' })
      expect(after.status).toBe(204)
      expect(await after.text()).toBe('')
    })
  })

  describe('rejects bad input with a 400 naming the parameter, before any stream starts', () => {
    const cases: Array<[string, string, Record<string, string>?]> = [
      ['delay=-5', 'delay'],
      ['delay=abc', 'delay'],
      ['delay=', 'delay'],
      ['delay=1e3', 'delay'],
      ['delay=60001', 'delay'],
      ['ttft=61000', 'ttft'],
      ['ttft=NaN', 'ttft'],
      ['jitter=1.5', 'jitter'],
      ['tps=0', 'tps'],
      ['tps=abc', 'tps'],
      ['seed=-1', 'seed'],
      ['seed=1.5', 'seed'],
      ['seed=4294967296', 'seed'],
      ['chunk=0', 'chunk'],
      ['chunk=10001', 'chunk'],
      ['unit=byte', 'unit'],
      ['unit=', 'unit'],
      ['reply=nope', 'reply'],
      ['profile=warp', 'profile'],
      ['profile=', 'profile'],
      ['reply=', 'reply'],
      ['text=a&reply=greeting', 'text'],
      ['delay=5&tps=5', 'tps'],
      ['lastEventId=x', 'lastEventId'],
      ['lastEventId=-1', 'lastEventId'],
      ['text=abc&lastEventId=4', 'lastEventId'],
      ['text=abc', 'Last-Event-ID', { 'last-event-id': 'abc' }],
      ['text=abc', 'Last-Event-ID', { 'last-event-id': '99' }],
    ]
    it.each(cases)('%s -> 400 on %s', async (query, param, headers = {}) => {
      const response = await get(query, headers)
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const body = (await response.json()) as { error: { message: string; type: string; param: string } }
      expect(body.error.type).toBe('invalid_request_error')
      expect(body.error.param).toBe(param)
      expect(body.error.message).toMatch(
        new RegExp(param === 'Last-Event-ID' || param === 'lastEventId' ? 'lastEventId|Last-Event-ID' : param),
      )
    })

    it('text over 1 MiB -> 400 on text; exactly 1 MiB streams', async () => {
      const limit = 1024 * 1024
      const over = await app.request('/stream?' + q({ text: 'a'.repeat(limit + 1) }))
      expect(over.status).toBe(400)
      expect(((await over.json()) as { error: { param: string } }).error.param).toBe('text')
      // Multi-byte text counts in UTF-8 bytes: 2 bytes a character.
      const wide = await app.request('/stream?' + q({ text: 'é'.repeat(limit / 2 + 1) }))
      expect(wide.status).toBe(400)
      const ok = await app.request('/stream?' + q({ text: 'a'.repeat(limit), unit: 'word', delay: '0', ttft: '0' }))
      expect(ok.status).toBe(200)
      expect((await readSse(ok)).done?.tokens).toBe(1)
    })
  })

  it('answers an unknown path with a JSON 404', async () => {
    const response = await app.request('/nope')
    expect(response.status).toBe(404)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })
})

describe('GET /replies', () => {
  it('lists every reply with its length in chars, words and tokens', async () => {
    const response = await app.request('/replies')
    const body = (await response.json()) as { replies: Array<{ name: string; chars: number; tokens: number; words: number }> }
    expect(body.replies.map((r) => r.name)).toEqual(BUILTIN_REPLIES.map((r) => r.name))
    for (const reply of BUILTIN_REPLIES) {
      expect(body.replies.find((r) => r.name === reply.name)).toMatchObject({
        chars: reply.text.length,
        tokens: split(reply.text, 'token').length,
        words: split(reply.text, 'word').length,
      })
    }
    expect(body.replies.find((r) => r.name === 'long')!.tokens).toBeGreaterThan(3000)
  })
})
