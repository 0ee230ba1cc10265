/**
 * The three moments of a response's start, measured in process for the reasoning profile: the headers come
 * about `headersAt` after the request, the first byte about `firstByteAt`, the first visible text about ttft,
 * each as the plan scheduled it (generous bounds: a loaded machine is late, never early).
 */
import { describe, expect, it } from 'vitest'
import { planStream } from '../../src/core/stream-plan.js'
import { PROFILES, profileTiming } from '../../src/core/profiles.js'
import { split } from '../../src/core/split.js'
import { planTurn } from '../../src/core/turn.js'
import { createApp } from '../../src/app/app.js'
import type { DoneData } from '../../src/wire/native.js'
import { chunks } from '../helpers/sse.js'

const reasoning = PROFILES.find((p) => p.name === 'reasoning')!
// ttft 1500 keeps the test short; seed 4 gives headers at about 95 ms, the first byte at 285 and text at 2081.
const TTFT = 1500
const SEED = 4
const TEXT = 'one two three'
/** How late a moment may be on a busy machine. */
const LATE = 400

/** When the response resolved (its headers) and when each body chunk came, in ms after the request. */
async function timed(request: () => Response | Promise<Response>) {
  const started = performance.now()
  const response = await request()
  const headers = performance.now() - started
  const arrivals: { at: number; text: string }[] = []
  const decoder = new TextDecoder()
  for await (const chunk of chunks(response.body!)) arrivals.push({ at: performance.now() - started, text: decoder.decode(chunk) })
  return { response, headers, arrivals }
}

const near = (measured: number, scheduled: number): void => {
  expect(measured).toBeGreaterThanOrEqual(scheduled - 2)
  expect(measured).toBeLessThan(scheduled + LATE)
}

describe('headers, first byte and first text, for the reasoning profile', () => {
  it('GET /stream: each moment when scheduled, and done reports them', { timeout: 15_000 }, async () => {
    const expected = planStream(split(TEXT, 'word'), {
      unit: 'word',
      timing: profileTiming(reasoning, { ttft: TTFT }),
      seed: SEED,
      chunk: 1,
      after: -1,
    })
    const query = new URLSearchParams({ text: TEXT, unit: 'word', profile: 'reasoning', ttft: String(TTFT), seed: String(SEED) })
    const { response, headers, arrivals } = await timed(() => createApp().request(`/stream?${query}`))
    expect(response.status).toBe(200)
    const body = arrivals.map((a) => a.text).join('')
    const done = JSON.parse(/event: done\ndata: (.*)\n/.exec(body)![1]!) as DoneData
    expect(done.headers_ms).toBeCloseTo(expected.headersAt!, 2)
    expect(done.first_byte_ms).toBeCloseTo(expected.firstByteAt!, 2)
    expect(done.first_text_ms).toBeCloseTo(expected.firstAt!, 2)
    expect(done.headers_ms).toBeGreaterThan(40)
    expect(done.first_byte_ms).toBeGreaterThan(done.headers_ms)
    expect(done.first_text_ms).toBeGreaterThan(done.first_byte_ms + 500)

    near(headers, done.headers_ms)
    expect(arrivals[0]!.text.startsWith('retry:')).toBe(true)
    near(arrivals[0]!.at, done.first_byte_ms)
    near(arrivals.find((a) => a.text.includes('event: token'))!.at, done.first_text_ms)
  })

  it('POST /v1/chat/completions: the headers, then the role chunk, then the first content', { timeout: 15_000 }, async () => {
    const expected = planTurn(
      { parts: [{ kind: 'text', text: TEXT }] },
      { unit: 'word', timing: profileTiming(reasoning, { ttft: TTFT }), seed: SEED, chunk: 1, inputTokens: 0 },
    )
    const { response, headers, arrivals } = await timed(() =>
      createApp().request('/v1/chat/completions', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-tokensim-profile': 'reasoning',
          'x-tokensim-ttft': String(TTFT),
          'x-tokensim-seed': String(SEED),
          'x-tokensim-unit': 'word',
          'x-tokensim-reply': 'echo',
        },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: TEXT }] }),
      }),
    )
    expect(response.status).toBe(200)
    near(headers, expected.headersAt!)
    expect(arrivals[0]!.text).toContain('"role":"assistant"')
    near(arrivals[0]!.at, expected.firstByteAt!)
    near(arrivals.find((a) => a.text.includes('"content":"one '))!.at, expected.start)
    expect(expected.start - expected.firstByteAt!).toBeGreaterThan(500)
  })
})
