/** POST /v1beta/models/{model}:streamGenerateContent and :generateContent through the official @google/genai SDK, against the real server. */
import { ApiError, GoogleGenAI, Type } from '@google/genai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { countTokens } from '../../src/core/tokens.js'
import { readSse } from '../helpers/sse.js'
import { BAD_KNOBS, REASONING, TEST_SCENARIOS } from '../helpers/scenarios.js'
import { expectPreflight } from '../helpers/cors.js'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
let ai: GoogleGenAI
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const model = 'gemini-2.5-flash'
const weatherTool = {
  functionDeclarations: [{ name: 'get_weather', parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } } } }],
}

beforeAll(async () => {
  server = await startServer({ scenarios: TEST_SCENARIOS })
  ai = new GoogleGenAI({ apiKey: 'any-key', httpOptions: { baseUrl: server.url, headers: fast } })
})
afterAll(() => server.close())

/** The SDK's error, its status and the Google-shaped body it carries as its message. */
async function apiError(
  promise: Promise<unknown>,
): Promise<{ status: number; body: { error: { code: number; message: string; status: string } } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApiError)
  const { status, message } = error as ApiError
  return { status, body: JSON.parse(message) as { error: { code: number; message: string; status: string } } }
}

describe('POST /v1beta/models/{model}:streamGenerateContent with @google/genai', () => {
  it.each(['greeting', 'markdown', 'multilingual', 'code'])('streams exactly the non-streamed text of "%s"', async (reply) => {
    const config = { httpOptions: { headers: { ...fast, 'x-tokensim-reply': reply } } }
    const whole = await ai.models.generateContent({ model, contents: 'hello', config })
    const stream = await ai.models.generateContentStream({ model, contents: 'hello', config })
    let text = ''
    const finishes: (string | undefined)[] = []
    const ids = new Set<string | undefined>()
    let last
    for await (const chunk of stream) {
      text += chunk.text ?? ''
      finishes.push(chunk.candidates?.[0]?.finishReason)
      ids.add(chunk.responseId)
      last = chunk
    }
    const expected = BUILTIN_REPLIES.find((r) => r.name === reply)!.text
    expect(whole.text).toBe(expected)
    expect(text).toBe(expected)
    expect(finishes).toHaveLength(split(expected, 'token').length) // a chunk per token (the default unit), the last one finishing
    expect(finishes.at(-1)).toBe('STOP')
    expect(finishes.slice(0, -1).every((f) => f === undefined)).toBe(true)
    expect(ids.size).toBe(1)
    expect(whole.candidates?.[0]?.finishReason).toBe('STOP')
    expect(whole.modelVersion).toBe(model)
    const usage = {
      promptTokenCount: countTokens('hello'),
      candidatesTokenCount: countTokens(expected),
      totalTokenCount: countTokens('hello') + countTokens(expected),
    }
    expect(whole.usageMetadata).toMatchObject(usage)
    expect(last?.usageMetadata).toMatchObject(usage)
    expect(whole.usageMetadata?.thoughtsTokenCount).toBeUndefined()
  })

  it('counts the system instruction and every turn in promptTokenCount', async () => {
    const contents = [
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello!' }] },
      { role: 'user', parts: [{ text: 'How are you?' }, { text: ' Tell me.' }] },
    ]
    const whole = await ai.models.generateContent({ model, contents, config: { systemInstruction: 'Be brief.' } })
    const input = ['Be brief.', 'Hi', 'Hello!', 'How are you? Tell me.'].reduce((sum, t) => sum + countTokens(t), 0)
    expect(whole.usageMetadata?.promptTokenCount).toBe(input)
    expect(whole.usageMetadata?.totalTokenCount).toBe(input + countTokens(BUILTIN_REPLIES[0]!.text))
  })

  it('is accepted by the stricter chat helper, which keeps the streamed turn in its history only if every chunk is valid and it finished', async () => {
    const chat = ai.chats.create({ model: 'tokensim-instant' })
    let text = ''
    for await (const chunk of await chat.sendMessageStream({ message: 'hello' })) text += chunk.text ?? ''
    expect(text).toBe(BUILTIN_REPLIES[0]!.text)
    const history = chat.getHistory(true)
    expect(history[0]).toEqual({ role: 'user', parts: [{ text: 'hello' }] })
    expect(history.slice(1).every((c) => c.role === 'model')).toBe(true)
    expect(
      history
        .slice(1)
        .flatMap((c) => c.parts!.map((p) => p.text))
        .join(''),
    ).toBe(BUILTIN_REPLIES[0]!.text)
    const second = await chat.sendMessage({ message: 'and again' }) // the history goes back as contents, model turns included
    expect(second.text).toBe(BUILTIN_REPLIES[0]!.text)
  })

  it('returns tool calls as functionCall parts that the SDK collects in functionCalls', async () => {
    const config = { tools: [weatherTool] }
    const whole = await ai.models.generateContent({ model, contents: "What's the weather in Paris?", config })
    expect(whole.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }])
    expect(whole.candidates?.[0]?.finishReason).toBe('STOP')
    expect(whole.candidates?.[0]?.content?.parts?.[0]?.text).toBe('Let me look that up.')

    let text = ''
    const calls = []
    for await (const chunk of await ai.models.generateContentStream({ model, contents: 'weather?', config })) {
      text += chunk.candidates?.[0]?.content?.parts?.[0]?.text ?? ''
      calls.push(...(chunk.functionCalls ?? []))
    }
    expect(text).toBe('Let me look that up.')
    expect(calls).toEqual([{ name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }])
  })

  it('streams the reasoning as thought parts with includeThoughts, and only counts it without', async () => {
    const thoughts = countTokens(REASONING)
    const config = { thinkingConfig: { includeThoughts: true } }
    let thought = ''
    let text = ''
    for await (const chunk of await ai.models.generateContentStream({ model, contents: 'think hard', config })) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (part.thought === true) thought += part.text ?? ''
        else text += part.text ?? ''
      }
    }
    expect(thought).toBe(REASONING)
    expect(text).toBe('Done thinking.')

    const whole = await ai.models.generateContent({ model, contents: 'think hard', config })
    expect(whole.candidates?.[0]?.content?.parts).toEqual([{ text: REASONING, thought: true }, { text: 'Done thinking.' }])
    expect(whole.text).toBe('Done thinking.') // the SDK's .text leaves thoughts out
    expect(whole.usageMetadata).toMatchObject({ candidatesTokenCount: countTokens('Done thinking.'), thoughtsTokenCount: thoughts })

    const hidden = await ai.models.generateContent({ model, contents: 'think hard' })
    expect(hidden.candidates?.[0]?.content?.parts).toEqual([{ text: 'Done thinking.' }])
    expect(hidden.usageMetadata?.thoughtsTokenCount).toBe(thoughts)
    expect(hidden.usageMetadata?.totalTokenCount).toBe(countTokens('think hard') + thoughts + countTokens('Done thinking.'))
  })

  it('streams on the latency model: nothing before the ttft', async () => {
    const started = Date.now()
    const stream = await ai.models.generateContentStream({
      model,
      contents: 'hi',
      config: { httpOptions: { headers: { 'x-tokensim-ttft': '300', 'x-tokensim-delay': '0' } } },
    })
    for await (const chunk of stream) {
      expect(chunk.text).toBeDefined()
      break
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })
})

describe('generationConfig.maxOutputTokens', () => {
  it('stops there with finishReason MAX_TOKENS, streamed and not', async () => {
    const config = { maxOutputTokens: 20, httpOptions: { headers: { ...fast, 'x-tokensim-reply': 'long' } } }
    const whole = await ai.models.generateContent({ model, contents: 'hi', config })
    expect(whole.candidates?.[0]?.finishReason).toBe('MAX_TOKENS')
    expect(whole.usageMetadata?.candidatesTokenCount).toBeLessThanOrEqual(20)
    const text = whole.text ?? ''
    expect(text.length).toBeGreaterThan(0)
    expect(BUILTIN_REPLIES.find((r) => r.name === 'long')!.text.startsWith(text)).toBe(true)
    let streamed = ''
    let finish: string | undefined
    for await (const chunk of await ai.models.generateContentStream({ model, contents: 'hi', config })) {
      streamed += chunk.text ?? ''
      finish = chunk.candidates?.[0]?.finishReason ?? finish
    }
    expect([streamed, finish]).toEqual([text, 'MAX_TOKENS'])
  })

  it('is served under /v1 as well, which @google/genai 3 calls by default', async () => {
    const response = await fetch(`${server.url}/v1/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...fast },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] }
    expect(body.candidates[0]?.content.parts[0]?.text).toBe(BUILTIN_REPLIES[0]!.text)
  })
})

describe('the raw wire', () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...fast, 'x-tokensim-reply': 'echo', ...headers },
    })
  const hi = JSON.stringify({ contents: [{ parts: [{ text: 'Hi there' }] }] })

  it('sends alt=sse as plain data events that eventsource-parser reads', async () => {
    const response = await post(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, hi)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const { events } = await readSse(response)
    expect(events.every((e) => e.event === undefined && e.id === undefined)).toBe(true)
    const chunks = events.map((e) => JSON.parse(e.data) as { candidates: { content: { parts: { text: string }[] } }[] })
    expect(chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join('')).toBe('Hi there')
  })

  it('streams a JSON array without alt=sse, as the API does', async () => {
    const response = await post(`/v1beta/models/${model}:streamGenerateContent`, hi)
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8')
    const chunks = JSON.parse(await response.text()) as {
      candidates: { content: { parts: { text: string }[] }; finishReason?: string }[]
    }[]
    expect(chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join('')).toBe('Hi there')
    expect(chunks.at(-1)!.candidates[0]!.finishReason).toBe('STOP')
  })
})

describe("errors in Google's shape", () => {
  it("surfaces a bad body as the SDK's ApiError with status 400 and INVALID_ARGUMENT", async () => {
    const wrongRole = await apiError(ai.models.generateContent({ model, contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }))
    expect(wrongRole).toEqual({
      status: 400,
      body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'contents.0.role: must be "user" or "model"' } },
    })
    const wrongType = await apiError(
      ai.models.generateContentStream({ model, contents: [{ role: 'user', parts: [{ text: 42 as unknown as string }] }] }),
    )
    expect(wrongType.status).toBe(400)
    expect(wrongType.body.error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^contents\.0\.parts\.0\.text: /),
    })
  })

  it('answers invalid JSON and a missing field with a 400', async () => {
    const post = (body: string) =>
      fetch(`${server.url}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      })
    const invalid = await post('{"contents":')
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({
      error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/not valid JSON/) },
    })
    const missing = await post('{}')
    expect(missing.status).toBe(400)
    expect(await missing.json()).toEqual({
      error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/^contents: must be a list of Content objects/) },
    })
  })

  it('answers a bad x-tokensim-* header with a 400 naming it once', async () => {
    for (const [name, value] of BAD_KNOBS) {
      const { status, body } = await apiError(
        ai.models.generateContent({ model, contents: 'hi', config: { httpOptions: { headers: { [name]: value } } } }),
      )
      expect(status, name).toBe(400)
      expect(body.error.status, name).toBe('INVALID_ARGUMENT')
      expect(body.error.message.startsWith(`${name}: `), body.error.message).toBe(true)
      expect(body.error.message.indexOf(name, 1), body.error.message).toBe(-1)
    }
  })

  it('answers an action it does not serve, and other /v1beta paths, with a 404 NOT_FOUND', async () => {
    const embedded = await apiError(ai.models.embedContent({ model, contents: 'hi' })) // POST ...:batchEmbedContents
    expect(embedded).toMatchObject({ status: 404, body: { error: { code: 404, status: 'NOT_FOUND' } } })
    for (const path of [`/v1beta/models/${model}:fooBar`, `/v1beta/models/${model}`, '/v1beta/models']) {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', body: '{}' })
      expect(response.status, path).toBe(404)
      expect(await response.json(), path).toMatchObject({ error: { code: 404, status: 'NOT_FOUND', message: expect.any(String) } })
    }
    const alt = await fetch(`${server.url}/v1beta/models/${model}:streamGenerateContent?alt=proto`, { method: 'POST', body: '{}' })
    expect(alt.status).toBe(400)
    expect(await alt.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/^alt: /) } })
  })
})

describe('CORS', () => {
  it('answers a browser preflight for the headers @google/genai sends', async () => {
    const requested = 'content-type, x-goog-api-client, x-goog-api-key, x-tokensim-delay'
    await expectPreflight(`${server.url}/v1beta/models/${model}:streamGenerateContent?alt=sse`, 'POST', requested.split(', '))
  })
})
