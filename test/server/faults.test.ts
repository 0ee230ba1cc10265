/**
 * Faults through the official SDKs against the real server: injected statuses in each vendor's shape and the
 * SDKs' own retries, mid-stream errors in each vendor's in-stream form, stalls, slow headers and truncation.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { DefaultChatTransport, readUIMessageStream } from 'ai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseFaults } from '../../src/core/faults.js'
import { createRandom } from '../../src/core/random.js'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { EventSource } from 'eventsource'
import { chunks, readSse, until } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const greeting = BUILTIN_REPLIES[0]!.text
const tokens = split(greeting, 'token')
const ask = [{ role: 'user' as const, content: 'hi' }]

/** A fetch that counts the requests an SDK makes. */
function countingFetch(): { fetch: typeof fetch; count: () => number } {
  let count = 0
  return { fetch: (input, init) => (count++, fetch(input, init)), count: () => count }
}

const openai = (headers: Record<string, string>, options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', defaultHeaders: { ...fast, ...headers }, maxRetries: 0, ...options })

beforeAll(async () => {
  server = await startServer({
    scenarios: [{ name: 'flaky', match: { contains: 'flaky' }, answers: [{ reply: 'greeting', fault: 'error-after:1' }] }],
  })
})
afterAll(() => server.close())

describe('status faults', () => {
  it("a 429 is the openai SDK's RateLimitError, with retry-after and the rate-limit headers, after its retries", async () => {
    const counter = countingFetch()
    const client = openai({ 'x-tokensim-fault': 'status:429:0' }, { maxRetries: 2, fetch: counter.fetch })
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: ask }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' })
    expect(counter.count()).toBe(3) // the first try and its two retries
    const headers = (error as InstanceType<typeof OpenAI.RateLimitError>).headers
    expect(headers.get('retry-after')).toBe('0')
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0')
  })

  it.each([
    [500, OpenAI.InternalServerError, 'server_error'],
    [503, OpenAI.InternalServerError, 'server_error'],
    [401, OpenAI.AuthenticationError, 'invalid_request_error'],
  ])("a %i is the openai SDK's typed error", async (status, type, errorType) => {
    const error = await openai({ 'x-tokensim-fault': `status:${status}` })
      .chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(type)
    expect(error).toMatchObject({ status, type: errorType })
  })

  it('Anthropic 529 is overloaded_error, and the SDK retries it', async () => {
    const counter = countingFetch()
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: 'any',
      defaultHeaders: { ...fast, 'x-tokensim-fault': 'status:529:0' },
      maxRetries: 1,
      fetch: counter.fetch,
    })
    const error = await client.messages.create({ model: 'claude-x', max_tokens: 100, messages: ask }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.InternalServerError)
    expect(error).toMatchObject({ status: 529, error: { type: 'error', error: { type: 'overloaded_error' } } })
    expect(counter.count()).toBe(2)
  })

  it("Gemini 429 is RESOURCE_EXHAUSTED in the SDK's ApiError", async () => {
    const ai = new GoogleGenAI({
      apiKey: 'any',
      httpOptions: { baseUrl: server.url, headers: { ...fast, 'x-tokensim-fault': 'status:429' } },
    })
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 429 })
    expect((error as Error).message).toMatch(/RESOURCE_EXHAUSTED/)
  })

  it("the server-wide fault with a rate fails some requests by a seeded draw, and the SDK's retries then succeed", async () => {
    // A seed whose first two draws fall under the rate and the third does not: fail, fail, succeed.
    const rate = 0.5
    let seed = 0
    for (; ; seed++) {
      const random = createRandom(seed)
      if (random() < rate && random() < rate && random() >= rate) break
    }
    const flaky = await startServer({ faults: { faults: parseFaults('status:503:0', '--fault'), rate, seed } })
    try {
      const counter = countingFetch()
      const client = new OpenAI({ baseURL: `${flaky.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 2, fetch: counter.fetch })
      const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: ask })
      expect(whole.choices[0]?.message.content).toBe(greeting)
      expect(counter.count()).toBe(3)
    } finally {
      await flaky.close()
    }
  })

  it('a bad fault is a 400 naming the header', async () => {
    const error = await openai({ 'x-tokensim-fault': 'explode' })
      .chat.completions.create({ model: 'gpt-4o', messages: ask })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({ status: 400, param: 'x-tokensim-fault' })
  })
})

describe('mid-stream errors', () => {
  it('OpenAI chat: the SDK throws an APIError after units 0 to N', async () => {
    const stream = await openai({ 'x-tokensim-fault': 'error-after:3' }).chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      stream: true,
    })
    let text = ''
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toMatch(/injected error after unit 3/)
    expect(text).toBe(tokens.slice(0, 4).join(''))
  })

  it('OpenAI chat not streamed: an injected 500', async () => {
    const error = await openai({ 'x-tokensim-fault': 'error-after:3' })
      .chat.completions.create({ model: 'gpt-4o', messages: ask })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
  })

  it('OpenAI Responses: an error event, numbered after the events before it', async () => {
    const stream = await openai({ 'x-tokensim-fault': 'error-after:1' }).responses.create({ model: 'gpt-4o', input: 'hi', stream: true })
    const events: { type: string; sequence_number: number }[] = []
    // The same bytes, two SDK behaviours: openai 6 yields the `error` event, openai 7 throws it as an APIError.
    const thrown = await (async () => {
      for await (const event of stream) events.push(event)
    })().catch((e: unknown) => e)
    if (thrown === undefined) {
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'server_error', sequence_number: events.length - 1 })
    } else {
      expect(thrown).toBeInstanceOf(OpenAI.APIError)
      expect((thrown as Error).message).toMatch(/injected error after unit 1/)
    }
    expect(events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(2)
  })

  it('Anthropic: the SDK throws the overloaded_error event', async () => {
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: 'any',
      defaultHeaders: { ...fast, 'x-tokensim-fault': 'error-after:2' },
      maxRetries: 0,
    })
    const error = await client.messages
      .stream({ model: 'claude-x', max_tokens: 1000, messages: ask })
      .finalMessage()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect(error).toMatchObject({ error: { type: 'error', error: { type: 'overloaded_error' } } })
  })

  it('Gemini: the SDK throws the error chunk', async () => {
    const ai = new GoogleGenAI({
      apiKey: 'any',
      httpOptions: { baseUrl: server.url, headers: { ...fast, 'x-tokensim-fault': 'error-after:2' } },
    })
    let text = ''
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' }))
        text += chunk.text ?? ''
    })().catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/injected error after unit 2/)
    expect(text).toBe(tokens.slice(0, 3).join(''))
  })

  it('AI SDK UI: an error chunk, which the reader reports', async () => {
    const transport = new DefaultChatTransport({ api: `${server.url}/api/chat`, headers: { ...fast, 'x-tokensim-fault': 'error-after:2' } })
    const stream = await transport.sendMessages({
      chatId: 'faults',
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    })
    const errors: unknown[] = []
    for await (const message of readUIMessageStream({ stream, onError: (e) => errors.push(e) })) void message
    expect(errors.map((e) => String((e as Error).message ?? e))).toEqual([expect.stringMatching(/injected error after unit 2/)])
  })
})

describe('timing faults', () => {
  it('truncate-after ends normally with finish_reason length after unit N', async () => {
    const whole = await openai({ 'x-tokensim-fault': 'truncate-after:4' }).chat.completions.create({ model: 'gpt-4o', messages: ask })
    expect(whole.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: tokens.slice(0, 5).join('') } })
  })

  it('stall-after pauses the stream after unit N, slow-headers holds the headers (generous bounds)', async () => {
    const started = performance.now()
    const stream = await openai({ 'x-tokensim-fault': 'slow-headers:300,stall-after:2:400' }).chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      stream: true,
    })
    const headersAt = performance.now() - started
    const arrivals: number[] = []
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started)
    expect(headersAt).toBeGreaterThanOrEqual(290) // setTimeout never fires early
    expect(arrivals[3]! - arrivals[2]!).toBeGreaterThanOrEqual(300) // 400 ms after unit 2 was due; it may itself have come late
    expect(arrivals).toHaveLength(tokens.length)
  })
})

describe('GET /stream faults', () => {
  const url = (query: string) => `${server.url}/stream?text=abcdefgh&delay=0&ttft=0&${query}`

  it('error-after sends units 0 to N, then an error event, and a reconnect with Last-Event-ID gets the rest', async () => {
    const first = await readSse(await fetch(url('fault=error-after:2')))
    expect(first.tokens.map((t) => t.text).join('')).toBe('abc')
    expect(first.events.at(-1)).toMatchObject({ event: 'error' })
    expect(JSON.parse(first.events.at(-1)!.data)).toMatchObject({ code: 'injected_fault' })
    const rest = await readSse(await fetch(url('fault=error-after:2'), { headers: { 'last-event-id': '2' } }))
    expect(rest.text).toBe('defgh')
    expect(rest.done?.tokens).toBe(8)
  })

  it('drop-after: EventSource reconnects by itself and gets every unit exactly once', async () => {
    const source = new EventSource(url('fault=drop-after:3&chunk=2'))
    const texts: string[] = []
    let opened = 0
    let done = false
    source.addEventListener('open', () => opened++)
    source.addEventListener('token', (e) => texts.push((JSON.parse(e.data) as { text: string }).text))
    source.addEventListener('done', () => {
      done = true
      source.close()
    })
    try {
      await until(() => done, 'the stream to complete after its reconnect', 10_000)
    } finally {
      source.close()
    }
    expect(texts.join('')).toBe('abcdefgh')
    expect(opened).toBe(2)
  })

  it('the header works on /stream too, and a status fault answers in the OpenAI shape with retry-after', async () => {
    const response = await fetch(url(''), { headers: { 'x-tokensim-fault': 'status:429:3' } })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('3')
    expect(await response.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } })
    const truncated = await readSse(await fetch(url('fault=truncate-after:4')))
    expect([truncated.text, truncated.done?.tokens]).toEqual(['abcde', 5])
  })

  it('coalesce delivers the units in a few bursts, not one by one (generous bounds)', async () => {
    const response = await fetch(`${server.url}/stream?text=${'x'.repeat(50)}&delay=20&ttft=0&fault=coalesce:300`)
    const arrivals: number[] = []
    for await (const chunk of chunks(response.body!)) if (chunk.length > 0) arrivals.push(performance.now())
    // About 1 s of units, flushed every 150 to 450 ms: a handful of reads with long silences between them.
    const bursts = 1 + arrivals.slice(1).filter((at, i) => at - arrivals[i]! > 100).length
    expect(bursts).toBeGreaterThanOrEqual(2)
    expect(bursts).toBeLessThanOrEqual(10)
  })

  it('a bad fault is a 400 naming the parameter', async () => {
    const response = await fetch(url('fault=drop-after:x'))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { param: 'fault' } })
  })
})

describe("a scenario's faults", () => {
  it('apply to the requests the scenario matches', async () => {
    const stream = await openai({}).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'be flaky' }],
      stream: true,
    })
    const error = await (async () => {
      for await (const chunk of stream) void chunk
    })().catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/injected error after unit 1/)
  })
})
