/**
 * Agent loops with every official client, unmodified, against the real server: the model calls a tool, the
 * client runs it and sends the result back, and the model answers with it, so the loop ends in two steps. One
 * rule answers the weather tool's result with a template; the clock tool's result has no rule and gets the
 * default answer, which reports it.
 */
import Anthropic from '@anthropic-ai/sdk'
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema'
import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { GoogleGenAI, type Content } from '@google/genai'
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls, stepCountIs, streamText, tool, type LanguageModel } from 'ai'
import OpenAI from 'openai'
import type { ResponseInputItem } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { parseScenarios } from '../../src/app/scenario-rules.js'
import { PlainChat } from '../helpers/chat.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const RULES = parseScenarios(
  [
    {
      name: 'weather',
      match: { contains: 'weather' },
      text: 'Let me check.',
      tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    },
    { name: 'report', match: { tool_result: 'get_weather' }, text: 'It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.' },
    { name: 'clock', match: { contains: 'time' }, tool_calls: [{ name: 'get_time', arguments: { zone: 'UTC' } }] },
  ],
  'agent rules',
)
const REPORT = 'It is 21 °C in Paris.'
const TEMPERATURE = { temp: 21, sky: 'clear' }
const weather = (city: string): string => JSON.stringify({ ...TEMPERATURE, city })
const TIME = '12:00'
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ scenarios: RULES })
})
afterAll(() => server.close())

describe('openai chat completions', () => {
  const client = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
  const getWeather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      parse: JSON.parse,
      function: (args: { city: string }) => weather(args.city),
    },
  }

  it('runTools, streamed, runs the tool once and ends with the answer built on its result', async () => {
    const ran: unknown[] = []
    const runner = client().chat.completions.runTools({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
      tools: [
        { ...getWeather, function: { ...getWeather.function, function: (args: { city: string }) => (ran.push(args), weather(args.city)) } },
      ],
    })
    expect(await runner.finalContent()).toBe(REPORT)
    expect(ran).toEqual([{ city: 'Paris' }])
    expect(runner.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant'])
  })

  it('a hand loop, not streamed, with a tool no rule answers: the default answer reports the result', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What time is it?' }]
    const tools = [{ type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object' } } }]
    for (let step = 0; step < 5; step++) {
      const completion = await client().chat.completions.create({ model: 'gpt-4o', messages, tools })
      const message = completion.choices[0]!.message
      messages.push(message)
      if (completion.choices[0]!.finish_reason !== 'tool_calls') break
      for (const call of message.tool_calls ?? []) messages.push({ role: 'tool', tool_call_id: call.id, content: TIME })
    }
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant'])
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: `get_time returned: ${TIME}` })
  })

  it('reports the request id the SDK reads', async () => {
    const { response, request_id } = await client()
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/)
    expect(response.headers.get('x-request-id')).toBe(request_id)
    const refused = await client()
      .chat.completions.create({ model: '', messages: [] })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError)
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).requestID).toMatch(/^req_[0-9a-f]{32}$/)
  })
})

describe('openai responses', () => {
  const client = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
  const tools: OpenAI.Responses.Tool[] = [
    { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
  ]

  it('a streamed loop that sends the output items and function_call_output back', async () => {
    const input: ResponseInputItem[] = [{ role: 'user', content: "What's the weather in Paris?" }]
    let text = ''
    for (let step = 0; step < 5; step++) {
      const response = await client().responses.stream({ model: 'gpt-4o', input, tools }).finalResponse()
      input.push(...(response.output as ResponseInputItem[]))
      const calls = response.output.filter((item) => item.type === 'function_call')
      text = response.output
        .flatMap((item) => (item.type === 'message' ? item.content : []))
        .map((c) => (c.type === 'output_text' ? c.text : ''))
        .join('')
      if (calls.length === 0) break
      for (const call of calls)
        input.push({ type: 'function_call_output', call_id: call.call_id, output: weather(JSON.parse(call.arguments).city) })
    }
    expect(text).toBe(REPORT)
    expect(input.filter((item) => 'type' in item && item.type === 'function_call_output')).toHaveLength(1)
  })

  it('a loop that goes on with previous_response_id', async () => {
    const first = await client().responses.create({ model: 'gpt-4o', input: "What's the weather in Paris?", tools })
    const call = first.output.find((item) => item.type === 'function_call')!
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' })
    const second = await client().responses.create({
      model: 'gpt-4o',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: weather('Paris') }],
      tools,
    })
    expect(second.output_text).toBe(REPORT)
    expect(second.output.some((item) => item.type === 'function_call')).toBe(false)
  })

  it('refuses a previous_response_id it does not hold, as the API does', async () => {
    const error = await client()
      .responses.create({ model: 'gpt-4o', previous_response_id: 'resp_nope', input: 'hi' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({ status: 400, param: 'previous_response_id', code: 'previous_response_not_found' })
    expect((error as Error).message).toContain("Previous response with id 'resp_nope' not found.")
  })
})

describe('@anthropic-ai/sdk', () => {
  const client = () => new Anthropic({ baseURL: server.url, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })

  it('the beta toolRunner runs the tool and ends with the answer', async () => {
    const ran: unknown[] = []
    const getWeather = betaTool({
      name: 'get_weather',
      description: 'The weather in a city',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      run: (args) => (ran.push(args), weather(args.city)),
    })
    const runner = client().beta.messages.toolRunner({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
      tools: [getWeather],
      stream: true,
    })
    const stops: (string | null)[] = []
    for await (const stream of runner) stops.push((await stream.finalMessage()).stop_reason)
    const last = await runner.done()
    expect(stops).toEqual(['tool_use', 'end_turn'])
    expect(last.content).toMatchObject([{ type: 'text', text: REPORT }])
    expect(ran).toEqual([{ city: 'Paris' }])
  })

  it('a hand loop with an is_error result and thinking blocks sent back', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What time is it?' }]
    let final: Anthropic.Message | undefined
    for (let step = 0; step < 5; step++) {
      final = await client()
        .messages.stream({ model: 'claude-x', max_tokens: 1024, messages, tools: [{ name: 'get_time', input_schema: { type: 'object' } }] })
        .finalMessage()
      // As an app that keeps thinking blocks sends them back, signature and all.
      messages.push({ role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }, ...final.content] })
      if (final.stop_reason !== 'tool_use') break
      const uses = final.content.filter((block) => block.type === 'tool_use')
      messages.push({
        role: 'user',
        content: uses.map((use) => ({
          type: 'tool_result',
          tool_use_id: use.id,
          content: [{ type: 'text', text: 'clock broken' }],
          is_error: true,
        })),
      })
    }
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect(final?.content).toMatchObject([{ type: 'text', text: 'get_time failed: clock broken' }])
  })

  it('a message thread sends only the new messages; a thread the server does not hold is a ThreadNotFoundError', async () => {
    const thread = client().beta.messages.thread({ model: 'claude-x', max_tokens: 256, system: 'Be brief.' })
    const first = await thread.send({ role: 'user', content: 'hello' })
    expect(first.content).toMatchObject([{ type: 'text' }])
    const second = await client().beta.messages.create({
      model: 'claude-x',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'and the weather?' }],
      thread: { type: 'continue', previous_message_id: first.id },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
    })
    const use = second.content.find((block) => block.type === 'tool_use')!
    const third = await client().beta.messages.create({
      model: 'claude-x',
      max_tokens: 256,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: weather('Paris') }] }],
      thread: { type: 'continue', previous_message_id: second.id },
    })
    expect(third.content).toMatchObject([{ type: 'text', text: REPORT }])
    // The whole conversation counted: the system prompt, three turns and the answers.
    expect(third.usage.input_tokens).toBeGreaterThan(second.usage.input_tokens)
    const missing = await client()
      .beta.messages.create({
        model: 'claude-x',
        max_tokens: 9,
        messages: [{ role: 'user', content: 'hi' }],
        thread: { type: 'continue', previous_message_id: 'msg_nope' },
      })
      .catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(Anthropic.ThreadNotFoundError)
    expect(missing).toMatchObject({ status: 404 })
  })

  it('countTokens counts the conversation as usage does', async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: "What's the weather in Paris?" },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: weather('Paris') }] },
    ]
    const counted = await client().messages.countTokens({ model: 'claude-x', system: 'Be brief.', messages })
    const answered = await client().messages.create({ model: 'claude-x', max_tokens: 100, system: 'Be brief.', messages })
    expect(counted.input_tokens).toBeGreaterThan(10)
    expect(counted.input_tokens).toBe(answered.usage.input_tokens)
    expect(answered.content).toMatchObject([{ type: 'text', text: REPORT }])
  })
})

describe('@google/genai', () => {
  const ai = () => new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: server.url, headers: fast } })
  const tools = [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }] }]

  it('a streamed hand loop with functionResponse parts', async () => {
    const contents: Content[] = [{ role: 'user', parts: [{ text: "What's the weather in Paris?" }] }]
    let text = ''
    for (let step = 0; step < 5; step++) {
      const parts: Content['parts'] = []
      text = ''
      for await (const chunk of await ai().models.generateContentStream({ model: 'gemini-2.5-flash', contents, config: { tools } })) {
        parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []))
        text += chunk.text ?? ''
      }
      contents.push({ role: 'model', parts })
      const calls = parts.flatMap((part) => (part.functionCall === undefined ? [] : [part.functionCall]))
      if (calls.length === 0) break
      contents.push({
        role: 'user',
        parts: calls.map((call) => ({
          functionResponse: {
            ...(call.id === undefined ? {} : { id: call.id }),
            name: call.name ?? '',
            response: { output: { ...TEMPERATURE, city: call.args?.['city'] } },
          },
        })),
      })
    }
    expect(contents.map((c) => c.role)).toEqual(['user', 'model', 'user', 'model'])
    expect(text).toBe(REPORT)
  })

  it('countTokens counts the contents as usage does', async () => {
    const contents = 'What is the weather in Paris?'
    const counted = await ai().models.countTokens({ model: 'gemini-2.5-flash', contents })
    const answered = await ai().models.generateContent({ model: 'gemini-2.5-flash', contents })
    expect(counted.totalTokens).toBe(answered.usageMetadata?.promptTokenCount)
  })
})

describe('the AI SDK: streamText with stopWhen', () => {
  const openai = () => createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', headers: fast })
  const anthropic = () => createAnthropic({ baseURL: `${server.url}/v1`, apiKey: 'any', headers: fast })
  const models: [string, () => LanguageModel][] = [
    ['openai chat', () => openai().chat('gpt-4o')],
    ['openai responses', () => openai().responses('gpt-4o')],
    ['anthropic', () => anthropic().languageModel('claude-x')],
  ]

  it.each(models)('%s: two steps, the tool executed once, the text built on its result', async (_name, model) => {
    const ran: unknown[] = []
    const result = streamText({
      model: model(),
      prompt: "What's the weather in Paris?",
      stopWhen: stepCountIs(5),
      tools: {
        get_weather: tool({
          description: 'The weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => (ran.push(city), { ...TEMPERATURE, city }),
        }),
      },
    })
    const steps = await result.steps
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop'])
    expect(ran).toEqual(['Paris'])
    expect(steps[1]!.text).toBe(REPORT)
  })
})

describe("useChat's transport with client-side tools (AbstractChat)", () => {
  it('the app adds the tool output, the chat sends it automatically, and the answer uses it', async () => {
    let requests = 0
    const counting: typeof fetch = (input, init) => (requests++, fetch(input, init))
    const chat: PlainChat = new PlainChat({
      id: 'agent-chat',
      transport: new DefaultChatTransport({ api: `${server.url}/api/chat`, headers: fast, fetch: counting }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
      onToolCall: ({ toolCall }) => {
        void chat.addToolOutput({ tool: 'get_weather', toolCallId: toolCall.toolCallId, output: { ...TEMPERATURE, city: 'Paris' } })
      },
    })
    await chat.sendMessage({ text: "What's the weather in Paris?" })
    // The automatic second request runs after the first settles.
    for (let i = 0; i < 100 && (chat.status !== 'ready' || requests < 2); i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(chat.error).toBeUndefined()
    expect(requests).toBe(2)
    const assistant = chat.messages.at(-1)!
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    const types = assistant.parts.map((p) => p.type)
    expect(types.filter((t) => t === 'tool-get_weather')).toHaveLength(1)
    const texts = assistant.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []))
    expect(texts.at(-1)).toBe(REPORT)
  })
})
