/** POST /api/chat and GET /api/chat/:id/stream through the AI SDK's own client (DefaultChatTransport, AbstractChat), against the real server. */
import { createOpenAI } from '@ai-sdk/openai'
import {
  convertToModelMessages,
  DefaultChatTransport,
  getToolName,
  isToolUIPart,
  readUIMessageStream,
  streamText,
  validateUIMessages,
  type UIMessage,
  type UIMessageChunk,
} from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { countTokens } from '../../src/core/tokens.js'
import { createChatStreams } from '../../src/app/chat-streams.js'
import { createClock } from '../../src/app/clock.js'
import { planTurn } from '../../src/core/turn.js'
import { BAD_KNOBS, REASONING, TEST_SCENARIOS } from '../helpers/scenarios.js'
import { expectPreflight } from '../helpers/cors.js'
import { PlainChat } from '../helpers/chat.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { chunks, readSse } from '../helpers/sse.js'

let server: RunningServer
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
/** About a second for the greeting's 39 tokens: long enough to resume in the middle. */
const slow = { 'x-tokensim-delay': '25', 'x-tokensim-ttft': '50', 'x-tokensim-reply': 'greeting' }
const greeting = BUILTIN_REPLIES.find((r) => r.name === 'greeting')!.text
const user = (text: string, id = 'u1'): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] })
const transport = (headers: Record<string, string> = fast) =>
  new DefaultChatTransport<UIMessage>({ api: `${server.url}/api/chat`, headers })
const send = (messages: UIMessage[], headers?: Record<string, string>, chatId = 'chat-1') =>
  transport(headers).sendMessages({ chatId, messages, trigger: 'submit-message', messageId: undefined, abortSignal: undefined })

/** The UIMessage the client ends with, reading the chunks strictly (an error chunk or a bad sequence throws). */
async function finalMessage(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage> {
  let last: UIMessage | undefined
  for await (const message of readUIMessageStream({
    stream,
    terminateOnError: true,
    onError: (e) => {
      throw e
    },
  }))
    last = message
  return last!
}
const textOf = (m: UIMessage, type: 'text' | 'reasoning' = 'text') => m.parts.map((p) => (p.type === type ? p.text : '')).join('')

beforeAll(async () => {
  server = await startServer({ scenarios: TEST_SCENARIOS })
})
afterAll(() => server.close())

describe('POST /api/chat with DefaultChatTransport', () => {
  it.each(['greeting', 'markdown', 'multilingual', 'code'])(
    'streams exactly the text of "%s", with the finish reason and usage',
    async (reply) => {
      const messages = [{ id: 's', role: 'system' as const, parts: [{ type: 'text' as const, text: 'Be brief.' }] }, user('hello')]
      const message = await finalMessage(await send(messages, { ...fast, 'x-tokensim-reply': reply }))
      const expected = BUILTIN_REPLIES.find((r) => r.name === reply)!.text
      expect(textOf(message)).toBe(expected)
      expect(message.role).toBe('assistant')
      expect(message.id).toMatch(/^msg-[A-Za-z0-9]{16}$/)
      expect(message.parts.map((p) => p.type)).toEqual(['step-start', 'text'])
      expect(message.parts[1]).toMatchObject({ state: 'done' })
      const output = countTokens(expected)
      const input = countTokens('Be brief.') + countTokens('hello')
      expect(message.metadata).toEqual({
        finishReason: 'stop',
        usage: { inputTokens: input, outputTokens: output, totalTokens: input + output, reasoningTokens: 0 },
      })
      // The stricter helpers take the result as a chat history.
      const history = await validateUIMessages({ messages: [...messages, message] })
      expect(await convertToModelMessages(history)).toMatchObject([
        { role: 'system' },
        { role: 'user' },
        { role: 'assistant', content: [{ type: 'text', text: expected }] },
      ])
    },
  )

  it('sends the headers streamText sends and ends with data: [DONE]', async () => {
    const response = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...fast },
      body: JSON.stringify({
        id: 'raw',
        messages: [user('hi')],
        trigger: 'submit-message',
        messageId: undefined,
        extra: { ignored: true },
      }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1')
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const { events } = await readSse(response)
    expect(events.at(-1)?.data).toBe('[DONE]')
    expect(events.every((e) => e.event === undefined && e.id === undefined)).toBe(true)
  })

  it('streams tool calls that the SDK parses into tool parts (and AbstractChat hands to onToolCall)', async () => {
    const message = await finalMessage(await send([user("What's the weather in Paris?")]))
    expect(textOf(message)).toBe('Let me look that up.')
    const tools = message.parts.filter(isToolUIPart)
    expect(tools).toHaveLength(1)
    const call = tools[0]!
    expect(getToolName(call)).toBe('get_weather')
    expect(call).toMatchObject({ type: 'tool-get_weather', state: 'input-available', input: { city: 'Paris', unit: 'celsius' } })
    expect(call.toolCallId).toMatch(/^call_[A-Za-z0-9]{24}$/)
    expect(message.metadata).toMatchObject({ finishReason: 'tool-calls' })
  })

  it('streams a reasoning phase as a reasoning part before the text', async () => {
    const message = await finalMessage(await send([user('think hard')]))
    expect(message.parts.map((p) => p.type)).toEqual(['step-start', 'reasoning', 'text'])
    expect(textOf(message, 'reasoning')).toBe(REASONING)
    expect(textOf(message)).toBe('Done thinking.')
    expect(message.metadata).toMatchObject({ usage: { reasoningTokens: countTokens(REASONING) } })
  })

  it('keeps the id of an assistant message it continues, as streamText with originalMessages does', async () => {
    const history: UIMessage[] = [user('hi'), { id: 'a-7', role: 'assistant', parts: [{ type: 'text', text: 'Earlier.' }] }]
    expect((await finalMessage(await send(history))).id).toBe('a-7')
  })

  it('sends the chunk types streamText(...).toUIMessageStreamResponse() sends, in the same order', async () => {
    const model = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', headers: { ...fast, 'x-tokensim-reply': 'markdown' } }).chat(
      'tokensim-instant',
    )
    const reference = await readSse(streamText({ model, prompt: 'hello' }).toUIMessageStreamResponse())
    const ours = await readSse(
      await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { ...fast, 'x-tokensim-reply': 'markdown' },
        body: JSON.stringify({ messages: [user('hello')] }),
      }),
    )
    const parsed = (events: { data: string }[]) => events.slice(0, -1).map((e) => JSON.parse(e.data) as { type: string; delta?: string })
    const [theirs, mine] = [parsed(reference.events), parsed(ours.events)]
    expect(mine.map((c) => c.type)).toEqual(theirs.map((c) => c.type))
    expect(mine.map((c) => c.delta)).toEqual(theirs.map((c) => c.delta))
    expect(ours.events.at(-1)?.data).toBe(reference.events.at(-1)?.data)
  })
})

describe('errors', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/chat`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })

  it('rejects a bad body: the transport throws the JSON error body, a 400 in the native shape', async () => {
    const empty = await send([]).catch((e: unknown) => e)
    expect(empty).toBeInstanceOf(Error)
    expect(JSON.parse((empty as Error).message)).toMatchObject({
      error: { type: 'invalid_request_error', param: 'messages', code: 'invalid_param' },
    })
    const wrongType = await send([{ id: 'x', role: 'user', parts: 'hi' } as unknown as UIMessage]).catch((e: unknown) => e as Error)
    expect(JSON.parse((wrongType as Error).message)).toMatchObject({ error: { param: 'messages.0.parts' } })
    const missing = await post('{"id":"c"}')
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: { param: 'messages', message: expect.stringContaining('messages') } })
    const invalid = await post('{"messages":')
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ error: { param: null, message: expect.stringMatching(/not valid JSON/) } })
  })

  it('rejects a bad x-tokensim-* header with a 400 naming it', async () => {
    const error = (await send([user('hi')], { 'x-tokensim-delay': '-1' }).catch((e: unknown) => e)) as Error
    expect(JSON.parse(error.message)).toMatchObject({ error: { param: 'x-tokensim-delay' } })
    for (const [name, value] of BAD_KNOBS.slice(1)) {
      const response = await post(JSON.stringify({ messages: [user('hi')] }), { [name]: value })
      expect(response.status, name).toBe(400)
      expect((await response.json()) as unknown, name).toMatchObject({ error: { param: name, message: expect.stringContaining(name) } })
    }
  })

  it('answers a browser preflight for the headers DefaultChatTransport sends', async () => {
    const requested = 'content-type, x-tokensim-delay, x-tokensim-reply'
    for (const [path, method] of [
      ['/api/chat', 'POST'],
      ['/api/chat/c/stream', 'GET'],
    ]) {
      await expectPreflight(`${server.url}${path}`, method!, requested.split(', '))
    }
  })
})

describe('GET /api/chat/:id/stream (resume)', () => {
  it('replays the playing answer byte for byte from its start, then answers 204 once it has ended', async () => {
    const body = JSON.stringify({ id: 'resume-raw', messages: [user('hi')], trigger: 'submit-message' })
    const original = await fetch(`${server.url}/api/chat`, { method: 'POST', headers: slow, body })
    const reader = chunks(original.body!)
    const decoder = new TextDecoder()
    let sent = ''
    // Well into the answer (15 of its 39 tokens out, some 400 ms), so a replay from scratch would show.
    while (sent.split('"text-delta"').length <= 15) sent += decoder.decode((await reader.next()).value, { stream: true })
    const resumed = await fetch(`${server.url}/api/chat/resume-raw/stream`)
    expect(resumed.status).toBe(200)
    expect(resumed.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1')
    const ended = (text: string) => ({ text, at: Date.now() })
    const [rest, again] = await Promise.all([
      (async () => {
        for await (const chunk of reader) sent += decoder.decode(chunk, { stream: true })
        return ended(sent)
      })(),
      resumed.text().then(ended),
    ])
    expect(again.text).toBe(rest.text)
    // What was due went at once, the rest on the original schedule: both end together, not a second apart.
    expect(Math.abs(again.at - rest.at)).toBeLessThan(200)
    expect(again.text).toContain('"type":"finish"')
    expect((await fetch(`${server.url}/api/chat/resume-raw/stream`)).status).toBe(204)
  })

  it('lets reconnectToStream read the whole message mid-stream, even after the first client went away, and gives null after', async () => {
    const abort = new AbortController()
    const stream = await transport(slow).sendMessages({
      chatId: 'resume-sdk',
      messages: [user('hi')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: abort.signal,
    })
    const reader = stream.getReader()
    expect((await reader.read()).value).toMatchObject({ type: 'start' })
    abort.abort() // a page reload: the first connection is gone, the answer plays on
    await reader.cancel().catch(() => {})
    const started = Date.now()
    const resumed = await transport({}).reconnectToStream({ chatId: 'resume-sdk' })
    expect(resumed).not.toBeNull()
    const message = await finalMessage(resumed!)
    expect(textOf(message)).toBe(greeting)
    expect(Date.now() - started).toBeGreaterThan(300) // it went on at the model's pace, not all at once
    expect(await transport({}).reconnectToStream({ chatId: 'resume-sdk' })).toBeNull()
    expect(await transport({}).reconnectToStream({ chatId: 'never-started' })).toBeNull()
  })
})

describe('the registry of playing chats', () => {
  const answer = (messageId: string) => ({
    plan: planTurn(
      { parts: [{ kind: 'text', text: 'ab' }] },
      { unit: 'char', timing: { ttft: 0, delay: 20, jitter: 0 }, seed: 0, chunk: 1, inputTokens: 1 },
    ),
    faults: { stalls: [], headersDelay: 0 },
    given: undefined,
    ids: [messageId],
    started: Date.now(),
    duration: 40,
  })

  it('holds one answer per chat, at most `limit` chats (the oldest go first), each until its last frame is due', async () => {
    const streams = createChatStreams(createClock(), 2)
    streams.add('a', answer('1'))
    streams.add('a', answer('2')) // a new answer of the same chat replaces the old one
    expect(streams.size).toBe(1)
    expect(streams.get('a')?.ids).toEqual(['2'])
    streams.add('b', answer('3'))
    streams.add('c', answer('4'))
    expect(streams.size).toBe(2)
    expect(streams.get('a')).toBeUndefined()
    // Plain data, which another process can be sent and replay from.
    expect(JSON.parse(JSON.stringify(streams.get('c')))).toEqual(streams.get('c'))
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(streams.size).toBe(0)
    expect(streams.get('c')).toBeUndefined()
  })
})

describe('AbstractChat', () => {
  it('sends a message and ends with the assistant message; hands tool calls to onToolCall', async () => {
    const calls: unknown[] = []
    const chat = new PlainChat({ id: 'chat-abstract', transport: transport(), onToolCall: ({ toolCall }) => void calls.push(toolCall) })
    await chat.sendMessage({ text: 'hello' })
    expect(chat.status).toBe('ready')
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    expect(textOf(chat.messages[1]!)).toBe(greeting)
    await chat.sendMessage({ text: 'and the weather?' })
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect(calls).toMatchObject([
      { toolName: 'get_weather', input: { city: 'Paris', unit: 'celsius' }, toolCallId: expect.stringMatching(/^call_/) },
    ])
    expect(chat.error).toBeUndefined()
  })

  it('resumes a playing answer after a reload (resumeStream, as useChat({ resume: true }) does)', async () => {
    const first = new PlainChat({ id: 'chat-reload', transport: transport(slow) })
    const sending = first.sendMessage({ text: 'hi' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    // The reloaded page: the same chat id and the messages the app saved (the user's only).
    const reloaded = new PlainChat({ id: 'chat-reload', transport: transport({}), messages: [structuredClone(first.messages[0]!)] })
    await reloaded.resumeStream()
    await sending
    expect(reloaded.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    expect(textOf(reloaded.messages[1]!)).toBe(greeting)
    expect(reloaded.messages[1]).toEqual(first.messages[1])
  })

  it('stays submitted until the first token is due, as with a real model behind streamText', async () => {
    const chat = new PlainChat({ id: 'chat-ttft', transport: transport({ 'x-tokensim-ttft': '500', 'x-tokensim-delay': '0' }) })
    const sending = chat.sendMessage({ text: 'hi' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(chat.status).toBe('submitted')
    await sending
    expect(chat.status).toBe('ready')
    expect(textOf(chat.messages[1]!)).toBe(greeting)
  })

  it('shows a bad request as the chat error', async () => {
    const chat = new PlainChat({ id: 'chat-bad', transport: transport({ 'x-tokensim-unit': 'byte' }) })
    await chat.sendMessage({ text: 'hi' })
    expect(chat.status).toBe('error')
    expect(JSON.parse(chat.error!.message)).toMatchObject({ error: { param: 'x-tokensim-unit' } })
  })
})
