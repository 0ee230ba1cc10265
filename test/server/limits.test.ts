/**
 * The server's limits against the real server: a body over --max-body is a 413 in each route's vendor shape
 * (through the official SDKs where they send it), and streams beyond --max-streams-per-client or
 * --max-streams are a 429 or a 503 with retry-after, answered at once, whose count comes back when the
 * streams end, are cancelled or their clients go away.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, LIMITS } from '../../src/app/app.js'
import { MAX_BODY_BYTES } from '../../src/app/limits.js'
import { readSse, until } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
/** 5 MiB of text: over the 4 MiB default. */
const HUGE = 'x'.repeat(5 * 1024 * 1024)
const LIMIT_MESSAGE = /exceeds the limit: 4194304 bytes.*--max-body/

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

describe('--max-body: a 5 MiB body is a 413 in the route shape', () => {
  it('is 4 MiB by default', () => expect(MAX_BODY_BYTES).toBe(4 * 1024 * 1024))

  it('openai: an APIError with status 413 and code request_too_large (chat and responses)', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const chat = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: HUGE }] })
      .catch((e: unknown) => e)
    expect(chat).toBeInstanceOf(OpenAI.APIError)
    expect(chat).toMatchObject({ status: 413, code: 'request_too_large', type: 'invalid_request_error' })
    expect((chat as Error).message).toMatch(LIMIT_MESSAGE)
    const responses = await client.responses.create({ model: 'gpt-4o', input: HUGE }).catch((e: unknown) => e)
    expect(responses).toMatchObject({ status: 413, code: 'request_too_large' })
  })

  it('anthropic: an APIError with status 413 and type request_too_large', async () => {
    const client = new Anthropic({ baseURL: server.url, apiKey: 'any', maxRetries: 0 })
    const error = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: HUGE }] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect(error).toMatchObject({ status: 413, error: { type: 'error', error: { type: 'request_too_large' } } })
    expect((error as Error).message).toMatch(LIMIT_MESSAGE)
  })

  it('gemini: an ApiError with status 413 and INVALID_ARGUMENT', async () => {
    const ai = new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: server.url } })
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: HUGE }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 413 })
    expect((error as Error).message).toMatch(/INVALID_ARGUMENT/)
    expect((error as Error).message).toMatch(LIMIT_MESSAGE)
  })

  it('the AI SDK route and any other path: the native shape', async () => {
    for (const path of ['/api/chat', '/nowhere']) {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', body: HUGE })
      expect(response.status, path).toBe(413)
      expect(await response.json(), path).toMatchObject({ error: { code: 'request_too_large', type: 'invalid_request_error' } })
    }
  })

  it('counts a chunked body that declares no length', async () => {
    const app = createApp({ maxBodyBytes: 1000 })
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(600)))
        controller.close()
      },
    })
    const response = await app.request('/v1/messages', { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
  })

  it('a body within the limit is answered as before', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
    // Words, not one 1 MiB run of a letter (which the BPE tokenizer that counts usage takes quadratic time on).
    const text = 'the quick brown fox jumps over the lazy dog '.repeat(20_000)
    const answer = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] })
    expect(answer.choices[0]?.message.content).toBeTruthy()
  })
})

/** Opens a stream that plays for a long time, and returns once its head arrived. */
async function openStream(url: string): Promise<{ response: Response; close: () => void }> {
  const controller = new AbortController()
  const response = await fetch(`${url}/stream?text=held%20open&unit=word&delay=60000&ttft=0`, { signal: controller.signal })
  return { response, close: () => controller.abort() }
}

describe('--max-streams-per-client and --max-streams', () => {
  it('the per-client cap is a 429 with retry-after: 1 in the route shape, and is released when streams close', async () => {
    const capped = await startServer({ maxStreamsPerClient: 3 })
    try {
      for (let round = 0; round < 2; round++) {
        const open = await Promise.all(Array.from({ length: 3 }, () => openStream(capped.url)))
        expect(open.map((s) => s.response.status)).toEqual([200, 200, 200])
        const refused = await fetch(`${capped.url}/stream?reply=long`)
        expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '1'])
        expect(await refused.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', message: /--max-streams-per-client/ } })
        // The vendor routes refuse in their own shape; the SDK's RateLimitError (no retries here).
        const anthropic = new Anthropic({ baseURL: capped.url, apiKey: 'any', maxRetries: 0 })
        const error = await anthropic.messages
          .create({ model: 'x', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(Anthropic.RateLimitError)
        // A request that does not stream is not capped.
        const whole = await anthropic.messages.create(
          { model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
          { headers: fast },
        )
        expect(whole.type).toBe('message')
        for (const stream of open) stream.close()
        await until(() => capped.server.registry.size === 0, 'every stream released')
      }
    } finally {
      await capped.close()
    }
  })

  it('a stream that ends, and a client whose socket goes away, release their count', async () => {
    const capped = await startServer({ maxStreamsPerClient: 1 })
    try {
      // Ends on its own.
      const done = await fetch(`${capped.url}/stream?text=hi&delay=0&ttft=0`)
      await readSse(done)
      await until(() => capped.server.registry.size === 0, 'the ended stream released')
      // A raw socket destroyed mid-stream.
      const port = new URL(capped.url).port
      const socket = connect(Number(port), '127.0.0.1')
      socket.write(`GET /stream?text=held%20open&unit=word&delay=60000 HTTP/1.1\r\nhost: x\r\n\r\n`)
      await until(() => capped.server.registry.size === 1, 'the raw stream open')
      expect((await fetch(`${capped.url}/stream?text=hi`)).status).toBe(429)
      socket.destroy()
      await until(() => capped.server.registry.size === 0, 'the raw stream released')
      const again = await fetch(`${capped.url}/stream?text=hi&delay=0&ttft=0`)
      expect(again.status).toBe(200)
      await readSse(again)
    } finally {
      await capped.close()
    }
  })

  it('the total cap is a 503 with retry-after: 1, in the vendor shape', async () => {
    const capped = await startServer({ maxStreams: 2 })
    try {
      const open = await Promise.all([openStream(capped.url), openStream(capped.url)])
      const native = await fetch(`${capped.url}/stream`)
      expect([native.status, native.headers.get('retry-after')]).toEqual([503, '1'])
      expect(await native.json()).toMatchObject({ error: { code: 'server_busy', type: 'server_error', message: /--max-streams/ } })
      const gemini = await fetch(`${capped.url}/v1beta/models/g:streamGenerateContent?alt=sse`, {
        method: 'POST',
        body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
      })
      expect([gemini.status, gemini.headers.get('retry-after')]).toEqual([503, '1'])
      expect(await gemini.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } })
      for (const stream of open) stream.close()
      await until(() => capped.server.registry.size === 0, 'every stream released')
      expect((await openStream(capped.url)).response.status).toBe(200)
    } finally {
      await capped.close()
    }
  })

  it('without a client address (app.request, other runtimes) only the total applies', async () => {
    const app = createApp({ maxStreamsPerClient: 1, maxStreams: 2 })
    const a = await app.request('/stream?text=held%20open&unit=word&delay=60000')
    const b = await app.request('/stream?text=held%20open&unit=word&delay=60000')
    const c = await app.request('/stream?text=held%20open&unit=word&delay=60000')
    expect([a.status, b.status, c.status]).toEqual([200, 200, 503])
    await a.body?.cancel()
    await b.body?.cancel()
    expect((await app.request('/stream?text=hi')).status).toBe(200)
  })
})

describe('--max-units and --max-duration: a stream too big is a 400 before its first byte, in the route shape', () => {
  let small: RunningServer
  beforeAll(async () => {
    small = await startServer({ limits: { maxUnits: 50, maxDuration: 10_000 } })
  })
  afterAll(() => small.close())
  const UNITS = /more than 50 (char|word|token) units \(at least \d+\).*--max-units/
  const DURATION = /would play for [\d.]+ s, longer than the limit of 10 s.*--max-duration/

  it('are 100,000 units and an hour by default', () => {
    expect(LIMITS).toMatchObject({ maxUnits: 100_000, maxDuration: 3_600_000 })
  })

  it('GET /stream: a text or a reply with too many units, naming the parameter; the same at the limit streams', async () => {
    for (const [query, param] of [
      [`text=${'x'.repeat(51)}`, 'text'],
      ['reply=code&unit=char', 'reply'],
      ['reply=code&unit=word', 'reply'],
    ] as const) {
      const response = await fetch(`${small.url}/stream?${query}&delay=0&ttft=0`)
      expect(response.status, query).toBe(400)
      const body = (await response.json()) as { error: { message: string; param: string } }
      expect(body.error.param, query).toBe(param)
      expect(body.error.message, query).toMatch(UNITS)
    }
    const response = await fetch(`${small.url}/stream?text=${'x'.repeat(50)}&delay=0&ttft=0`)
    expect(response.status).toBe(200)
    expect((await readSse(response)).text).toBe('x'.repeat(50))
  })

  it('GET /stream: a schedule or stalls longer than the limit, and a stream just within it plays', async () => {
    for (const [query, param] of [
      ['text=abcdef&delay=3000&ttft=0', 'delay'],
      ['text=ab&delay=0&ttft=0&fault=stall-after:0:6000,stall-after:1:6000', 'fault'],
    ] as const) {
      const response = await fetch(`${small.url}/stream?${query}`)
      expect(response.status, query).toBe(400)
      const { error } = (await response.json()) as { error: { message: string; param: string } }
      expect(error.message, query).toMatch(DURATION)
      expect(error.param, query).toBe(param)
    }
    const response = await fetch(`${small.url}/stream?text=ab&delay=0&ttft=0&fault=stall-after:0:10`)
    expect(response.status).toBe(200)
    await response.body?.cancel()
  })

  it('the vendor routes: an answer with too many units, or too long, in each SDK error type', async () => {
    const openai = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const long = { ...fast, 'x-tokensim-reply': 'code' }
    const chat = await openai.chat.completions
      .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { headers: long })
      .catch((e: unknown) => e)
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError)
    expect((chat as Error).message).toMatch(UNITS)
    const slow = { 'x-tokensim-delay': '5000', 'x-tokensim-ttft': '0', 'x-tokensim-reply': 'greeting' }
    const responses = await openai.responses
      .create({ model: 'gpt-4o', input: 'hi', stream: true }, { headers: slow })
      .catch((e: unknown) => e)
    expect(responses).toBeInstanceOf(OpenAI.BadRequestError)
    expect((responses as Error).message).toMatch(DURATION)
    // The same answer truncated after its second unit (due at 5 s) is within the limit, as on /stream.
    const truncated = await openai.chat.completions.create(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { ...slow, 'x-tokensim-fault': 'truncate-after:1' } },
    )
    const controller = truncated.controller
    for await (const chunk of truncated) if (chunk.choices[0]?.delta.content) break
    controller.abort()

    const anthropic = new Anthropic({ baseURL: small.url, apiKey: 'any', maxRetries: 0 })
    const message = await anthropic.messages
      .create(
        { model: 'claude-sonnet-4-5', max_tokens: 10_000, stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { headers: long },
      )
      .catch((e: unknown) => e)
    expect(message).toBeInstanceOf(Anthropic.BadRequestError)
    expect((message as Error).message).toMatch(UNITS)

    const ai = new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: small.url, headers: slow } })
    const gemini = await (async () => {
      for await (const _ of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' })) void _
    })().catch((e: unknown) => e)
    expect(gemini).toMatchObject({ status: 400 })
    expect((gemini as Error).message).toMatch(DURATION)

    // Echo of the user's own text, counted in all the answer's parts; and the AI SDK route in the native shape.
    const echo = await fetch(`${small.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...fast, 'x-tokensim-reply': 'echo', 'x-tokensim-unit': 'char' },
      body: JSON.stringify({ id: 'c', messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'y'.repeat(60) }] }] }),
    })
    expect(echo.status).toBe(400)
    expect(((await echo.json()) as { error: { message: string } }).error.message).toMatch(UNITS)
  })

  it('an answer that is not streamed has no duration to limit', async () => {
    const openai = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const slow = { 'x-tokensim-delay': '5000', 'x-tokensim-ttft': '0', 'x-tokensim-reply': 'greeting', 'x-tokensim-unit': 'word' }
    const completion = await openai.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { headers: slow },
    )
    expect(completion.choices[0]?.message.content).toMatch(/^Hi there!/)
  })
})
