/** POST /v1/messages through the official @anthropic-ai/sdk and the AI SDK's Anthropic provider, against the real server. */
import Anthropic, { type APIError } from '@anthropic-ai/sdk'
import { createAnthropic } from '@ai-sdk/anthropic'
import { streamText } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { countTokens } from '../../src/core/tokens.js'
import { BAD_KNOBS, REASONING, TEST_SCENARIOS } from '../helpers/scenarios.js'
import { expectPreflight } from '../helpers/cors.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { expectWeatherToolCall } from '../helpers/ai-sdk.js'

let server: RunningServer
let client: Anthropic
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const ask = (content: string) => [{ role: 'user' as const, content }]
const reply = (name: string) => BUILTIN_REPLIES.find((r) => r.name === name)!.text
const thinking = { type: 'enabled', budget_tokens: 1024 } as const

beforeAll(async () => {
  server = await startServer({ scenarios: TEST_SCENARIOS })
  client = new Anthropic({ baseURL: server.url, apiKey: 'any-key', defaultHeaders: fast, maxRetries: 0 })
})
afterAll(() => server.close())

describe('POST /v1/messages with @anthropic-ai/sdk', () => {
  it.each(['greeting', 'markdown', 'multilingual', 'code'])('streams exactly the non-streamed text of "%s"', async (name) => {
    const headers = { 'x-tokensim-reply': name }
    const params = { model: 'claude-sonnet-4-5', max_tokens: 8192, system: 'Be brief.', messages: ask('hello') }
    const whole = await client.messages.create(params, { headers })
    const stream = await client.messages.create({ ...params, stream: true }, { headers })
    let text = ''
    let stop: string | null = null
    let output = -1
    let id = ''
    for await (const event of stream) {
      if (event.type === 'message_start') id = event.message.id
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text
      if (event.type === 'message_delta') [stop, output] = [event.delta.stop_reason, event.usage.output_tokens]
    }
    expect(whole.content).toEqual([{ type: 'text', text: reply(name) }])
    expect(text).toBe(reply(name))
    expect(id).toMatch(/^msg_01[A-Za-z0-9]{22}$/)
    expect([whole.stop_reason, stop]).toEqual(['end_turn', 'end_turn'])
    expect(output).toBe(countTokens(reply(name)))
    expect(whole.usage).toMatchObject({
      input_tokens: countTokens('Be brief.') + countTokens('hello'),
      output_tokens: countTokens(reply(name)),
    })
  })

  it('is accepted by the stricter messages.stream() helper, with the text events and the request id', async () => {
    const stream = client.messages.stream({
      model: 'tokensim-fast',
      max_tokens: 1024,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    })
    let streamed = ''
    stream.on('text', (delta) => (streamed += delta))
    const final = await stream.finalMessage()
    expect(final.content).toEqual([{ type: 'text', text: reply('greeting') }])
    expect(streamed).toBe(reply('greeting'))
    expect(final).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'tokensim-fast',
      stop_reason: 'end_turn',
      stop_sequence: null,
      stop_details: null,
    })
    expect(final.usage).toMatchObject({ input_tokens: countTokens('hi'), output_tokens: countTokens(reply('greeting')) })
    expect(stream.request_id).toMatch(/^req_011[A-Za-z0-9]{21}$/)
  })

  it('streams tool_use blocks whose input the SDK parses', async () => {
    const stream = client.messages.stream({
      model: 'claude-x',
      max_tokens: 1024,
      messages: ask("What's the weather in Paris?"),
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    })
    const snapshots: unknown[] = []
    stream.on('inputJson', (_partial, snapshot) => snapshots.push(snapshot))
    const final = await stream.finalMessage()
    expect(final.stop_reason).toBe('tool_use')
    expect(final.content[0]).toEqual({ type: 'text', text: 'Let me look that up.' })
    const call = final.content[1]
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } })
    expect(call?.type === 'tool_use' && call.id).toMatch(/^toolu_[A-Za-z0-9]{24}$/)
    expect(snapshots.at(-1)).toEqual({ city: 'Paris', unit: 'celsius' })
    const whole = await client.messages.create({ model: 'claude-x', max_tokens: 1024, messages: ask('weather?') })
    expect(whole.content[1]).toMatchObject({ type: 'tool_use', input: { city: 'Paris', unit: 'celsius' } })
    expect(whole.stop_reason).toBe('tool_use')
  })

  it('streams thinking blocks with a signature when thinking is on, and nothing of it when it is off', async () => {
    const stream = client.messages.stream({ model: 'claude-x', max_tokens: 2048, thinking, messages: ask('think hard') })
    let thought = ''
    stream.on('thinking', (delta) => (thought += delta))
    const final = await stream.finalMessage()
    expect(thought).toBe(REASONING)
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(final.content[0]).toMatchObject({ thinking: REASONING, signature: expect.stringMatching(/^Eq[A-Za-z0-9+/=]+$/) })
    expect(final.usage).toMatchObject({
      output_tokens: countTokens(REASONING) + countTokens('Done thinking.'),
      output_tokens_details: { thinking_tokens: countTokens(REASONING) },
    })
    const whole = await client.messages.create({ model: 'claude-x', max_tokens: 2048, thinking, messages: ask('think hard') })
    expect(whole.content[0]).toMatchObject({ type: 'thinking', thinking: REASONING })

    const off = await client.messages.stream({ model: 'claude-x', max_tokens: 2048, messages: ask('think hard') }).finalMessage()
    expect(off.content).toEqual([{ type: 'text', text: 'Done thinking.' }])
    expect(off.usage.output_tokens).toBe(countTokens('Done thinking.'))
  })

  it('holds the first text delta back for the time to first token', async () => {
    const started = Date.now()
    const stream = client.messages.stream(
      { model: 'claude-x', max_tokens: 1024, messages: ask('hi') },
      { headers: { 'x-tokensim-ttft': '300' } },
    )
    const first = await new Promise<number>((resolve) => stream.once('text', () => resolve(Date.now() - started)))
    await stream.done()
    expect(first).toBeGreaterThanOrEqual(250)
    expect(first).toBeLessThan(5000)
  })

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const final = await client.messages.stream({ model: 'claude-x', max_tokens: 5, messages: ask('hello') }).finalMessage()
    expect(final.stop_reason).toBe('max_tokens')
    expect(final.usage.output_tokens).toBe(5)
    const text = final.content[0]?.type === 'text' ? final.content[0].text : ''
    expect(reply('greeting').startsWith(text) && countTokens(text)).toBe(5)
  })

  it("surfaces a bad body as the SDK's typed 400 error in Anthropic's shape", async () => {
    const cases: [unknown, string][] = [
      [{ model: 'claude-x', messages: ask('x') }, 'max_tokens: Field required'],
      [{ model: 'claude-x', max_tokens: '10', messages: ask('x') }, 'max_tokens: Input should be a valid integer'],
      [
        { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 42 }] },
        'messages.0.content: Input should be a valid string or a valid list',
      ],
      [{ max_tokens: 10, messages: ask('x') }, 'model: Field required'],
      [{ model: 'claude-x', max_tokens: 10, messages: [] }, 'messages: at least one message is required'],
    ]
    for (const [body, message] of cases) {
      const error = await client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Anthropic.BadRequestError)
      expect(error).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        apiMessage: message,
        requestID: expect.stringMatching(/^req_011/),
      })
      expect((error as APIError).error).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message },
        request_id: (error as APIError).requestID,
      })
    }
  })

  it("answers invalid JSON and bad knob headers with a 400 in Anthropic's shape", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/v1/messages`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
    const invalid = await post('{"model":')
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/not valid JSON/) },
    })
    const good = '{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}]}'
    for (const [name, value] of BAD_KNOBS) {
      const response = await post(good, { [name]: value })
      expect(response.status, name).toBe(400)
      const body = (await response.json()) as { error: { message: string } }
      expect(body, name).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringMatching(new RegExp(`^${name}: `)) },
      })
      expect(body.error.message, name).not.toMatch(new RegExp(`^${name}: ${name}`))
    }
  })
})

describe('POST /v1/messages with the AI SDK', () => {
  const model = () => createAnthropic({ baseURL: `${server.url}/v1`, apiKey: 'any-key', headers: fast }).languageModel('claude-x')

  it('streamText gives the text, the finish reason and the usage', async () => {
    const result = streamText({ model: model(), maxOutputTokens: 1024, prompt: 'hello' })
    expect(await result.text).toBe(reply('greeting'))
    expect(await result.finishReason).toBe('stop')
    expect(await result.usage).toMatchObject({ inputTokens: countTokens('hello'), outputTokens: countTokens(reply('greeting')) })
  })

  it('streamText gives the thinking as reasoning', async () => {
    const result = streamText({
      model: model(),
      maxOutputTokens: 1024,
      prompt: 'think',
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } },
    })
    expect(await result.text).toBe('Done thinking.')
    expect(await result.reasoningText).toBe(REASONING)
    const [reasoning] = await result.reasoning
    expect(reasoning?.providerMetadata?.['anthropic']?.['signature']).toMatch(/^Eq/) // what the SDK sends back on the next turn
  })

  it('streamText parses a tool call', async () => {
    await expectWeatherToolCall(model(), { maxOutputTokens: 1024 })
  })
})

describe('CORS', () => {
  it('answers a browser preflight for the headers the Anthropic SDK sends from a browser', async () => {
    const requested =
      'anthropic-dangerous-direct-browser-access, anthropic-version, content-type, x-api-key, x-stainless-arch, x-tokensim-delay'
    await expectPreflight(`${server.url}/v1/messages`, 'POST', requested.split(', '))
  })
})
