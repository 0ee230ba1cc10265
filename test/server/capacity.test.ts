/**
 * --capacity and --queue-limit against the real server: a stream started beyond capacity is scheduled later and
 * slower, by the model's numbers exactly (the native `done` event carries the scheduled moments), a vendor
 * answer through the openai SDK takes measurably longer, and beyond the queue every route refuses in its
 * vendor's overload shape with retry-after; bad flag values stop the CLI at start-up.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killChildren, runCli, startCli, START_MS } from '../helpers/cli.js'
import { readSse, until } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

/** Opens a stream that stays open for a minute (its headers come at once), and returns once they did. */
async function hold(url: string): Promise<() => void> {
  const controller = new AbortController()
  const response = await fetch(`${url}/stream?text=held%20open&unit=word&delay=60000&ttft=0`, { signal: controller.signal })
  expect(response.status).toBe(200)
  return () => controller.abort()
}

/** Holds `count` streams open on `server`, one after the other (so each is counted before the next starts). */
async function holdMany(server: RunningServer, count: number): Promise<() => Promise<void>> {
  const closers: (() => void)[] = []
  for (let i = 0; i < count; i++) closers.push(await hold(server.url))
  await until(() => server.server.registry.size === count, `${count} streams open`)
  return async () => {
    for (const close of closers) close()
    await until(() => server.server.registry.size === 0, 'every held stream closed')
  }
}

// Five words (unit=word: five units), 100 ms to the first, 20 ms between: 180 ms unloaded (D).
const STREAM = '/stream?text=one%20two%20three%20four%20five&unit=word&ttft=100&delay=20'

describe('--capacity 2', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ capacity: 2 })
  })
  afterAll(() => server.close())

  it("/stream: with 6 streams open, a new one's done event reports the model's later first text and longer duration", async () => {
    const alone = (await readSse(await fetch(`${server.url}${STREAM}`))).done!
    expect([alone.first_text_ms, alone.duration_ms]).toEqual([100, 180])

    const release = await holdMany(server, 6)
    try {
      const loaded = await readSse(await fetch(`${server.url}${STREAM}`))
      // 7 open with it, capacity 2: 5 in line, a slot every 180 / 2 ms: ttft 100 + 450; load 3.5: gaps of 70 ms.
      expect([loaded.done!.first_text_ms, loaded.done!.duration_ms]).toEqual([550, 550 + 4 * 70])
      expect(loaded.tokens.map((t) => t.t)).toEqual([550, 620, 690, 760, 830])
      expect(loaded.text).toBe('one two three four five')
    } finally {
      await release()
    }
    // Its load was taken when it started: with the others gone, a new stream is as fast as ever.
    const after = (await readSse(await fetch(`${server.url}${STREAM}`))).done!
    expect([after.first_text_ms, after.duration_ms]).toEqual([100, 180])
  })

  it('/stream at capacity (one other open) is not slowed at all', async () => {
    const release = await holdMany(server, 1)
    try {
      const done = (await readSse(await fetch(`${server.url}${STREAM}`))).done!
      expect([done.first_text_ms, done.duration_ms]).toEqual([100, 180])
    } finally {
      await release()
    }
  })

  it('a vendor route (the openai SDK) takes measurably longer with 6 streams open', async () => {
    // The echo reply of ten words, a unit each: 200 + 9 x 20 = 380 ms alone (D). With 7 open: a wait of 5 x 380 / 2
    // = 950 ms, then gaps of 70 ms: 1150 + 630 = 1780 ms, of which the wall clock must show most (never early).
    const headers = { 'x-tokensim-reply': 'echo', 'x-tokensim-unit': 'word', 'x-tokensim-ttft': '200', 'x-tokensim-delay': '20' }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', maxRetries: 0, defaultHeaders: headers })
    const ask = async (): Promise<{ ms: number; text: string }> => {
      const started = performance.now()
      const stream = await client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
      })
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      return { ms: performance.now() - started, text }
    }
    const alone = await ask()
    const release = await holdMany(server, 6)
    let loaded
    try {
      loaded = await ask()
    } finally {
      await release()
    }
    expect(loaded.text).toBe(alone.text)
    expect(loaded.ms).toBeGreaterThan(1500)
    expect(loaded.ms).toBeGreaterThan(alone.ms)
  })
})

describe('--capacity 1 --queue-limit 1: beyond the queue, each vendor refuses in its overload shape', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ capacity: 1, queueLimit: 1 })
  })
  afterAll(() => server.close())

  it('one queued stream is taken (slowed); the next is refused with retry-after on every route', async () => {
    const release = await holdMany(server, 1)
    try {
      // Second in: queued, not refused.
      const queued = await fetch(`${server.url}/stream?text=hi&unit=word&ttft=0&delay=0`)
      expect(queued.status).toBe(200)
      await readSse(queued)
    } finally {
      await release()
    }
    const full = await holdMany(server, 2)
    try {
      const native = await fetch(`${server.url}/stream?text=hi`)
      expect([native.status, native.headers.get('retry-after')]).toEqual([503, '1'])
      expect(await native.json()).toMatchObject({ error: { code: 'overloaded', type: 'server_error', message: /--capacity/ } })

      const anthropic = new Anthropic({ baseURL: server.url, apiKey: 'any', maxRetries: 0 })
      const refused = await anthropic.messages
        .create({ model: 'x', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(Anthropic.InternalServerError)
      expect(refused).toMatchObject({ status: 529, error: { type: 'error', error: { type: 'overloaded_error' } } })
      expect((refused as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1')
      // Not streamed: refused all the same (the model is what is busy).
      const whole = await anthropic.messages
        .create({ model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e)
      expect(whole).toMatchObject({ status: 529 })

      const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', maxRetries: 0 })
      const chat = await openai.chat.completions
        .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e)
      expect(chat).toBeInstanceOf(OpenAI.InternalServerError)
      expect(chat).toMatchObject({ status: 503, code: 'overloaded', type: 'server_error' })

      const gemini = await fetch(`${server.url}/v1beta/models/g:streamGenerateContent?alt=sse`, {
        method: 'POST',
        body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
      })
      expect([gemini.status, gemini.headers.get('retry-after')]).toEqual([503, '1'])
      expect(await gemini.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } })

      // A bad request is still a 400, whatever the load.
      expect((await fetch(`${server.url}/stream?delay=-1`)).status).toBe(400)
    } finally {
      await full()
    }
    expect((await fetch(`${server.url}/stream?text=hi&ttft=0&delay=0`)).status).toBe(200)
  })

  it('a burst of twenty at once: one served, one queued, eighteen refused (the load counts requests still starting)', async () => {
    // All twenty are read before any of their streams starts (each awaits its body and its plan): counted by
    // the streams alone, every one of them saw an idle model and was served at full speed.
    const chat = (): Promise<Response> =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tokensim-reply': 'long', 'x-tokensim-ttft': '5000' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      })
    const responses = await Promise.all(Array.from({ length: 20 }, chat))
    try {
      const statuses = responses.map((r) => r.status).sort()
      expect(statuses).toEqual([...Array(2).fill(200), ...Array(18).fill(503)])
    } finally {
      for (const response of responses) await response.body?.cancel()
    }
    // Their admissions ended with their answers: once the two are gone, the model takes streams again.
    await expect.poll(async () => (await fetch(`${server.url}/stream?text=hi&ttft=0&delay=0`)).status, { timeout: 5000 }).toBe(200)
  })
})

describe('tokensim --capacity and --queue-limit', () => {
  afterEach(killChildren)

  it.for([
    [['--capacity', '0'], /^tokensim: --capacity must be a whole number from 1 to \d+; got "0"$/],
    [['--capacity', '2.5'], /^tokensim: --capacity .*"2\.5"$/],
    [['--capacity', '4', '--queue-limit=-1'], /^tokensim: --queue-limit .*"-1"$/],
    [['--queue-limit', '3'], /^tokensim: --queue-limit needs --capacity/],
  ] as const)('%s is a start-up error', { timeout: START_MS * 2 }, async ([flags, message]) => {
    const cli = runCli(['--port', '0', ...flags])
    expect(await cli.exited).toBe(2)
    expect(cli.stderr().trim()).toMatch(message)
    expect(cli.stdout()).not.toMatch(/serving/)
  })

  it('are in --help, and serve: one stream at capacity 1 with no queue, the next refused', { timeout: START_MS * 2 }, async () => {
    const help = runCli(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.stdout()).toMatch(/--capacity N .*\n[\s\S]*--queue-limit M/)
    const { url } = await startCli(['--capacity', '1', '--queue-limit', '0'])
    const close = await hold(url)
    try {
      const refused = await fetch(`${url}/stream?text=hi`)
      expect(refused.status).toBe(503)
      expect(await refused.json()).toMatchObject({ error: { code: 'overloaded' } })
    } finally {
      close()
    }
  })
})
