/**
 * Latency profiles over HTTP, in process: GET /profiles, the models of GET /v1/models, the app's own profiles
 * (`profiles` option) in scenarios and model names, and a vendor stream that follows x-tokensim-profile: flaky.
 */
import { createParser } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { PROFILES, profileTiming, type Profile } from '../../src/core/profiles.js'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { planTurn } from '../../src/core/turn.js'
import { createApp } from '../../src/app/app.js'
import { chunks } from '../helpers/sse.js'

const steady: Profile = { name: 'steady', description: 'a metronome', ttft: { median: 5, p99: 5 }, gap: { median: 2, p99: 2 } }
const builtinNames = PROFILES.map((p) => p.name)

interface Listed {
  name: string
  model: string
  description: string
  ttft: { median: number; p99: number; max?: number }
  gap: { median: number; p99: number; max?: number }
  stall?: { chance: number; median: number; p99: number; max?: number }
  burst?: number
  headers?: { median: number; p99: number; max?: number }
  firstByte?: { median: number; p99: number; max?: number }
  stats: Record<'ttft' | 'gap', Stats> & { headers?: Stats; firstByte?: Stats }
}

type Stats = { p50: number; p90: number; p99: number; max: number }

const profilesOf = async (app = createApp()): Promise<Listed[]> => {
  const response = await app.request('/profiles')
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return ((await response.json()) as { profiles: Listed[] }).profiles
}

const chat = (app: ReturnType<typeof createApp>, model: string, headers: Record<string, string> = {}, stream = false) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  })

describe('GET /profiles', () => {
  it('lists every built-in profile with its distributions and the quantiles they give', async () => {
    const listed = await profilesOf()
    expect(listed.map((p) => p.name)).toEqual(builtinNames)
    const typical = listed.find((p) => p.name === 'typical')!
    expect(typical).toMatchObject({ model: 'tokensim-typical', ttft: { median: 450, p99: 1400 }, gap: { median: 25, p99: 70 } })
    expect(typical.stats.ttft).toEqual({ p50: 450, p90: 840.9, p99: 1400, max: 2032.3 })
    expect(typical.stats.gap).toEqual({ p50: 25, p90: 44.1, p99: 70, max: 98.2 })
    expect(listed.find((p) => p.name === 'instant')!.stats.gap).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 })
    expect(listed.find((p) => p.name === 'reasoning')!.stats.ttft.max).toBe(40_000)
  })

  it('lists the headers and first-byte distributions where a profile declares them, with their quantiles', async () => {
    const listed = await profilesOf()
    const reasoning = listed.find((p) => p.name === 'reasoning')!
    expect(reasoning).toMatchObject({ headers: { median: 80, p99: 250 }, firstByte: { median: 150, p99: 400 } })
    expect(reasoning.stats.headers).toMatchObject({ p50: 80, p99: 250 })
    expect(reasoning.stats.firstByte).toMatchObject({ p50: 150, p99: 400 })
    expect(reasoning.stats.headers!.p90).toBeGreaterThan(80)
    expect(reasoning.stats.headers!.p90).toBeLessThan(250)
    expect(listed.find((p) => p.name === 'typical')!.stats.headers).toMatchObject({ p50: 100, p99: 300 })
    const instant = listed.find((p) => p.name === 'instant')!
    expect(Object.keys(instant)).not.toContain('headers')
    expect(Object.keys(instant.stats)).toEqual(['ttft', 'gap'])
  })

  it("shows a flaky profile's stalls and bursts, and counts them in the gap's quantiles", async () => {
    const flaky = (await profilesOf()).find((p) => p.name === 'flaky')!
    expect(flaky.stall).toMatchObject({ median: 1500, p99: 6000, max: 10_000 })
    expect(flaky.burst).toBe(0.2)
    expect(flaky.stats.gap.p50).toBeLessThan(flaky.gap.median) // a fifth of the gaps are bursts (0)
    expect(flaky.stats.gap.p99).toBeGreaterThan(1000) // one gap in 30 is a stall
    expect(flaky.stats.gap.max).toBe(10_000)
  })

  it("lists the app's own profiles: a new one after the built-ins, one of a built-in's name in its place", async () => {
    const fast: Profile = { ...steady, name: 'fast', description: 'my fast' }
    const listed = await profilesOf(createApp({ profiles: [steady, fast] }))
    expect(listed.map((p) => p.name)).toEqual([...builtinNames, 'steady'])
    expect(listed.find((p) => p.name === 'fast')).toMatchObject({ description: 'my fast', ttft: { median: 5, p99: 5 } })
  })
})

describe('GET /v1/models', () => {
  it("offers one tokensim-NAME model per profile, the new built-ins and the app's own included", async () => {
    const ids = async (app: ReturnType<typeof createApp>) =>
      ((await (await app.request('/v1/models')).json()) as { data: { id: string }[] }).data.map((m) => m.id)
    expect(await ids(createApp())).toEqual(builtinNames.map((n) => `tokensim-${n}`))
    expect(await ids(createApp({ profiles: [steady] }))).toEqual([...builtinNames, 'steady'].map((n) => `tokensim-${n}`))
  })
})

describe("the app's own profiles on the vendor routes", () => {
  it('a scenario may name one, and a tokensim-NAME model picks it', async () => {
    const app = createApp({
      profiles: [steady],
      scenarios: [{ name: 'calm', match: { contains: 'calm' }, answers: [{ text: 'ok', profile: 'steady' }] }],
    })
    expect((await chat(app, 'tokensim-steady')).status).toBe(200)
    expect((await chat(app, 'tokensim-steady', { 'x-tokensim-profile': 'steady' })).status).toBe(200)
    const unknown = await chat(app, 'gpt-4o', { 'x-tokensim-profile': 'warp' })
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({
      error: { param: 'x-tokensim-profile', message: expect.stringContaining('instant, fast, typical, slow, reasoning, flaky, steady') },
    })
  })

  it('a default profile applies to every request that names none, and must exist', async () => {
    const app = createApp({ defaults: { profile: 'instant', delay: 5000, ttft: 5000 } })
    const body = await (await app.request('/stream?text=ab')).text()
    expect([...body.matchAll(/"t":(\d+)/g)].map((m) => m[1])).toEqual(['0', '0'])
    expect(() => createApp({ defaults: { profile: 'warp' } })).toThrow(/no profile named "warp"; the profiles are: instant/)
  })

  it('a scenario naming a profile the app does not have is an error at start', () => {
    expect(() => createApp({ scenarios: [{ name: 'calm', match: {}, answers: [{ text: 'ok', profile: 'steady' }] }] })).toThrow(
      /scenario calm: .*"steady"/,
    )
  })
})

describe('x-tokensim-profile: flaky on a vendor stream', () => {
  it('plays the flaky schedule: its stall and its whole length, and the whole text', { timeout: 15_000 }, async () => {
    // Seed 8 with no time to first token: the greeting's 39 tokens take about 2.3 s, with one stall of 1.25 s.
    const headers = { 'x-tokensim-profile': 'flaky', 'x-tokensim-seed': '8', 'x-tokensim-ttft': '0' }
    const text = BUILTIN_REPLIES[0]!.text
    const flaky = PROFILES.find((p) => p.name === 'flaky')!
    const plan = planTurn(
      { parts: [{ kind: 'text', text }] },
      { unit: 'token', timing: profileTiming(flaky, { ttft: 0 }), seed: 8, chunk: 1, inputTokens: 0 },
    )
    const due = plan.parts[0]!.deltas.map((d) => d.at)
    const stall = Math.max(...due.slice(1).map((at, i) => at - due[i]!))
    expect(stall).toBeGreaterThan(1000)

    const started = performance.now()
    const response = await chat(createApp(), 'gpt-4o', headers, true)
    expect(response.status).toBe(200)
    const arrivals: { text: string; at: number }[] = []
    const parser = createParser({
      onEvent: (event) => {
        if (event.data === '[DONE]') return
        const content = (JSON.parse(event.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content
        if (content) arrivals.push({ text: content, at: performance.now() - started })
      },
    })
    const decoder = new TextDecoder()
    for await (const chunk of chunks(response.body!)) parser.feed(decoder.decode(chunk, { stream: true }))

    expect(arrivals.map((a) => a.text).join('')).toBe(text)
    expect(arrivals).toHaveLength(due.length)
    // A frame never goes out before it is due; the stall is there (less whatever lateness the frame before it had).
    arrivals.forEach((a, i) => expect(a.at).toBeGreaterThanOrEqual(due[i]! - 1))
    const gaps = arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at)
    expect(Math.max(...gaps)).toBeGreaterThan(stall - 400)
  })
})
