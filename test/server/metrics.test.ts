/**
 * GET /metrics through a real socket, read with an independent parser of Prometheus's text format: requests by
 * route and status, streams open while one plays and none after, the frames and bytes each route's streams
 * sent (equal to what the clients got), faults by kind, rate-limit refusals, the clock's lateness histogram,
 * HEAD, CORS and the API key; and with `--workers 2`, every process's figures added up.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LATENESS_BUCKETS } from '../../src/app/clock.js'
import type { JournalEntry } from '../../src/app/journal.js'
import { killChildren, startCli } from '../helpers/cli.js'
import { get, scrape } from '../helpers/prometheus.js'
import { startServer, type RunningServer } from '../helpers/server.js'

afterAll(() => killChildren())

const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }

interface Sent {
  readonly status: number
  readonly body: Buffer
  /** SSE events (and a `retry:` field's block): the blocks that end with a blank line. */
  readonly events: number
}

/**
 * A request on a connection of its own; resolves with the status and the body's bytes once it has ended.
 * `onFirstChunk` runs once the first bytes of the body are in, while the rest is still coming.
 */
function send(
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
    onFirstChunk,
  }: { method?: string; headers?: Record<string, string>; body?: unknown; onFirstChunk?: () => Promise<void> } = {},
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const head = { connection: 'close', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }
    const req = request(url, { method, headers: head, agent: false }, (res) => {
      const chunks: Buffer[] = []
      let waiting: Promise<void> | undefined
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        if (waiting === undefined && onFirstChunk !== undefined) {
          res.pause()
          waiting = onFirstChunk().then(() => void res.resume(), reject)
        }
      })
      res.on('end', () => {
        const whole = Buffer.concat(chunks)
        const events = whole.toString('utf8').split('\n\n').length - 1
        resolve({ status: res.statusCode ?? 0, body: whole, events })
      })
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

const chat = (stream: boolean) => ({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hello' }] })

describe('GET /metrics', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  it('counts requests by route and status, streams, frames, bytes, faults and the lateness of the clock', async () => {
    const { url } = server
    const native = await send(`${url}/stream?text=hello%20world&delay=0&ttft=0`)
    const openai = await send(`${url}/v1/chat/completions`, { method: 'POST', headers: fast, body: chat(true) })
    const anthropic = await send(`${url}/v1/messages`, {
      method: 'POST',
      headers: { ...fast, 'x-tokensim-fault': 'error-after:2' },
      body: { model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hello' }] },
    })
    const refused = await send(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...fast, 'x-tokensim-fault': 'status:503' },
      body: chat(false),
    })
    const gemini = await send(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: fast,
      body: { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] },
    })
    expect([native, openai, anthropic, refused, gemini].map((sent) => sent.status)).toEqual([200, 200, 200, 503, 200])
    expect(anthropic.body.toString()).toContain('tokensim: injected error after unit 2')

    const first = await scrape(url)
    expect(first.value('tokensim_requests_total', { route: 'stream', code: '200' })).toBe(1)
    expect(first.value('tokensim_requests_total', { route: 'openai-chat', code: '200' })).toBe(1)
    expect(first.value('tokensim_requests_total', { route: 'openai-chat', code: '503' })).toBe(1)
    expect(first.value('tokensim_requests_total', { route: 'anthropic-messages', code: '200' })).toBe(1)
    expect(first.value('tokensim_requests_total', { route: 'gemini', code: '200' })).toBe(1)
    // What each route's streams sent is what its clients got, byte for byte. A frame is what a stream sends at
    // one moment: one SSE event on /stream, one or a few due together on the vendor routes (Anthropic's opening
    // events), as the journal counts them too.
    const journal = (await (await fetch(`${url}/journal`)).json()) as { entries: JournalEntry[] }
    for (const [route, sent] of [
      ['stream', native],
      ['openai-chat', openai],
      ['anthropic-messages', anthropic],
    ] as const) {
      const frames = first.value('tokensim_stream_sent_frames_total', { route })
      expect(first.value('tokensim_stream_sent_bytes_total', { route }), route).toBe(sent.body.length)
      expect(frames, route).toBe(journal.entries.find((entry) => entry.route === route && entry.status === 200)?.frames)
      expect(frames, route).toBeGreaterThan(2)
      expect(frames, route).toBeLessThanOrEqual(sent.events)
      expect(first.value('tokensim_streams_open', { route }), route).toBe(0)
    }
    expect(first.value('tokensim_stream_sent_frames_total', { route: 'stream' })).toBe(native.events)
    expect(first.value('tokensim_stream_sent_bytes_total', { route: 'gemini' })).toBe(0)
    expect(first.value('tokensim_faults_total', { kind: 'status' })).toBe(1)
    expect(first.value('tokensim_faults_total', { kind: 'error-after' })).toBe(1)
    expect(first.value('tokensim_rate_limited_total')).toBe(0)
    const types = Object.fromEntries(first.families.map((family) => [family.name, family.type]))
    expect(types).toMatchObject({
      tokensim_requests_total: 'COUNTER',
      tokensim_streams_open: 'GAUGE',
      tokensim_stream_sent_frames_total: 'COUNTER',
      tokensim_stream_sent_bytes_total: 'COUNTER',
      tokensim_faults_total: 'COUNTER',
      tokensim_rate_limited_total: 'COUNTER',
      tokensim_clock_lateness_seconds: 'HISTOGRAM',
    })

    // A stream that plays for a while (30 characters, 20 ms apart): open while it plays, counted as it goes.
    let during: Awaited<ReturnType<typeof scrape>> | undefined
    const long = await send(`${url}/stream?text=${'abcde'.repeat(6)}&delay=20&ttft=0`, {
      onFirstChunk: async () => void (during = await scrape(url)),
    })
    expect(during!.value('tokensim_streams_open', { route: 'stream' })).toBe(1)
    const playing = during!.value('tokensim_stream_sent_frames_total', { route: 'stream' }) - native.events
    expect(playing).toBeGreaterThan(0)
    expect(playing).toBeLessThan(long.events)

    const after = await scrape(url)
    expect(after.value('tokensim_streams_open', { route: 'stream' })).toBe(0)
    expect(after.value('tokensim_stream_sent_frames_total', { route: 'stream' })).toBe(native.events + long.events)
    expect(after.value('tokensim_stream_sent_bytes_total', { route: 'stream' })).toBe(native.body.length + long.body.length)
    expect(after.value('tokensim_requests_total', { route: 'stream', code: '200' })).toBe(2)
    // The two scrapes before this one (a scrape counts once answered).
    expect(after.value('tokensim_requests_total', { route: 'metrics', code: '200' })).toBe(2)

    // The long stream's timers ran on the shared clock: the histogram has them, cumulative, in seconds.
    const lateness = after.histogram('tokensim_clock_lateness_seconds')
    expect(lateness.buckets.map(([bound]) => bound)).toEqual([...LATENESS_BUCKETS, Infinity])
    // About one a frame, less the frames a late tick (or the pause for the scrape) sent together.
    expect(lateness.count).toBeGreaterThan(5)
    expect(lateness.buckets.at(-1)![1]).toBe(lateness.count)
    for (let i = 1; i < lateness.buckets.length; i++) expect(lateness.buckets[i]![1]).toBeGreaterThanOrEqual(lateness.buckets[i - 1]![1])
    // Each observation is in its bucket: the sum lies between what the buckets' lower and upper bounds allow.
    let low = 0
    let high = 0
    lateness.buckets.forEach(([bound, cumulative], i) => {
      const [below, before] = lateness.buckets[i - 1] ?? [0, 0]
      if (cumulative === before) return
      low += (cumulative - before) * below
      high += (cumulative - before) * bound
    })
    expect(lateness.sum).toBeGreaterThanOrEqual(low)
    expect(lateness.sum).toBeLessThanOrEqual(high)
  })

  it('answers HEAD with the GET head and no body, and any origin may read it', async () => {
    const head = await get(`${server.url}/metrics`, { origin: 'http://app.test' }, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0)
    expect(head.type).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(head.headers['access-control-allow-origin']).toBe('*')
  })
})

it('counts rate-limit refusals, and asks for the API key as the other routes do', async () => {
  const server = await startServer({ apiKey: 'sekrit', rateLimit: { rpm: 1, windowMs: 60_000 } })
  try {
    const key = { authorization: 'Bearer sekrit' }
    expect((await get(`${server.url}/metrics`)).status).toBe(401)
    const statuses = []
    for (let i = 0; i < 2; i++) {
      statuses.push(
        (await send(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { ...fast, ...key }, body: chat(false) })).status,
      )
    }
    expect(statuses).toEqual([200, 429])
    const metrics = await scrape(server.url, key)
    expect(metrics.value('tokensim_rate_limited_total')).toBe(1)
    expect(metrics.value('tokensim_requests_total', { route: 'openai-chat', code: '429' })).toBe(1)
    expect(metrics.value('tokensim_requests_total', { route: 'metrics', code: '401' })).toBe(1)
  } finally {
    await server.close()
  }
})

it('adds up every process of --workers 2', { timeout: 60_000 }, async () => {
  const { url } = await startCli(['--workers', '2'])
  // Each on a connection of its own, which the primary hands to the two processes in turn.
  const sent = await Promise.all(Array.from({ length: 6 }, () => send(`${url}/stream?text=hello&delay=5&ttft=0`)))
  expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200])
  const events = sent.reduce((sum, s) => sum + s.events, 0)
  const bytes = sent.reduce((sum, s) => sum + s.body.length, 0)
  // Four scrapes, one after the other, on new connections: both processes answer, and each tells the sums,
  // the scrapes before it included (whichever process took them).
  for (let i = 0; i < 4; i++) {
    const metrics = await scrape(url)
    expect(metrics.value('tokensim_requests_total', { route: 'stream', code: '200' })).toBe(6)
    expect(metrics.value('tokensim_requests_total', { route: 'metrics', code: '200' })).toBe(i)
    expect(metrics.value('tokensim_stream_sent_frames_total', { route: 'stream' })).toBe(events)
    expect(metrics.value('tokensim_stream_sent_bytes_total', { route: 'stream' })).toBe(bytes)
    expect(metrics.value('tokensim_streams_open', { route: 'stream' })).toBe(0)
    expect(metrics.histogram('tokensim_clock_lateness_seconds').count).toBeGreaterThanOrEqual(6)
  }
})
