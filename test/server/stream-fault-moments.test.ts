/**
 * GET /stream's `t` and done moments under timing faults: a stall moves the `t` of every event after its unit and
 * the done event's duration_ms, slow-headers moves every moment, coalesce (a buffering proxy) moves none. In
 * process for the values, then through a real socket, where each event arrives near its `t` (generous bounds).
 */
import { createParser } from 'eventsource-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app/app.js'
import type { DoneData, TokenData } from '../../src/wire/native.js'
import { chunks, readSse } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const app = createApp()
const get = (query: string, headers: Record<string, string> = {}) => app.request(`/stream?${query}`, { headers })
const ts = (read: { tokens: readonly TokenData[] }) => read.tokens.map((t) => t.t)

describe('GET /stream: `t` and the done moments count stalls and slow-headers', () => {
  it('a stall-after moves the `t` of every later event by the stall, and duration_ms with them', async () => {
    const read = await readSse(await get('text=abcdef&delay=10&ttft=0&fault=stall-after:2:200'))
    expect(ts(read)).toEqual([0, 10, 20, 230, 240, 250])
    expect(read.done).toMatchObject({ duration_ms: 250, first_text_ms: 0, headers_ms: 0, first_byte_ms: 0 })
    const header = await readSse(await get('text=abcdef&delay=10&ttft=0', { 'x-tokensim-fault': 'stall-after:2:200' }))
    expect(header.events).toEqual(read.events)
  })

  it('a stall after the last unit delays done, and duration_ms says so', async () => {
    const read = await readSse(await get('text=abc&delay=10&ttft=0&fault=stall-after:2:150'))
    expect(ts(read)).toEqual([0, 10, 20])
    expect(read.done?.duration_ms).toBe(170)
  })

  it('slow-headers moves every moment: headers, first byte, each `t`, duration', async () => {
    const read = await readSse(await get('text=abc&delay=10&ttft=5&fault=slow-headers:100,stall-after:0:50'))
    expect(ts(read)).toEqual([105, 165, 175])
    expect(read.done).toMatchObject({ headers_ms: 100, first_byte_ms: 100, first_text_ms: 105, duration_ms: 175 })
  })

  it("with a profile's own headers and first-byte moments, slow-headers adds to them, and the stream waits both", async () => {
    const profiled = createApp({
      profiles: [
        {
          name: 'moments',
          description: 'constant moments',
          headers: { median: 50, p99: 50 },
          firstByte: { median: 80, p99: 80 },
          ttft: { median: 100, p99: 100 },
          gap: { median: 20, p99: 20 },
        },
      ],
    })
    const started = performance.now()
    const response = await profiled.request('/stream?text=ab&profile=moments&fault=slow-headers:100')
    const headersAt = performance.now() - started
    const read = await readSse(response)
    expect(ts(read)).toEqual([200, 220])
    expect(read.done).toMatchObject({ headers_ms: 150, first_byte_ms: 180, first_text_ms: 200, duration_ms: 220 })
    expect(headersAt).toBeGreaterThanOrEqual(145) // setTimeout never fires early
    expect(performance.now() - started).toBeGreaterThanOrEqual(215)
  })

  it('a resumed stream counts only the stalls it has not met, from its own start', async () => {
    const resumed = await readSse(
      await get('text=abcdef&delay=10&ttft=0&fault=stall-after:1:300,stall-after:2:200', { 'last-event-id': '1' }),
    )
    expect(ts(resumed)).toEqual([10, 220, 230, 240])
    expect(resumed.done).toMatchObject({ duration_ms: 240, resumed_after: 1 })
  })

  it('with error-after, the events sent before the error carry the stall in `t`', async () => {
    const read = await readSse(await get('text=abcdef&delay=10&ttft=0&fault=stall-after:1:100,error-after:3'))
    expect(ts(read)).toEqual([0, 10, 120, 130])
    expect(read.events.at(-1)?.event).toBe('error')
  })

  it('coalesce leaves `t` as paced: it plays the network buffering that `t` lets a client see', async () => {
    const plain = await readSse(await get('text=abcdefghij&delay=10&ttft=0'))
    const coalesced = await readSse(await get('text=abcdefghij&delay=10&ttft=0&fault=coalesce:40'))
    expect(ts(coalesced)).toEqual(ts(plain))
    expect(coalesced.done?.duration_ms).toBe(plain.done?.duration_ms)
  })

  it('a stream with slow-headers is not served from, nor stored in, the frame cache of the same stream without it', async () => {
    const fresh = createApp()
    const before = ts(await readSse(await fresh.request('/stream?text=ab&delay=10&ttft=0')))
    const slow = ts(await readSse(await fresh.request('/stream?text=ab&delay=10&ttft=0&fault=slow-headers:50')))
    const after = ts(await readSse(await fresh.request('/stream?text=ab&delay=10&ttft=0')))
    expect([before, slow, after]).toEqual([
      [0, 10],
      [50, 60],
      [0, 10],
    ])
  })
})

describe('GET /stream through a real socket: each event arrives near its `t`', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  /** Each event with the moment (ms after the request was sent) the read that completed it arrived. */
  async function arrivals(url: string): Promise<Array<{ event: string | undefined; data: string; at: number }>> {
    const started = performance.now()
    const response = await fetch(url)
    const events: Array<{ event: string | undefined; data: string; at: number }> = []
    let now = 0
    const parser = createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data, at: now }) })
    const decoder = new TextDecoder()
    for await (const chunk of chunks(response.body!)) {
      now = performance.now() - started
      parser.feed(decoder.decode(chunk, { stream: true }))
    }
    return events
  }

  it('with slow-headers and a stall (generous bounds: never early, the stall counted once)', async () => {
    const events = await arrivals(`${server.url}/stream?text=abcdefgh&delay=30&ttft=0&fault=slow-headers:150,stall-after:3:300`)
    const tokens = events.filter((e) => e.event === 'token').map((e) => ({ t: (JSON.parse(e.data) as TokenData).t, at: e.at }))
    expect(tokens.map((e) => e.t)).toEqual([150, 180, 210, 240, 570, 600, 630, 660])
    const done = events.find((e) => e.event === 'done')!
    expect((JSON.parse(done.data) as DoneData).duration_ms).toBe(660)
    const moments = [...tokens, { t: 660, at: done.at }]
    for (const { t, at } of moments) {
      expect(at).toBeGreaterThanOrEqual(t - 2) // the server's clock starts after the client's: a 1 ms slot at most early
      // A loaded machine (the suite's other files on the same two cores) can hold one read back this long.
      expect(at).toBeLessThan(t + 1000)
    }
    // Were the stall applied twice, the end would come 300 ms later than `t` says, compared with the first event:
    // what the client waits for is what `t` says, within a generous bound.
    expect(done.at - 660 - (tokens[0]!.at - 150)).toBeLessThan(250)
    expect(tokens[4]!.at - tokens[3]!.at).toBeGreaterThanOrEqual(250) // the stall itself, as `t` says
  })
})
