/**
 * tokensim/msw in Node (msw/node's setupServer): the official clients, unmodified and pointed at nothing but the
 * vendors' own URLs, stream tokensim's answers with no server listening (every request MSW does not answer is an
 * error). The current-majors suite runs this file again with msw 3 (test/node24/vitest.config.ts).
 */
import Anthropic from '@anthropic-ai/sdk'
import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { GoogleGenAI } from '@google/genai'
import { DefaultChatTransport, stepCountIs, streamText, tool, type UIMessage } from 'ai'
import { setupServer } from 'msw/node'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { OptionError } from '../../src/options.js'
import { handlers, tokensimHandlers } from '../../src/msw.js'
import { PlainChat } from '../helpers/chat.js'
import { replyText } from '../helpers/page.js'

const RULES = `
- name: weather
  match: { contains: weather }
  text: Let me check.
  tool_calls: [{ name: get_weather, arguments: { city: Paris } }]
- name: report
  match: { tool_result: get_weather }
  text: It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.
`
const REPORT = 'It is 21 °C in Paris.'
const GREETING = replyText('greeting')
const APP = 'http://app.test'

const sim = tokensimHandlers({ delay: 0, ttft: 0, scenarios: RULES })
const mock = setupServer(...sim.handlers)
beforeAll(() => mock.listen({ onUnhandledRequest: 'error' }))
afterEach(() => mock.resetHandlers())
afterAll(() => mock.close())

const ask = [{ role: 'user' as const, content: 'Hi' }]
const openai = (headers: Record<string, string> = {}) => new OpenAI({ apiKey: 'any', maxRetries: 0, defaultHeaders: headers })

interface JournalEntry {
  readonly path: string
  readonly route: string
  readonly status: number
  readonly scope: string | null
  readonly outcome?: string
  readonly frames?: number
  readonly rule: { readonly name: string } | null
}
const journal = async (scope?: string): Promise<JournalEntry[]> => {
  const response = await sim.app.fetch(
    new Request('http://tokensim/journal', scope === undefined ? {} : { headers: { 'x-tokensim-scope': scope } }),
  )
  return ((await response.json()) as { entries: JournalEntry[] }).entries
}

describe('the vendor SDKs at their own URLs', () => {
  it('openai: Chat Completions, streamed', async () => {
    const stream = await openai().chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe(GREETING)
  })

  it('openai: Responses, streamed', async () => {
    const stream = openai().responses.stream({ model: 'gpt-4o', input: 'Hi' })
    let text = ''
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta
    expect(text).toBe(GREETING)
    expect((await stream.finalResponse()).status).toBe('completed')
  })

  it('openai: the models list', async () => {
    const ids = []
    for await (const model of openai().models.list()) ids.push(model.id)
    expect(ids).toContain('tokensim-typical')
  })

  it('@anthropic-ai/sdk: messages.stream', async () => {
    const anthropic = new Anthropic({ apiKey: 'any', maxRetries: 0 })
    const message = await anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: ask }).finalMessage()
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: GREETING })])
    expect(await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: ask })).toEqual({ input_tokens: 1 })
  })

  it('@google/genai: generateContentStream, generateContent and countTokens', async () => {
    const ai = new GoogleGenAI({ apiKey: 'any' })
    let text = ''
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) text += chunk.text ?? ''
    expect(text).toBe(GREETING)
    expect((await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' })).text).toBe(GREETING)
    expect((await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'Hi' })).totalTokens).toBe(1)
  })

  it("the AI SDK: streamText over @ai-sdk/openai's Responses and Chat Completions models", async () => {
    const provider = createOpenAI({ apiKey: 'any' })
    for (const model of [provider('gpt-4o'), provider.chat('gpt-4o')]) {
      const result = streamText({ model, prompt: 'Hi' })
      let text = ''
      for await (const delta of result.textStream) text += delta
      expect(text).toBe(GREETING)
    }
    expect((await journal()).slice(-2).map((entry) => entry.route)).toEqual(['openai-responses', 'openai-chat'])
  })

  it("the AI SDK's UI message stream: an app's own /api/chat on any origin, and a resumed answer", async () => {
    const transport = (headers: Record<string, string> = {}) => new DefaultChatTransport<UIMessage>({ api: `${APP}/api/chat`, headers })
    const textOf = (message: UIMessage | undefined) => message?.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('')
    const chat = new PlainChat({ id: 'msw-chat', transport: transport() })
    await chat.sendMessage({ text: 'Hi' })
    expect(chat.error).toBeUndefined()
    expect(textOf(chat.messages[1])).toBe(GREETING)

    // A reload while the answer plays: the same chat id resumes it from GET /api/chat/{id}/stream.
    const first = new PlainChat({ id: 'msw-resume', transport: transport({ 'x-tokensim-delay': '20', 'x-tokensim-ttft': '0' }) })
    const sending = first.sendMessage({ text: 'Hi' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const reloaded = new PlainChat({ id: 'msw-resume', transport: transport(), messages: [structuredClone(first.messages[0]!)] })
    await reloaded.resumeStream()
    await sending
    expect(textOf(reloaded.messages[1])).toBe(GREETING)
    expect((await journal()).slice(-1)[0]).toMatchObject({ route: 'ai-sdk-ui-resume', path: '/api/chat/msw-resume/stream', status: 200 })
  })
})

describe('a tool call answered by a scenario round-trips', () => {
  const weather = (city: string) => JSON.stringify({ temp: 21, city })

  it('openai runTools, streamed: the tool runs once, the second turn answers with its result', async () => {
    const ran: unknown[] = []
    const runner = openai().chat.completions.runTools({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'The weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            parse: JSON.parse,
            function: (args: { city: string }) => (ran.push(args), weather(args.city)),
          },
        },
      ],
    })
    expect(await runner.finalContent()).toBe(REPORT)
    expect(ran).toEqual([{ city: 'Paris' }])
    expect((await journal()).slice(-2).map((entry) => entry.rule?.name)).toEqual(['weather', 'report'])
  })

  it("the AI SDK's streamText with stopWhen over @ai-sdk/anthropic: two steps", async () => {
    const ran: string[] = []
    const result = streamText({
      model: createAnthropic({ apiKey: 'any' })('claude-sonnet-4-5'),
      prompt: "What's the weather in Paris?",
      stopWhen: stepCountIs(5),
      tools: {
        get_weather: tool({
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => (ran.push(city), Promise.resolve({ temp: 21, city })),
        }),
      },
    })
    const steps = await result.steps
    expect(steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'stop'])
    expect(ran).toEqual(['Paris'])
    expect(steps[1]!.text).toBe(REPORT)
  })
})

describe('faults show as the SDKs show them', () => {
  it("a status fault is the openai SDK's RateLimitError", async () => {
    const error = await openai({ 'x-tokensim-fault': 'status:429:0' })
      .chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error).toMatchObject({ status: 429 })
  })

  it('an in-stream error is thrown from the stream, after the units before it', async () => {
    const stream = await openai({ 'x-tokensim-fault': 'error-after:3', 'x-tokensim-unit': 'word' }).chat.completions.create({
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
    expect(text).toBe(
      GREETING.split(/(?<=\s)/)
        .slice(0, 4)
        .join(''),
    )
  })

  it('a stall is a silence in the middle of the stream', async () => {
    const started = performance.now()
    const stream = await openai({ 'x-tokensim-fault': 'stall-after:3:800', 'x-tokensim-unit': 'word' }).chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      stream: true,
    })
    const arrivals: number[] = []
    let text = ''
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content ?? ''
      if (content !== '') arrivals.push(performance.now())
      text += content
    }
    expect(text).toBe(GREETING)
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
    // Words 0 to 3, then the stall, then the rest (delay 0: no other gap to speak of).
    const longest = Math.max(...gaps)
    expect(gaps.indexOf(longest)).toBe(3)
    expect(gaps.filter((gap) => gap > 400)).toHaveLength(1)
    // Word 4 is due 800 ms after the start at the earliest, and a timer never fires early. (Not the gap itself:
    // on a loaded machine word 3 can come late and word 4 on time, and the gap is then shorter than the stall.)
    expect(arrivals[4]! - started).toBeGreaterThan(790)
  })

  it('a client that aborts stops the stream, as a closed connection does', async () => {
    const controller = new AbortController()
    const stream = await openai({ 'x-tokensim-delay': '20', 'x-tokensim-unit': 'word' }).chat.completions.create(
      { model: 'gpt-4o', messages: ask, stream: true },
      { signal: controller.signal },
    )
    let chunks = 0
    await (async () => {
      for await (const _chunk of stream) if (++chunks === 3) controller.abort()
    })().catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 100))
    const entry = (await journal()).at(-1)!
    expect(entry.outcome).toBe('stopped')
    expect(entry.frames).toBeLessThan(10)
  })
})

describe("tokensim's own endpoints", () => {
  it('/scenarios and /journal answer under /__tokensim on any origin, scoped by x-tokensim-scope', async () => {
    const scope = { 'x-tokensim-scope': 'msw-test' }
    const put = await fetch(`${APP}/__tokensim/scenarios`, {
      method: 'PUT',
      headers: { ...scope, 'content-type': 'application/yaml' },
      body: '- match: { contains: hello }\n  text: Hi from the scope.',
    })
    expect(put.status).toBe(200)
    const scoped = await openai(scope).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
    expect(scoped.choices[0]?.message.content).toBe('Hi from the scope.')
    const unscoped = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
    expect(unscoped.choices[0]?.message.content).toBe(GREETING)

    const read = (await (await fetch(`${APP}/__tokensim/journal`, { headers: scope })).json()) as { entries: JournalEntry[] }
    expect(read.entries.map((entry) => [entry.route, entry.scope, entry.status])).toEqual([
      ['scenarios', 'msw-test', 200],
      ['openai-chat', 'msw-test', 200],
    ])
    expect(await journal('msw-test')).toEqual(read.entries)
    const cleared = await fetch(`${APP}/__tokensim/scenarios`, { method: 'DELETE', headers: scope })
    expect(await cleared.json()).toMatchObject({ scope: 'msw-test', scenarios: [] })
  })
})

describe('the options', () => {
  it('`handlers` answers with every option at its default (delay 30 ms, ttft 300 ms)', async () => {
    mock.use(...handlers)
    const started = performance.now()
    const stream = await openai().chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true })
    const arrivals: number[] = []
    let text = ''
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content ?? ''
      if (content !== '') arrivals.push(performance.now() - started)
      text += content
    }
    expect(text).toBe(GREETING)
    expect(arrivals[0]).toBeGreaterThan(250)
    // A token a chunk (the vendor routes' unit), 30 ms apart.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(30 * (arrivals.length - 1) * 0.8)
  })

  it('scenarios: YAML or JSON text, or the rules parsed, checked as a scenarios file is', () => {
    const rule = { match: { contains: 'x' }, text: 'y' }
    for (const scenarios of [JSON.stringify([rule]), [rule], { scenarios: [rule] }, '- match: { contains: x }\n  text: y'])
      expect(tokensimHandlers({ scenarios }).handlers.length).toBeGreaterThan(0)
    const refused = (() => {
      try {
        tokensimHandlers({ scenarios: [{ name: 'broken', match: { matches: '(' }, text: 'y' }] })
      } catch (error) {
        return error
      }
    })()
    expect(refused).toBeInstanceOf(OptionError)
    expect(refused).toMatchObject({
      option: 'scenarios',
      message: 'scenarios: rule "broken" (#1): match.matches: not a valid regular expression: "("',
    })
    expect(() => tokensimHandlers({ scenarios: '- text: [' })).toThrow(/^scenarios: not valid YAML or JSON/)
    expect(() => tokensimHandlers({ scenarios: [{ reply: 'nonesuch' }] })).toThrow(/no reply named "nonesuch"/)
    expect(() => tokensimHandlers({ scenarios: [{ text: 'y', profile: 'nonesuch' }] })).toThrow(/profile: not a profile/)
  })

  it("createApp's options are checked as createApp checks them", () => {
    expect(() => tokensimHandlers({ delay: -1 })).toThrow(expect.objectContaining({ name: 'OptionError', option: 'delay' }))
    expect(() => tokensimHandlers({ profile: 'nonesuch' })).toThrow(expect.objectContaining({ name: 'OptionError', option: 'profile' }))
    expect(() => tokensimHandlers({ urls: { openai: 'api.openai.com' } })).toThrow(expect.objectContaining({ option: 'urls' }))
    expect(() => tokensimHandlers({ urls: { chat: '/api/chat' } })).toThrow(/urls.chat must be an absolute URL/)
  })

  it('urls: another base answered, one not answered at all', async () => {
    const gateway = tokensimHandlers({ delay: 0, ttft: 0, reply: 'code', urls: { openai: 'https://gateway.test/openai/v1', chat: false } })
    mock.resetHandlers(...gateway.handlers)
    const client = new OpenAI({ apiKey: 'any', baseURL: 'https://gateway.test/openai/v1', maxRetries: 0 })
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: ask })
    expect(completion.choices[0]?.message.content).toBe(replyText('code'))
    // Answered by no handler: an unhandled request, which this suite makes an error.
    const unanswered = await fetch(`${APP}/api/chat`, { method: 'POST', body: '{}' }).catch((e: unknown) => e)
    expect(unanswered).toBeInstanceOf(Error)
    const viaDefault = await openai()
      .chat.completions.create({ model: 'gpt-4o', messages: ask })
      .catch((e: unknown) => e)
    expect(viaDefault).toBeInstanceOf(Error)
    const entries = ((await (await gateway.app.fetch(new Request('http://tokensim/journal'))).json()) as { entries: JournalEntry[] })
      .entries
    expect(entries.map((entry) => [entry.route, entry.path])).toEqual([['openai-chat', '/v1/chat/completions']])
  })

  it('each handlers set has its own app: journals and scenarios do not mix', async () => {
    const other = tokensimHandlers({ delay: 0, ttft: 0 })
    mock.resetHandlers(...other.handlers)
    await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'the weather?' }] })
    const entries = ((await (await other.app.fetch(new Request('http://tokensim/journal'))).json()) as { entries: JournalEntry[] }).entries
    expect(entries.map((entry) => [entry.route, entry.rule])).toEqual([['openai-chat', null]])
  })
})
