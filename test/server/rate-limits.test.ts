/**
 * --rate-limit through a real server on port 0 and the official SDKs: their retries of a 429 wait as its
 * retry-after-ms / retry-after say and succeed once the bucket has refilled; each vendor's headers count down
 * truthfully on every answer; a prompt larger than tokens per minute is refused for good; keys are independent
 * and requests without one share a bucket; with --workers the limit holds for the whole server; a bad value of
 * the flag is one clear line at start-up. Windows are short (`windowMs`) so that refills take a second.
 */
import Anthropic from '@anthropic-ai/sdk'
import { ApiError, GoogleGenAI } from '@google/genai'
import { request } from 'node:http'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RateLimitConfig } from '../../src/core/rate-limit.js'
import { EXPOSED_HEADERS } from '../../src/app/cors.js'
import { rateLimitHeaders } from '../../src/wire/rate-limits.js'
import { failureLine, killChildren, runCli, startCli } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const hi = [{ role: 'user' as const, content: 'hi' }]
const chat = { model: 'gpt-4o', messages: hi }

/**
 * A bucket's remaining count: what was taken from it exactly, give or take what refilled meanwhile (a bucket
 * refills continuously: 10,000 tokens a minute is one every 6 ms).
 */
function expectRemaining(header: string | null, exact: number, since: number, perMinute: number): void {
  const refilled = Math.ceil(((performance.now() - since) * perMinute) / 60_000)
  expect(Number(header)).toBeGreaterThanOrEqual(exact)
  expect(Number(header)).toBeLessThanOrEqual(exact + refilled)
}

/** A POST on a connection of its own, closed after it: with --workers, each may reach another worker. */
function postOnNewConnection(url: string, path: string, body: unknown, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const sent = request(
      `${url}${path}`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close', ...headers } },
      (response) => {
        response.resume()
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }))
      },
    )
    sent.on('error', reject)
    sent.end(JSON.stringify(body))
  })
}

const servers: RunningServer[] = []
async function serve(rateLimit: RateLimitConfig): Promise<RunningServer> {
  const server = await startServer({ rateLimit, defaults: { delay: 0, ttft: 0 } })
  servers.push(server)
  return server
}
afterAll(() => Promise.all(servers.map((server) => server.close())))
afterEach(() => killChildren())

/** A fetch that keeps every response's status, headers and time, for an SDK to use. */
function recordingFetch(): { fetch: typeof fetch; seen: Array<{ status: number; headers: Headers; at: number }> } {
  const seen: Array<{ status: number; headers: Headers; at: number }> = []
  return {
    seen,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      seen.push({ status: response.status, headers: response.headers, at: performance.now() })
      return response
    },
  }
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...fast, ...headers },
    body: JSON.stringify(body),
  })

it('a page on another origin may read every rate-limit header of every vendor (EXPOSED_HEADERS)', () => {
  const meter = { limit: 1, remaining: 0, resetMs: 1 }
  const refused = { which: 'tokens' as const, used: 1, requested: 2, retryAfterMs: 1, tooLarge: true }
  for (const vendor of ['openai', 'anthropic', 'gemini'] as const) {
    const names = Object.keys(rateLimitHeaders(vendor, { requests: meter, tokens: meter, refused, at: 0, model: 'm' }))
    expect(EXPOSED_HEADERS).toEqual(expect.arrayContaining(names))
  }
})

describe('the SDKs retry a 429 when the server says, and succeed', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({ rpm: 1, windowMs: 1000 })
  })

  it('openai waits retry-after-ms', async () => {
    const recorder = recordingFetch()
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'openai-retry', maxRetries: 3, fetch: recorder.fetch })
    await client.chat.completions.create(chat)
    const started = performance.now()
    const answer = await client.chat.completions.create(chat)
    expect(answer.choices[0]?.message.content).toBeTruthy()
    const [refused, ...rest] = recorder.seen.slice(1)
    expect(refused?.status).toBe(429)
    const waitMs = Number(refused!.headers.get('retry-after-ms'))
    expect(waitMs).toBeGreaterThan(0)
    expect(waitMs).toBeLessThanOrEqual(1000)
    expect(refused!.headers.get('retry-after')).toBe('1')
    expect(refused!.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    // The retry came when it was told to (the timers of a loaded machine fire late, never early), and worked:
    // at most one more 429 for a millisecond of rounding between the two clocks.
    expect(rest[0]!.at - refused!.at).toBeGreaterThanOrEqual(waitMs - 5)
    expect(rest.at(-1)?.status).toBe(200)
    expect(rest.length).toBeLessThanOrEqual(2)
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it('@anthropic-ai/sdk waits retry-after', async () => {
    const recorder = recordingFetch()
    const client = new Anthropic({ baseURL: server.url, apiKey: 'anthropic-retry', maxRetries: 3, fetch: recorder.fetch })
    const ask = { model: 'claude-x', max_tokens: 64, messages: hi }
    await client.messages.create(ask)
    const answer = await client.messages.create(ask)
    expect(answer.content[0]).toMatchObject({ type: 'text' })
    const [refused, ...rest] = recorder.seen.slice(1)
    expect(refused?.status).toBe(429)
    expect(refused!.headers.get('retry-after')).toBe('1')
    // Anthropic sends retry-after alone.
    expect(refused!.headers.get('retry-after-ms')).toBeNull()
    expect(refused!.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0')
    expect(rest[0]!.at - refused!.at).toBeGreaterThanOrEqual(990)
    expect(rest.at(-1)?.status).toBe(200)
  })

  it('without retries, the SDKs give their RateLimitError with the vendor body', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'openai-no-retry', maxRetries: 0 })
    await openai.chat.completions.create(chat)
    const error = await openai.chat.completions.create(chat).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error).toMatchObject({ status: 429, type: 'requests', code: 'rate_limit_exceeded', param: null })
    expect((error as Error).message).toMatch(
      /Rate limit reached for gpt-4o on requests per min \(RPM\): Limit 1, Used 1, Requested 1\. Please try again in \d+ms\./,
    )

    const anthropic = new Anthropic({ baseURL: server.url, apiKey: 'anthropic-no-retry', maxRetries: 0 })
    const ask = { model: 'claude-x', max_tokens: 64, messages: hi }
    await anthropic.messages.create(ask)
    const refused = await anthropic.messages.create(ask).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError)
    expect((refused as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringMatching(/rate limit for this API key of 1 requests per minute/) },
    })
  })
})

describe('the headers count down truthfully on every answer', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({ rpm: 5, tpm: 10_000, windowMs: 60_000 })
  })

  it("OpenAI's: each request takes one request, its prompt's tokens and its max_tokens; streams too", async () => {
    const key = { authorization: 'Bearer countdown' }
    let tokensLeft = 10_000
    let prompt = 0
    const since = performance.now()
    for (const [i, stream] of [false, true, false].entries()) {
      const response = await post(server.url, '/v1/chat/completions', { ...chat, max_tokens: 100, stream }, key)
      expect(response.status).toBe(200)
      const text = await response.text()
      const usage = stream ? undefined : (JSON.parse(text) as { usage: { prompt_tokens: number } }).usage
      // The prompt's tokens as the answer's usage counts them (the same "hi" every time).
      if (usage !== undefined) prompt = usage.prompt_tokens
      expect(prompt).toBeGreaterThan(0)
      tokensLeft -= prompt + 100
      const headers = response.headers
      expect(headers.get('x-ratelimit-limit-requests')).toBe('5')
      expect(headers.get('x-ratelimit-remaining-requests')).toBe(String(4 - i))
      expect(headers.get('x-ratelimit-limit-tokens')).toBe('10000')
      expectRemaining(headers.get('x-ratelimit-remaining-tokens'), tokensLeft, since, 10_000)
      // Until full: (i + 1) requests at 12 s each, less the few ms since the first one.
      const reset = headers.get('x-ratelimit-reset-requests')!
      expect(reset).toMatch(/^\d+(\.\d+)?s$/)
      expect(parseFloat(reset)).toBeGreaterThan((i + 1) * 12 - 2)
      expect(parseFloat(reset)).toBeLessThanOrEqual((i + 1) * 12)
      expect(headers.get('x-ratelimit-reset-tokens')).toMatch(/^(\d+ms|\d+(\.\d+)?s)$/)
      expect(headers.get('retry-after')).toBeNull()
      // A page on another origin can read them.
      expect(headers.get('access-control-expose-headers')).toMatch(/x-ratelimit-remaining-tokens/)
    }
  })

  it("Anthropic's: remaining counts down, reset is an RFC 3339 time when the bucket is full", async () => {
    const client = new Anthropic({ baseURL: server.url, apiKey: 'anthropic-countdown', maxRetries: 0, defaultHeaders: fast })
    const since = performance.now()
    for (const i of [0, 1]) {
      const before = Date.now()
      const { data, response } = await client.messages.create({ model: 'claude-x', max_tokens: 50, messages: hi }).withResponse()
      const headers = response.headers
      expect(headers.get('anthropic-ratelimit-requests-limit')).toBe('5')
      expect(headers.get('anthropic-ratelimit-requests-remaining')).toBe(String(4 - i))
      expect(headers.get('anthropic-ratelimit-tokens-limit')).toBe('10000')
      expectRemaining(headers.get('anthropic-ratelimit-tokens-remaining'), 10_000 - (i + 1) * (data.usage.input_tokens + 50), since, 10_000)
      const reset = headers.get('anthropic-ratelimit-requests-reset')!
      expect(reset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      const inMs = Date.parse(reset) - before
      expect(inMs).toBeGreaterThan((i + 1) * 12_000 - 2000)
      expect(inMs).toBeLessThanOrEqual((i + 1) * 12_000 + 1000)
      expect(headers.get('x-ratelimit-remaining-requests')).toBeNull()
    }
  })

  it("Responses and /api/chat carry OpenAI's; Gemini sends none on an answer", async () => {
    const responses = await post(
      server.url,
      '/v1/responses',
      { model: 'gpt-4o', input: 'hi', max_output_tokens: 20 },
      { authorization: 'Bearer other' },
    )
    await responses.text()
    expect(responses.headers.get('x-ratelimit-remaining-requests')).toBe('4')
    const ui = { messages: [{ id: '1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }
    const api = await post(server.url, '/api/chat', ui, { authorization: 'Bearer other' })
    await api.text()
    expect(api.headers.get('x-ratelimit-remaining-requests')).toBe('3')
    const gemini = await post(server.url, '/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] })
    await gemini.text()
    expect(gemini.status).toBe(200)
    expect([...gemini.headers.keys()].filter((name) => /ratelimit|retry/.test(name))).toEqual([])
  })

  it('an injected 429 after the buckets passed tells them truly, not the fixed imitation', async () => {
    const response = await post(server.url, '/v1/chat/completions', chat, {
      authorization: 'Bearer injected',
      'x-tokensim-fault': 'status:429:3',
    })
    await response.text()
    expect(response.status).toBe(429)
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('5')
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('4')
    expect(response.headers.get('retry-after')).toBe('3')
  })
})

describe('tokens per minute', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({ tpm: 200, windowMs: 60_000 })
  })

  it('refuses for good a request larger than the limit: type tokens, x-should-retry: false, and the SDK does not retry', async () => {
    const recorder = recordingFetch()
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'large', maxRetries: 3, fetch: recorder.fetch, defaultHeaders: fast })
    const long = 'word '.repeat(300)
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: long }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' })
    expect((error as Error).message).toMatch(/Request too large for gpt-4o on tokens per min \(TPM\): Limit 200, Requested \d+\./)
    expect(recorder.seen.map((r) => r.status)).toEqual([429])
    expect(recorder.seen[0]!.headers.get('x-should-retry')).toBe('false')
    // Nothing was taken: a small request still fits the whole bucket.
    const ok = await client.chat.completions.create({ ...chat, max_tokens: 199 })
    expect(ok.usage?.prompt_tokens).toBe(1)
  })

  it('refuses a request that fits the limit but not what is left, with the wait until it fits', async () => {
    const key = { authorization: 'Bearer fits-later' }
    expect((await post(server.url, '/v1/chat/completions', { ...chat, max_tokens: 150 }, key)).status).toBe(200)
    const refused = await post(server.url, '/v1/chat/completions', { ...chat, max_tokens: 100 }, key)
    const body = (await refused.json()) as { error: { type: string; message: string } }
    expect(refused.status).toBe(429)
    expect(body.error.type).toBe('tokens')
    // "hi" is 1 token: 151 taken, 49 left, 101 wanted: 52 tokens at 200 a minute is 15.6 s (less the ms since).
    expect(body.error.message).toMatch(/Limit 200, Used 151, Requested 101\. Please try again in 15\.\d+s\./)
    expect(Number(refused.headers.get('retry-after-ms'))).toBeGreaterThan(15_000)
    expect(Number(refused.headers.get('retry-after-ms'))).toBeLessThanOrEqual(15_600)
    expect(refused.headers.get('retry-after')).toBe('16')
    expect(refused.headers.get('x-should-retry')).toBeNull()
    expect(refused.headers.get('x-ratelimit-remaining-tokens')).toBe('49')
  })

  it("Gemini's 429 is RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo; the prompt alone counts", async () => {
    const url = `${server.url}/v1beta/models/gemini-2.0-flash:generateContent`
    const headers = { 'x-goog-api-key': 'gemini-key' }
    // maxOutputTokens does not count: Gemini's limit is input tokens.
    const generationConfig = { maxOutputTokens: 10_000 }
    expect(
      (
        await post(
          server.url,
          '/v1beta/models/gemini-2.0-flash:generateContent',
          { contents: [{ parts: [{ text: 'hi' }] }], generationConfig },
          headers,
        )
      ).status,
    ).toBe(200)
    const long = { contents: [{ parts: [{ text: 'word '.repeat(250) }] }] }
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(long),
    })
    expect(refused.status).toBe(429)
    const body = (await refused.json()) as {
      error: { code: number; status: string; message: string; details: Array<Record<string, unknown>> }
    }
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' })
    expect(body.error.message).toMatch(/Quota exceeded for metric: \S+input_token_count, limit: 200, model: gemini-2\.0-flash/)
    expect(body.error.details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count',
            quotaId: 'GenerateContentPaidTierInputTokensPerModelPerMinute',
            quotaDimensions: { location: 'global', model: 'gemini-2.0-flash' },
            quotaValue: '200',
          },
        ],
      },
      expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.Help' }),
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: expect.stringMatching(/^\d+s$/) },
    ])
    const delay = parseInt((body.error.details[2] as { retryDelay: string }).retryDelay)
    expect(refused.headers.get('retry-after')).toBe(String(delay))

    // The same key in ?key=, through @google/genai: its ApiError carries the body.
    const ai = new GoogleGenAI({ apiKey: 'gemini-key', httpOptions: { baseUrl: server.url, headers: fast } })
    const error = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'word '.repeat(250) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 429 })
    expect((error as Error).message).toMatch(/RESOURCE_EXHAUSTED[\s\S]*RetryInfo/)
  })
})

describe('keys', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({ rpm: 1, windowMs: 60_000 })
  })

  it("each key has its own buckets, wherever its vendor's clients send it", async () => {
    const send = (headers: Record<string, string>) => post(server.url, '/v1/chat/completions', chat, headers).then((r) => r.status)
    expect(await send({ authorization: 'Bearer a' })).toBe(200)
    expect(await send({ authorization: 'Bearer a' })).toBe(429)
    expect(await send({ authorization: 'Bearer b' })).toBe(200)
    // Anthropic's x-api-key is the key; the same key on another vendor's route is the same bucket.
    const ask = { model: 'claude-x', max_tokens: 10, messages: hi }
    const anthropic = (key: string) => post(server.url, '/v1/messages', ask, { 'x-api-key': key }).then((r) => r.status)
    expect(await anthropic('c')).toBe(200)
    expect(await anthropic('c')).toBe(429)
    expect(await anthropic('b')).toBe(429)
    const gemini = (query: string) =>
      post(server.url, `/v1beta/models/gemini-2.0-flash:generateContent${query}`, { contents: [{ parts: [{ text: 'hi' }] }] }).then(
        (r) => r.status,
      )
    expect(await gemini('?key=d')).toBe(200)
    expect(await gemini('?key=d')).toBe(429)
  })

  it('requests without a key share one anonymous bucket', async () => {
    const send = () => post(server.url, '/v1/chat/completions', chat).then((r) => r.status)
    expect(await send()).toBe(200)
    expect(await send()).toBe(429)
    const anthropic = await post(server.url, '/v1/messages', { model: 'claude-x', max_tokens: 10, messages: hi })
    expect(anthropic.status).toBe(429)
    expect(((await anthropic.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error')
    // Other routes are not limited.
    expect((await fetch(`${server.url}/stream?text=hi&delay=0&ttft=0`).then((r) => r.text())).length).toBeGreaterThan(0)
  })
})

describe('the CLI', () => {
  it.each([
    ['rpm=0', /^tokensim: --rate-limit rpm must be a whole number from 1 to 1000000000; got "0"$/],
    ['rpm=60,qps=3', /^tokensim: --rate-limit unknown limit "qps"/],
    ['window=1s', /^tokensim: --rate-limit give rpm=N, tpm=N or both/],
  ])('--rate-limit %s is a start-up error', { timeout: 40_000 }, async (value, message) => {
    expect(await failureLine(runCli(['--port', '0', '--rate-limit', value]))).toMatch(message)
  })

  it('with --workers 2 a key gets its limit once for the whole server, not once per worker', { timeout: 60_000 }, async () => {
    const { url } = await startCli(['--workers', '2', '--rate-limit', 'rpm=3', '--delay', '0', '--ttft', '0'], 40_000)
    // A new connection each (fetch would keep one alive): the primary deals connections to the workers in turn.
    const answers = []
    for (let i = 0; i < 8; i++)
      answers.push(await postOnNewConnection(url, '/v1/chat/completions', chat, { authorization: 'Bearer shared' }))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429, 429, 429, 429])
    // The headers agree, whichever worker answered.
    expect(answers.map((a) => a.headers['x-ratelimit-remaining-requests'])).toEqual(['2', '1', '0', '0', '0', '0', '0', '0'])
  })
})
