/**
 * A misbehaving model, on demand, through every official client against the real server: what each SDK makes
 * of tool arguments that are not JSON or break the schema, a call to a tool not offered, two calls with one id,
 * a call cut by the length limit, a refusal, a content filter's stop, an empty answer and reasoning alone. One
 * rule per fault (its `fault` field) answers "... [FAULT]" with reasoning, a text and a call to get_weather, so
 * only the first step of an agent loop misbehaves and the loop ends with the default answer. The README's
 * Faults table records what these tests show.
 */
import Anthropic from '@anthropic-ai/sdk'
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema'
import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai'
import { DefaultChatTransport, streamText, tool, type LanguageModel, type UIMessage } from 'ai'
import OpenAI from 'openai'
import { ContentFilterFinishReasonError, LengthFinishReasonError } from 'openai/error'
import { VERSION as OPENAI_VERSION } from 'openai/version'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { Misbehaviour } from '../../src/core/faults.js'
import { REFUSAL_TEXT, UNKNOWN_TOOL } from '../../src/core/misbehave.js'
import { parseScenarios } from '../../src/app/scenario-rules.js'
import { PlainChat } from '../helpers/chat.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const FAULTS: Misbehaviour[] = [
  'bad-json',
  'bad-args',
  'unknown-tool',
  'dup-call-id',
  'cut-in-tool',
  'refusal',
  'content-filter',
  'empty',
  'reasoning-only',
]
const REASONING = 'Thinking it over.'
const TEXT = 'Let me check the weather.'
/** What content-filter leaves of TEXT: its first half, at a word's end. */
const FILTERED = 'Let me check'
const RULES = parseScenarios(
  FAULTS.map((fault) => ({
    name: fault,
    match: { contains: `[${fault}]` },
    reasoning: REASONING,
    text: TEXT,
    tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    fault,
  })),
  'misbehaving rules',
)
const ask = (fault: Misbehaviour): string => `What's the weather in Paris? [${fault}]`
const SCHEMA = { type: 'object' as const, properties: { city: { type: 'string' as const } }, required: ['city'] }
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
/** The suite also runs against the SDKs' current majors (test/node24); where openai 7 differs, the test says how. */
const OPENAI_7 = Number(OPENAI_VERSION.split('.')[0]) >= 7

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ scenarios: RULES })
})
afterAll(() => server.close())

describe('openai chat completions', () => {
  const client = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: SCHEMA } }]
  const create = (fault: Misbehaviour) =>
    client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: ask(fault) }], tools })

  it.each([
    ['bad-json', 'tool_calls', [['get_weather', '{"city":"Paris",}']]],
    ['bad-args', 'tool_calls', [['get_weather', '{}']]],
    ['unknown-tool', 'tool_calls', [[UNKNOWN_TOOL, '{"city":"Paris"}']]],
    [
      'dup-call-id',
      'tool_calls',
      [
        ['get_weather', '{"city":"Paris"}'],
        ['get_weather', '{"city":"Paris"}'],
      ],
    ],
    ['cut-in-tool', 'length', [['get_weather', '{"city":']]],
  ] as const)('%s: the calls as sent, and the finish reason', async (fault, finish, calls) => {
    const choice = (await create(fault)).choices[0]!
    expect(choice.finish_reason).toBe(finish)
    expect(choice.message.content).toBe(TEXT)
    const sent = (choice.message.tool_calls ?? []).map((c) => (c.type === 'function' ? [c.function.name, c.function.arguments] : []))
    expect(sent).toEqual(calls)
    if (fault === 'dup-call-id') expect(choice.message.tool_calls![1]!.id).toBe(choice.message.tool_calls![0]!.id)
  })

  it('runTools answers a bad call with a tool message: the parse error, or "Invalid tool_call"; bad-args runs the tool with {}', async () => {
    const run = async (fault: Misbehaviour) => {
      const ran: unknown[] = []
      const runner = client().chat.completions.runTools({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: ask(fault) }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'The weather in a city',
              parameters: SCHEMA,
              parse: JSON.parse,
              function: (a: unknown) => (ran.push(a), 'sunny'),
            },
          },
        ],
      })
      await runner.finalContent()
      return { ran, results: runner.messages.flatMap((m) => (m.role === 'tool' ? [[m.tool_call_id, m.content]] : [])) }
    }
    expect((await run('bad-json')).results).toEqual([[expect.any(String), expect.stringMatching(/JSON at position 16/)]])
    expect((await run('bad-json')).ran).toEqual([])
    expect((await run('unknown-tool')).results).toEqual([
      [expect.any(String), `Invalid tool_call: "${UNKNOWN_TOOL}". Available options are: "get_weather". Please try again`],
    ])
    const cut = await run('cut-in-tool').catch((e: unknown) => e)
    // openai 7's runner checks each completion's finish reason; openai 6 sends the parse error back as the result.
    if (OPENAI_7) expect(cut).toBeInstanceOf(LengthFinishReasonError)
    else expect(cut).toMatchObject({ results: [[expect.any(String), 'Unexpected end of JSON input']] })
    expect((await run('bad-args')).ran).toEqual([{}])
    const dup = await run('dup-call-id')
    expect(dup.ran).toEqual([{ city: 'Paris' }, { city: 'Paris' }])
    expect(dup.results[0]![0]).toBe(dup.results[1]![0])
  })

  it('parse() throws: SyntaxError for bad JSON in a strict tool, LengthFinishReasonError, ContentFilterFinishReasonError', async () => {
    const parse = (fault: Misbehaviour) =>
      client()
        .chat.completions.parse({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: ask(fault) }],
          tools: [{ type: 'function', function: { name: 'get_weather', parameters: SCHEMA, strict: true } }],
        })
        .catch((e: unknown) => e)
    expect(await parse('bad-json')).toBeInstanceOf(SyntaxError)
    expect(await parse('cut-in-tool')).toBeInstanceOf(LengthFinishReasonError)
    expect(await parse('content-filter')).toBeInstanceOf(ContentFilterFinishReasonError)
  })

  it('refusal: message.refusal with content null and finish stop; the stream helper emits refusal.done', async () => {
    const choice = (await create('refusal')).choices[0]!
    expect(choice).toMatchObject({ finish_reason: 'stop', message: { content: null, refusal: REFUSAL_TEXT } })
    expect(choice.message.tool_calls).toBeUndefined()
    const stream = client().chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: ask('refusal') }] })
    const done: string[] = []
    stream.on('refusal.done', ({ refusal }) => void done.push(refusal))
    const final = await stream.finalChatCompletion()
    expect(done).toEqual([REFUSAL_TEXT])
    expect(final.choices[0]!.message).toMatchObject({ content: null, refusal: REFUSAL_TEXT })
  })

  it('content-filter, empty and reasoning-only: the text so far and finish content_filter; nothing; nothing but reasoning tokens', async () => {
    expect((await create('content-filter')).choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: FILTERED } })
    expect((await create('empty')).choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '' } })
    const reasoning = await create('reasoning-only')
    expect(reasoning.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '' } })
    expect(reasoning.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0)
    expect(reasoning.usage?.completion_tokens).toBe(reasoning.usage?.completion_tokens_details?.reasoning_tokens)
  })

  it.each(FAULTS)('%s: streamed and not, the same answer and the same usage', async (fault) => {
    const whole = await create(fault)
    const stream = client().chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: ask(fault) }],
      tools,
      stream_options: { include_usage: true },
    })
    const streamed = await stream.finalChatCompletion()
    expect(streamed.usage).toEqual(whole.usage)
    const { message, finish_reason } = whole.choices[0]!
    // Where nothing was sent, openai 6 leaves a stream's content null (it joins non-empty deltas only), openai 7 ''.
    expect(streamed.choices[0]!.message.content || null).toBe(message.content || null)
    expect(streamed.choices[0]).toMatchObject({ finish_reason, message: { refusal: message.refusal } })
    expect(streamed.choices[0]!.message.tool_calls?.map((c) => c.function)).toEqual(
      message.tool_calls?.map((c) => c.type === 'function' && c.function),
    )
  })

  it('a tool fault on a question no rule answers calls the first offered tool, with arguments from its schema', async () => {
    const completion = await client().chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], tools },
      { headers: { 'x-tokensim-fault': 'bad-json' } },
    )
    expect(completion.choices[0]!.message.tool_calls?.map((c) => c.type === 'function' && c.function)).toEqual([
      { name: 'get_weather', arguments: '{"city":"tokensim",}' },
    ])
  })
})

describe('openai responses', () => {
  const client = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: SCHEMA, strict: false }]
  const create = (fault: Misbehaviour) => client().responses.create({ model: 'gpt-4o', input: ask(fault), tools })
  const items = (response: OpenAI.Responses.Response) =>
    response.output.map((item) => {
      if (item.type === 'function_call') return [item.type, item.status, item.name, item.arguments]
      if (item.type === 'message') return [item.type, item.status, item.content.map((c) => (c.type === 'refusal' ? c.refusal : c.text))]
      return [item.type]
    })

  it.each([
    ['bad-json', 'completed', null, ['function_call', 'completed', 'get_weather', '{"city":"Paris",}']],
    ['bad-args', 'completed', null, ['function_call', 'completed', 'get_weather', '{}']],
    ['unknown-tool', 'completed', null, ['function_call', 'completed', UNKNOWN_TOOL, '{"city":"Paris"}']],
    ['cut-in-tool', 'incomplete', { reason: 'max_output_tokens' }, ['function_call', 'incomplete', 'get_weather', '{"city":']],
  ] as const)('%s: status %s, the call as sent', async (fault, status, details, call) => {
    const response = await create(fault)
    expect(response).toMatchObject({ status, incomplete_details: details })
    expect(items(response)).toEqual([['reasoning'], ['message', 'completed', [TEXT]], call])
  })

  it('dup-call-id: two function_call items with one call_id (and item ids of their own)', async () => {
    const calls = (await create('dup-call-id')).output.filter((item) => item.type === 'function_call')
    expect(calls).toHaveLength(2)
    expect(calls[1]!.call_id).toBe(calls[0]!.call_id)
    expect(calls[1]!.id).not.toBe(calls[0]!.id)
  })

  it('refusal: a message with a refusal part, output_text empty; streamed as response.refusal.delta and .done', async () => {
    const response = await create('refusal')
    expect(response.status).toBe('completed')
    expect(items(response)).toEqual([['reasoning'], ['message', 'completed', [REFUSAL_TEXT]]])
    expect(response.output_text).toBe('')
    const stream = client().responses.stream({ model: 'gpt-4o', input: ask('refusal') })
    let deltas = ''
    const done: string[] = []
    stream.on('response.refusal.delta', ({ delta }) => void (deltas += delta))
    stream.on('response.refusal.done', ({ refusal }) => void done.push(refusal))
    await stream.finalResponse()
    expect([deltas, done]).toEqual([REFUSAL_TEXT, [REFUSAL_TEXT]])
  })

  it('content-filter: incomplete with reason content_filter; the stream ends with response.incomplete', async () => {
    const response = await create('content-filter')
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output_text: FILTERED })
    expect(items(response)).toEqual([['reasoning'], ['message', 'incomplete', [FILTERED]]])
    const stream = client().responses.stream({ model: 'gpt-4o', input: ask('content-filter') })
    const ended: unknown[] = []
    stream.on('response.incomplete', ({ response }) => void ended.push(response.incomplete_details))
    const final = await stream.finalResponse()
    expect(ended).toEqual([{ reason: 'content_filter' }])
    if (OPENAI_7) {
      expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } })
      expect(items(final)).toEqual([['reasoning'], ['message', 'incomplete', [FILTERED]]])
    } else {
      // openai 6's ResponseStream takes its final snapshot from response.completed only: the one it built stays in progress.
      expect(final).toMatchObject({ status: 'in_progress', incomplete_details: null })
      expect(items(final)).toEqual([['reasoning'], ['message', 'in_progress', [FILTERED]]])
    }
  })

  it('empty and reasoning-only: no output, or a reasoning item alone', async () => {
    expect((await create('empty')).output).toEqual([])
    expect(items(await create('reasoning-only'))).toEqual([['reasoning']])
  })
})

describe('@anthropic-ai/sdk', () => {
  const client = () => new Anthropic({ baseURL: server.url, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
  const params = (fault: Misbehaviour) => ({
    model: 'claude-x',
    max_tokens: 4096,
    messages: [{ role: 'user' as const, content: ask(fault) }],
    tools: [{ name: 'get_weather', input_schema: SCHEMA }],
  })
  const blocks = (message: Anthropic.Message) =>
    message.content.map((b) => (b.type === 'tool_use' ? [b.type, b.name, b.input] : b.type === 'text' ? [b.type, b.text] : [b.type]))

  it.each([
    [
      'bad-json',
      'tool_use',
      [
        ['text', TEXT],
        ['tool_use', 'get_weather', {}],
      ],
    ],
    [
      'bad-args',
      'tool_use',
      [
        ['text', TEXT],
        ['tool_use', 'get_weather', {}],
      ],
    ],
    [
      'unknown-tool',
      'tool_use',
      [
        ['text', TEXT],
        ['tool_use', UNKNOWN_TOOL, { city: 'Paris' }],
      ],
    ],
    [
      'cut-in-tool',
      'max_tokens',
      [
        ['text', TEXT],
        ['tool_use', 'get_weather', {}],
      ],
    ],
    ['refusal', 'refusal', []],
    ['content-filter', 'refusal', [['text', FILTERED]]],
    ['empty', 'end_turn', []],
  ] as const)('%s, not streamed: stop_reason %s', async (fault, stop, content) => {
    const message = await client().messages.create(params(fault))
    expect(message.stop_reason).toBe(stop)
    expect(blocks(message)).toEqual(content)
    expect(message.stop_details).toEqual(stop === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null)
  })

  it('dup-call-id: two tool_use blocks with one id', async () => {
    const uses = (await client().messages.create(params('dup-call-id'))).content.filter((b) => b.type === 'tool_use')
    expect(uses.map((u) => u.id)).toEqual([uses[0]!.id, uses[0]!.id])
  })

  it('bad-json, streamed: the MessageStream throws the JSON error of the tool input it parses', async () => {
    const error = await client()
      .messages.stream(params('bad-json'))
      .finalMessage()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.AnthropicError)
    expect((error as Error).message).toMatch(/JSON at position 16/)
  })

  it('streamed: cut-in-tool reads its partial input as {}, refusal and content-filter carry stop_details', async () => {
    const final = (fault: Misbehaviour) => client().messages.stream(params(fault)).finalMessage()
    const cut = await final('cut-in-tool')
    expect([cut.stop_reason, blocks(cut)]).toEqual([
      'max_tokens',
      [
        ['text', TEXT],
        ['tool_use', 'get_weather', {}],
      ],
    ])
    const refused = await final('refusal')
    expect(refused).toMatchObject({ stop_reason: 'refusal', stop_details: { type: 'refusal' }, content: [] })
    const filtered = await final('content-filter')
    expect(filtered).toMatchObject({
      stop_reason: 'refusal',
      stop_details: { type: 'refusal' },
      content: [{ type: 'text', text: FILTERED }],
    })
  })

  it('reasoning-only with thinking: one thinking block', async () => {
    const message = await client().messages.create({ ...params('reasoning-only'), thinking: { type: 'enabled', budget_tokens: 1024 } })
    expect(message.content).toMatchObject([{ type: 'thinking', thinking: REASONING }])
    expect(message.stop_reason).toBe('end_turn')
  })

  it('the beta toolRunner: an unknown tool gets an is_error result; bad-args and bad-json run the tool with {}; dup-call-id runs it twice', async () => {
    const run = async (fault: Misbehaviour) => {
      const ran: unknown[] = []
      const getWeather = betaTool({
        name: 'get_weather',
        description: 'The weather',
        inputSchema: SCHEMA,
        run: (a) => (ran.push(a), 'sunny'),
      })
      const runner = client().beta.messages.toolRunner({ ...params(fault), tools: [getWeather] })
      for await (const message of runner) void message
      const results = runner.params.messages.flatMap((m) =>
        typeof m.content === 'string'
          ? []
          : (m.content ?? []).flatMap((b) => (b.type === 'tool_result' ? [[b.content, b.is_error ?? false]] : [])),
      )
      return { ran, results }
    }
    expect(await run('unknown-tool')).toEqual({ ran: [], results: [[`Error: Tool '${UNKNOWN_TOOL}' not found`, true]] })
    expect(await run('bad-args')).toEqual({ ran: [{}], results: [['sunny', false]] })
    // Not streamed, bad JSON reaches the SDK as `input: {}`, and the runner runs the tool with that.
    expect(await run('bad-json')).toEqual({ ran: [{}], results: [['sunny', false]] })
    expect((await run('dup-call-id')).ran).toEqual([{ city: 'Paris' }, { city: 'Paris' }])
  })
})

describe('@google/genai', () => {
  const ai = () => new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: server.url, headers: fast } })
  const config = {
    tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: SCHEMA }] }],
    thinkingConfig: { includeThoughts: true },
  }
  const generate = (fault: Misbehaviour) => ai().models.generateContent({ model: 'gemini-2.5-flash', contents: ask(fault), config })
  const streamed = async (fault: Misbehaviour): Promise<GenerateContentResponse[]> => {
    const chunks: GenerateContentResponse[] = []
    for await (const chunk of await ai().models.generateContentStream({ model: 'gemini-2.5-flash', contents: ask(fault), config }))
      chunks.push(chunk)
    return chunks
  }

  it.each([
    ['bad-args', 'STOP', [{ name: 'get_weather', args: {} }]],
    ['unknown-tool', 'STOP', [{ name: UNKNOWN_TOOL, args: { city: 'Paris' } }]],
    [
      'dup-call-id',
      'STOP',
      [
        { name: 'get_weather', args: { city: 'Paris' } },
        { name: 'get_weather', args: { city: 'Paris' } },
      ],
    ],
    ['cut-in-tool', 'MAX_TOKENS', [{ name: 'get_weather', args: {} }]],
  ] as const)('%s: finishReason %s and functionCalls (no ids, as the API gives none)', async (fault, finish, calls) => {
    const response = await generate(fault)
    expect(response.candidates?.[0]?.finishReason).toBe(finish)
    expect(response.functionCalls).toEqual(calls)
  })

  it("bad-json: finishReason MALFORMED_FUNCTION_CALL and no call; the SDK's converter drops finishMessage", async () => {
    const response = await generate('bad-json')
    expect(response.candidates?.[0]?.finishReason).toBe('MALFORMED_FUNCTION_CALL')
    expect(response.functionCalls).toBeUndefined()
    expect(response.text).toBe(TEXT)
    expect(response.candidates?.[0]?.finishMessage).toBeUndefined()
    const chunks = await streamed('bad-json')
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('MALFORMED_FUNCTION_CALL')
    expect(chunks.map((c) => c.text ?? '').join('')).toBe(TEXT)
  })

  it('refusal: a blocked prompt, promptFeedback.blockReason SAFETY and no candidates, in one chunk the SDK does not retry', async () => {
    const response = await generate('refusal')
    expect(response.promptFeedback?.blockReason).toBe('SAFETY')
    expect(response.candidates).toBeUndefined()
    expect(response.text).toBeUndefined()
    expect(response.usageMetadata?.candidatesTokenCount).toBeUndefined()
    const chunks = await streamed('refusal')
    expect(chunks.map((c) => c.promptFeedback?.blockReason)).toEqual(['SAFETY'])
  })

  it('content-filter: finishReason SAFETY with the blocked rating; streamed after the text so far, not streamed with no content', async () => {
    const response = await generate('content-filter')
    expect(response.candidates?.[0]).toMatchObject({ finishReason: 'SAFETY' })
    expect(response.candidates?.[0]?.safetyRatings).toContainEqual({
      category: 'HARM_CATEGORY_DANGEROUS_CONTENT',
      probability: 'HIGH',
      blocked: true,
    })
    expect(response.text).toBeUndefined()
    const chunks = await streamed('content-filter')
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('SAFETY')
    expect(chunks.map((c) => c.text ?? '').join('')).toBe(FILTERED)
  })

  it('empty and reasoning-only: an empty text; thought parts and no text', async () => {
    const empty = await generate('empty')
    expect([empty.text, empty.candidates?.[0]?.finishReason]).toEqual(['', 'STOP'])
    const reasoning = await generate('reasoning-only')
    expect(reasoning.text).toBeUndefined()
    expect(reasoning.candidates?.[0]?.content?.parts).toEqual([{ text: REASONING, thought: true }])
  })
})

describe('the AI SDK: streamText', () => {
  const openai = () => createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', headers: fast })
  const anthropic = () => createAnthropic({ baseURL: `${server.url}/v1`, apiKey: 'any', headers: fast })
  const models: [string, () => LanguageModel][] = [
    ['openai chat', () => openai().chat('gpt-4o')],
    ['openai responses', () => openai().responses('gpt-4o')],
    ['anthropic', () => anthropic().languageModel('claude-x')],
  ]
  /** The parts streamText reports for the calls, and how it finishes. */
  const run = async (model: LanguageModel, fault: Misbehaviour) => {
    const ran: unknown[] = []
    const result = streamText({
      model,
      maxOutputTokens: 4096,
      prompt: ask(fault),
      tools: { get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async (input) => (ran.push(input), 'sunny') }) },
    })
    const calls: { type: string; id: string; error?: string }[] = []
    for await (const part of result.fullStream) {
      if (part.type === 'tool-call' || part.type === 'tool-result') calls.push({ type: part.type, id: part.toolCallId })
      // The error as streamText reports it: the error's message (not an Error) once parsing failed.
      if (part.type === 'tool-error') calls.push({ type: part.type, id: part.toolCallId, error: String(part.error) })
    }
    return { ran, calls, text: await result.text, finish: await result.finishReason }
  }

  it.each(models)(
    '%s: a bad call is a tool-error part (InvalidToolInputError, NoSuchToolError), and the tool never runs',
    async (_name, model) => {
      const errors = async (fault: Misbehaviour) => {
        const { ran, calls, finish } = await run(model(), fault)
        expect(ran).toEqual([])
        expect(calls.map((c) => c.type)).toEqual(['tool-call', 'tool-error'])
        return [calls[1]!.error, finish]
      }
      // ai 7 puts the errors' names before their messages (AI_InvalidToolInputError: ...).
      expect(await errors('bad-json')).toEqual([
        expect.stringMatching(/Invalid input for tool get_weather: (AI_JSONParseError: )?JSON parsing failed/),
        'tool-calls',
      ])
      expect(await errors('bad-args')).toEqual([
        expect.stringMatching(/Invalid input for tool get_weather: (AI_TypeValidationError: )?Type validation failed/),
        'tool-calls',
      ])
      expect(await errors('unknown-tool')).toEqual([
        expect.stringContaining(`Model tried to call unavailable tool '${UNKNOWN_TOOL}'. Available tools: get_weather.`),
        'tool-calls',
      ])
      expect(await errors('cut-in-tool')).toEqual([
        expect.stringMatching(/JSON parsing failed.*\nError message: (SyntaxError: )?Unexpected end of JSON input/),
        'length',
      ])
    },
  )

  it.each(models)(
    '%s: refusal and content-filter finish content-filter; empty and reasoning-only stop with no text',
    async (name, model) => {
      // @ai-sdk/openai makes a refusal its text; Anthropic has only the stop reason.
      expect(await run(model(), 'refusal')).toMatchObject({ finish: 'content-filter', text: name === 'anthropic' ? '' : REFUSAL_TEXT })
      expect(await run(model(), 'content-filter')).toMatchObject({ finish: 'content-filter', text: FILTERED })
      expect(await run(model(), 'empty')).toMatchObject({ finish: 'stop', text: '' })
      expect(await run(model(), 'reasoning-only')).toMatchObject({ finish: 'stop', text: '' })
    },
  )

  it.each(models)('%s: dup-call-id runs the tool twice', async (name, model) => {
    const { ran, calls } = await run(model(), 'dup-call-id')
    expect(ran).toEqual([{ city: 'Paris' }, { city: 'Paris' }])
    const ids = calls.filter((c) => c.type === 'tool-call').map((c) => c.id)
    // @ai-sdk/openai's chat tracker gives the second call a new id; the others pass the duplicate on.
    if (name === 'openai chat') expect(ids[1]).not.toBe(ids[0])
    else expect(ids[1]).toBe(ids[0])
  })
})

describe("/api/chat through the AI SDK's UI client (AbstractChat)", () => {
  const chatOf = async (fault: Misbehaviour) => {
    const calls: unknown[] = []
    const chat = new PlainChat({
      id: `misbehave-${fault}`,
      transport: new DefaultChatTransport<UIMessage>({ api: `${server.url}/api/chat`, headers: fast }),
      onToolCall: ({ toolCall }) => void calls.push(toolCall.input),
    })
    await chat.sendMessage({ text: ask(fault) })
    expect(chat.error).toBeUndefined()
    const message = chat.messages[1]!
    return { calls, parts: message.parts.filter((p) => p.type !== 'step-start'), metadata: message.metadata }
  }
  /** The tool parts, their input as ai 6 keeps a bad one (`rawInput`) or ai 7 does (`input`). */
  const tool = (parts: UIMessage['parts']) =>
    parts.flatMap((p) => {
      if (!p.type.startsWith('tool-')) return []
      const { rawInput, input, ...rest } = p as { rawInput?: unknown; input?: unknown }
      return [{ ...rest, input: rawInput ?? input }]
    })

  it('bad-json, unknown-tool and cut-in-tool: a tool-input-error, so an output-error part with errorText and rawInput, and no onToolCall', async () => {
    const bad = await chatOf('bad-json')
    expect(tool(bad.parts)).toMatchObject([
      {
        type: 'tool-get_weather',
        state: 'output-error',
        input: '{"city":"Paris",}',
        errorText: expect.stringMatching(/^Invalid input for tool get_weather/),
      },
    ])
    expect(bad.calls).toEqual([])
    const unknown = await chatOf('unknown-tool')
    expect(tool(unknown.parts)).toMatchObject([
      {
        type: `tool-${UNKNOWN_TOOL}`,
        state: 'output-error',
        input: { city: 'Paris' },
        errorText: `Model tried to call unavailable tool '${UNKNOWN_TOOL}'.`,
      },
    ])
    const cut = await chatOf('cut-in-tool')
    expect(tool(cut.parts)).toMatchObject([{ state: 'output-error', input: '{"city":' }])
    expect(cut.metadata).toMatchObject({ finishReason: 'length' })
  })

  it('bad-args reaches onToolCall without the property; dup-call-id calls onToolCall twice for one part', async () => {
    expect((await chatOf('bad-args')).calls).toEqual([{}])
    const dup = await chatOf('dup-call-id')
    expect(dup.calls).toEqual([{ city: 'Paris' }, { city: 'Paris' }])
    expect(tool(dup.parts)).toHaveLength(1)
  })

  it('refusal is text, content-filter the text so far, both with finishReason content-filter; empty and reasoning-only', async () => {
    const text = (parts: UIMessage['parts']) => parts.flatMap((p) => (p.type === 'text' ? [p.text] : []))
    const refusal = await chatOf('refusal')
    expect([text(refusal.parts), refusal.metadata]).toMatchObject([[REFUSAL_TEXT], { finishReason: 'content-filter' }])
    const filtered = await chatOf('content-filter')
    expect([text(filtered.parts), filtered.metadata]).toMatchObject([[FILTERED], { finishReason: 'content-filter' }])
    expect((await chatOf('empty')).parts).toEqual([])
    expect((await chatOf('reasoning-only')).parts).toMatchObject([{ type: 'reasoning', text: REASONING }])
  })
})

describe('GET /stream', () => {
  it('refuses a misbehaviour in its fault parameter or header, as it streams only a text', async () => {
    const response = await fetch(`${server.url}/stream?fault=refusal`)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      error: { param: 'fault', message: expect.stringMatching(/^fault: refusal is a fault of the vendor routes/) },
    })
    const header = await fetch(`${server.url}/stream`, { headers: { 'x-tokensim-fault': 'bad-json' } })
    expect([header.status, ((await header.json()) as { error: { param: string } }).error.param]).toEqual([400, 'x-tokensim-fault'])
  })

  it("leaves the server's misbehaviours out, and the vendor routes get them", async () => {
    const misbehaving = await startServer({ faults: { faults: [{ kind: 'misbehave', misbehaviour: 'empty' }] } })
    try {
      const stream = await fetch(`${misbehaving.url}/stream?delay=0&ttft=0`)
      expect([stream.status, (await stream.text()).includes('event: done')]).toEqual([200, true])
      const client = new OpenAI({ baseURL: `${misbehaving.url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
      const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      expect(completion.choices[0]!.message.content).toBe('')
    } finally {
      await misbehaving.close()
    }
  })
})
