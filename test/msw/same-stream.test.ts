/**
 * The same request through tokensim/msw and through a started tokensim server gives the same stream: the same
 * events with the same data, save the fields that differ between any two responses by design (ids and creation
 * times, named in EXCLUDED), the same schedule (the journal's planned moments, to the millisecond) and arrivals
 * spread out the same way (measured, with generous bounds). Both are read by the same fetch in this process.
 */
import { createParser } from 'eventsource-parser'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start, type Tokensim } from '../../src/index.js'
import { tokensimHandlers } from '../../src/msw.js'
import { chunks } from '../helpers/sse.js'

/** The server's and the handlers' options: a seeded latency profile and a scenario with a tool call. */
const OPTIONS = { profile: 'typical', seed: 7 } as const
const RULES = [
  {
    name: 'weather',
    match: { contains: 'weather' },
    text: 'Let me check.',
    tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
  },
]

/**
 * Fields whose values differ between two responses to the same request, on the server as much as here: each
 * response's own ids (the response's, its message's, its items', its tool calls') and the time it was created
 * (whole seconds since the epoch: two responses a second apart differ).
 */
const EXCLUDED: Record<string, readonly string[]> = {
  'openai-chat': ['id', 'created'],
  'openai-responses': ['id', 'item_id', 'created_at', 'completed_at'],
  'anthropic-messages': ['id'],
  gemini: ['responseId'],
  'ai-sdk-ui': ['messageId', 'toolCallId'],
}

interface Case {
  readonly route: string
  /** The path on both, after the vendor's origin or the server's URL. */
  readonly path: string
  readonly origin: string
  readonly body: unknown
  readonly headers?: Record<string, string>
}

const user = (text: string) => [{ role: 'user', content: text }]
const CASES: Record<string, Case> = {
  'openai chat, streamed': {
    route: 'openai-chat',
    origin: 'https://api.openai.com',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: user('Hi') },
  },
  'openai chat, a tool call from a scenario and a stall': {
    route: 'openai-chat',
    origin: 'https://api.openai.com',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o', stream: true, messages: user("What's the weather in Paris?") },
    headers: { 'x-tokensim-fault': 'stall-after:2:400' },
  },
  'openai responses': {
    route: 'openai-responses',
    origin: 'https://api.openai.com',
    path: '/v1/responses',
    body: { model: 'gpt-4o', stream: true, input: 'Hi' },
  },
  'anthropic messages, a tool call': {
    route: 'anthropic-messages',
    origin: 'https://api.anthropic.com',
    path: '/v1/messages',
    body: { model: 'claude-x', max_tokens: 1024, stream: true, messages: user('weather?') },
  },
  gemini: {
    route: 'gemini',
    origin: 'https://generativelanguage.googleapis.com',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] },
  },
  'ai sdk ui (/api/chat)': {
    route: 'ai-sdk-ui',
    origin: 'http://app.test',
    path: '/api/chat',
    body: { id: 'same-1', trigger: 'submit-message', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'weather?' }] }] },
  },
}

interface Event {
  readonly event: string | undefined
  readonly data: string
  /** ms after the request was sent */
  readonly at: number
}

async function read(url: string, { body, headers = {} }: Case): Promise<Event[]> {
  const events: Event[] = []
  const sent = performance.now()
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  expect(response.status, url).toBe(200)
  const parser = createParser({ onEvent: ({ event, data }) => events.push({ event, data, at: performance.now() - sent }) })
  const decoder = new TextDecoder()
  for await (const chunk of chunks(response.body!)) parser.feed(decoder.decode(chunk, { stream: true }))
  return events
}

/** An event's data with the excluded fields' values replaced (and counted), anywhere in it. */
function normalized(data: string, excluded: readonly string[], seen: Set<string>): unknown {
  if (data === '[DONE]') return data
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk)
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => {
        if (!excluded.includes(key) || (typeof field !== 'string' && typeof field !== 'number')) return [key, walk(field)]
        seen.add(key)
        return [key, `<${key}>`]
      }),
    )
  }
  return walk(JSON.parse(data))
}

interface Scheduled {
  readonly headers_ms: number
  readonly first_byte_ms: number
  readonly first_text_ms: number
  readonly end_ms: number
}
const lastScheduled = async (response: Response): Promise<{ route: string; scheduled: Scheduled }> => {
  const { route, scheduled } = ((await response.json()) as { entries: { route: string; scheduled: Scheduled }[] }).entries.at(-1)!
  return { route, scheduled }
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

let server: Tokensim
const sim = tokensimHandlers({ ...OPTIONS, scenarios: RULES, urls: { chat: 'http://app.test/api/chat' } })
const mock = setupServer(...sim.handlers)
beforeAll(async () => {
  server = await start({ port: 0, ...OPTIONS, scenarios: undefined })
  // The server's rules, set at run time: the same rules as the handlers' (start() takes a file's path).
  const put = await fetch(`${server.url}/scenarios`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(RULES),
  })
  expect(put.status).toBe(200)
  // The server's requests pass through (unhandled: bypassed).
  mock.listen({ onUnhandledRequest: 'bypass' })
})
afterAll(async () => {
  mock.close()
  await server.close()
})

describe('the same request through tokensim/msw and a tokensim server', () => {
  it.each(Object.entries(CASES))('%s: the same events, schedule and spread', { timeout: 30_000 }, async (_name, request) => {
    const viaMsw = await read(`${request.origin}${request.path}`, request)
    const viaServer = await read(`${server.url}${request.path}`, request)

    const excluded = EXCLUDED[request.route]!
    const seen = new Set<string>()
    const shape = (events: readonly Event[]) => events.map(({ event, data }) => ({ event, data: normalized(data, excluded, seen) }))
    expect(viaMsw.length).toBeGreaterThan(10)
    expect(shape(viaMsw)).toEqual(shape(viaServer))
    // The fields set aside are there (each one this route's stream has), so the comparison saw the rest.
    expect([...seen].sort()).toEqual([...excluded].sort())

    // The same plan: the moments the journal says were scheduled, to the millisecond.
    const planned = await lastScheduled(await sim.app.fetch(new Request('http://tokensim/journal')))
    const served = await lastScheduled(await fetch(`${server.url}/journal`))
    expect(planned.route).toBe(request.route)
    expect(planned).toEqual(served)

    // Arrivals spread out the same way: the whole stream and its gaps, with bounds for a loaded machine.
    const span = (events: readonly Event[]) => events.at(-1)!.at - events[0]!.at
    const gaps = (events: readonly Event[]) => events.slice(1).map((event, i) => event.at - events[i]!.at)
    expect(span(viaServer)).toBeGreaterThan(200)
    expect(Math.abs(span(viaMsw) - span(viaServer))).toBeLessThan(150 + 0.2 * span(viaServer))
    expect(Math.abs(percentile(gaps(viaMsw), 90) - percentile(gaps(viaServer), 90))).toBeLessThan(80)
    // A stall is a silence in both (a loaded machine may add one elsewhere, so only its length is checked).
    const stall = Number(/stall-after:\d+:(\d+)/.exec(request.headers?.['x-tokensim-fault'] ?? '')?.[1] ?? 0)
    for (const events of [viaMsw, viaServer]) expect(Math.max(...gaps(events))).toBeGreaterThan(stall * 0.9)
  })
})
