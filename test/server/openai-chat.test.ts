/** POST /v1/chat/completions through the official openai SDK and the AI SDK's OpenAI chat model, against the real server. */
import { createOpenAI } from '@ai-sdk/openai'
import { streamText } from 'ai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { countTokens } from '../../src/core/tokens.js'
import { BAD_KNOBS, REASONING, TEST_SCENARIOS } from '../helpers/scenarios.js'
import { expectPreflight } from '../helpers/cors.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { expectWeatherToolCall } from '../helpers/ai-sdk.js'

let server: RunningServer
let client: OpenAI
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const ask = (content: string) => [{ role: 'user' as const, content }]

beforeAll(async () => {
  server = await startServer({ scenarios: TEST_SCENARIOS })
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any-key', defaultHeaders: fast, maxRetries: 0 })
})
afterAll(() => server.close())

describe('POST /v1/chat/completions with the openai SDK', () => {
  it.each(['greeting', 'markdown', 'multilingual', 'code'])('streams exactly the non-streamed text of "%s"', async (reply) => {
    const headers = { 'x-tokensim-reply': reply }
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: ask('hello') }, { headers })
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: ask('hello'), stream: true }, { headers })
    let text = ''
    let finish: string | null = null
    let chunks = 0
    const ids = new Set<string>()
    for await (const chunk of stream) {
      chunks++
      ids.add(chunk.id)
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    const expected = BUILTIN_REPLIES.find((r) => r.name === reply)!.text
    expect(whole.choices[0]?.message.content).toBe(expected)
    expect(text).toBe(expected)
    expect(finish).toBe('stop')
    expect(ids.size).toBe(1) // one id for every chunk of a stream
    expect(chunks).toBe(split(expected, 'token').length + 2) // a chunk per token (the default unit), the role and the finish
    expect(whole.usage).toMatchObject({ prompt_tokens: countTokens('hello'), completion_tokens: countTokens(expected) })
  })

  it('sends the usage chunk with empty choices when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'system', content: 'Be brief.' }, ...ask('hi')],
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    const expectedOutput = countTokens(BUILTIN_REPLIES[0]!.text)
    expect(last.usage).toMatchObject({
      prompt_tokens: countTokens('Be brief.') + countTokens('hi'),
      completion_tokens: expectedOutput,
      total_tokens: countTokens('Be brief.hi') + expectedOutput,
    })
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true)
  })

  it('is accepted by the stricter chat.completions.stream() helper', async () => {
    const final = await client.chat.completions.stream({ model: 'tokensim-fast', messages: ask('hi') }).finalChatCompletion()
    expect(final.choices[0]?.message.content).toBe(BUILTIN_REPLIES[0]!.text)
    expect(final.choices[0]?.finish_reason).toBe('stop')
  })

  it('streams tool calls that the SDK reassembles and parses', async () => {
    const runner = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: ask("What's the weather in Paris?"),
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      ],
    })
    const final = await runner.finalChatCompletion()
    const message = final.choices[0]!.message
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
    expect(message.content).toBe('Let me look that up.')
    expect(message.tool_calls).toHaveLength(1)
    const call = message.tool_calls![0]!
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/)
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', unit: 'celsius' })
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: ask('weather?') })
    expect(whole.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } })
  })

  it('counts a reasoning phase in the usage without streaming it', async () => {
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: ask('think hard') })
    expect(whole.choices[0]?.message.content).toBe('Done thinking.')
    expect(whole.usage?.completion_tokens_details?.reasoning_tokens).toBe(countTokens(REASONING))
  })

  it('stops at max_completion_tokens (or max_tokens) with finish_reason length, streamed and not', async () => {
    const long = { headers: { 'x-tokensim-reply': 'long' } }
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: ask('hi'), max_completion_tokens: 25 }, long)
    expect(whole.choices[0]?.finish_reason).toBe('length')
    expect(whole.usage?.completion_tokens).toBeLessThanOrEqual(25)
    expect(whole.usage?.completion_tokens).toBeGreaterThan(15)
    const text = whole.choices[0]!.message.content!
    expect(BUILTIN_REPLIES.find((r) => r.name === 'long')!.text.startsWith(text)).toBe(true)
    const final = await client.chat.completions.stream({ model: 'gpt-4o', messages: ask('hi'), max_tokens: 25 }, long).finalChatCompletion()
    expect(final.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: text } })
  })

  it('repeats the user message with the echo reply', async () => {
    const whole = await client.chat.completions.create(
      { model: 'gpt-4o', messages: ask('Say this back: 🦜 ok') },
      { headers: { 'x-tokensim-reply': 'echo' } },
    )
    expect(whole.choices[0]?.message.content).toBe('Say this back: 🦜 ok')
  })

  it("surfaces a bad body as the SDK's typed 400 error in the OpenAI shape", async () => {
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' })
    const wrongType = await client.chat.completions.create({ model: 42 as unknown as string, messages: ask('x') }).catch((e: unknown) => e)
    expect(wrongType).toMatchObject({ status: 400, param: 'model' })
  })

  it('answers invalid JSON and bad knob headers with a 400 in the OpenAI shape', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
    const invalid = await post('{"model":')
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: null, message: expect.stringMatching(/not valid JSON/) },
    })
    const good = '{"model":"m","messages":[{"role":"user","content":"x"}]}'
    for (const [name, value] of BAD_KNOBS) {
      const response = await post(good, { [name]: value })
      expect(response.status, name).toBe(400)
      expect((await response.json()) as unknown, name).toMatchObject({ error: { param: name, message: expect.stringContaining(name) } })
    }
  })
})

describe('POST /v1/chat/completions with the AI SDK', () => {
  const provider = () => createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any-key', headers: fast })

  it('streamText over the chat model gives the text, the finish reason and the usage', async () => {
    const result = streamText({ model: provider().chat('tokensim-instant'), prompt: 'hello' })
    expect(await result.text).toBe(BUILTIN_REPLIES[0]!.text)
    expect(await result.finishReason).toBe('stop')
    expect((await result.usage).outputTokens).toBe(countTokens(BUILTIN_REPLIES[0]!.text))
  })

  it('streamText parses a tool call', async () => {
    await expectWeatherToolCall(provider().chat('gpt-4o'))
  })
})

describe('GET /v1/models', () => {
  it('lists one tokensim model per latency profile, which the SDK pages through', async () => {
    const ids: string[] = []
    for await (const model of client.models.list()) ids.push(model.id)
    expect(ids).toEqual(['tokensim-instant', 'tokensim-fast', 'tokensim-typical', 'tokensim-slow', 'tokensim-reasoning', 'tokensim-flaky'])
  })
})

describe('CORS', () => {
  it('answers a browser preflight from a dev server for the headers the SDKs send', async () => {
    const requested = 'authorization, content-type, x-api-key, anthropic-version, last-event-id, x-tokensim-delay, x-stainless-os'
    await expectPreflight(`${server.url}/v1/chat/completions`, 'POST', requested.split(', '))
  })
})
