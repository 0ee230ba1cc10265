/**
 * The page's latencies in Node: the choices it reads from the real server's GET /profiles (web/profiles.js),
 * and the /stream query and x-tokensim-* headers a stream sends with one of them or with Custom's fields
 * (web/settings.js). test/e2e/page-latency.test.ts checks the picker in a browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROFILES } from '../../src/core/profiles.js'
import { latencyChoices, latencyExtras } from '../../web/profiles.js'
import { DEFAULT_PROFILE, streamHeaders, streamUrl } from '../../web/settings.js'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
let listing: unknown

beforeAll(async () => {
  server = await startServer({
    profiles: [{ name: 'steady', description: 'a metronome', ttft: { median: 600, p99: 600 }, gap: { median: 20, p99: 20 } }],
  })
  listing = await (await fetch(`${server.url}/profiles`)).json()
})

afterAll(async () => {
  await server?.close()
})

const SETTINGS = { unit: 'word', delay: '3', ttft: '0', jitter: '0.2', seed: '', chunk: '1' }

describe("the page's latencies", () => {
  it("are the server's profiles, the user's among them, each with its medians and quantiles", () => {
    const choices = latencyChoices(listing)
    expect(choices.map((c) => c.name)).toEqual([...PROFILES.map((p) => p.name), 'steady'])
    expect(choices.map((c) => c.name)).toContain(DEFAULT_PROFILE)
    const steady = choices.find((c) => c.name === 'steady')!
    expect(steady).toMatchObject({ description: 'a metronome', ttft: 600, gap: 20 })
    expect(steady.stats).toEqual({ ttft: { p50: 600, p90: 600, p99: 600, max: 600 }, gap: { p50: 20, p90: 20, p99: 20, max: 20 } })
    // the medians are the listing's p50s: the whole gap's (flaky's stalls included), not the declared median
    const listed = (listing as { profiles: { name: string; stats: { ttft: { p50: number }; gap: { p50: number } } }[] }).profiles
    for (const choice of choices) {
      const { stats } = listed.find((p) => p.name === choice.name)!
      expect([choice.ttft, choice.gap], choice.name).toEqual([stats.ttft.p50, stats.gap.p50])
    }
  })

  it('are none from an answer that is not a listing', () => {
    for (const body of [null, undefined, {}, { profiles: 'x' }, { error: { message: 'no' } }]) expect(latencyChoices(body)).toEqual([])
    expect(latencyChoices({ profiles: [{ name: '' }, { description: 'no name' }, { name: 'bare' }] })).toEqual([
      { name: 'bare', description: '', gap: 0, ttft: 0 },
    ])
  })

  it('send a profile by name in place of the latency fields, and Custom as the fields', () => {
    const fast = latencyChoices(listing).find((c) => c.name === 'fast')!
    const url = new URL(streamUrl({ reply: 'greeting' }, SETTINGS, latencyExtras(fast, 'error-after:3')), 'http://x')
    expect([...url.searchParams]).toEqual([
      ['reply', 'greeting'],
      ['unit', 'word'],
      ['chunk', '1'],
      ['profile', 'fast'],
      ['fault', 'error-after:3'],
    ])
    expect(streamHeaders({ text: 'hi' }, SETTINGS, latencyExtras(fast, ''))).toEqual({
      'x-tokensim-reply': 'echo',
      'x-tokensim-unit': 'word',
      'x-tokensim-chunk': '1',
      'x-tokensim-profile': 'fast',
    })
    const custom = new URL(streamUrl({ text: 'hi' }, SETTINGS, { fault: '' }), 'http://x')
    expect([...custom.searchParams]).toEqual([
      ['text', 'hi'],
      ['unit', 'word'],
      ['delay', '3'],
      ['ttft', '0'],
      ['jitter', '0.2'],
      ['chunk', '1'],
    ])
  })

  it("make a /stream URL the server streams: the profile's schedule, named in its done event", async () => {
    const steady = latencyChoices(listing).find((c) => c.name === 'steady')!
    const response = await fetch(`${server.url}${streamUrl({ reply: 'greeting' }, SETTINGS, latencyExtras(steady, ''))}`)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toMatch(/"first_text_ms":600\b/)
  })
})
