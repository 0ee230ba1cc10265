/** The OpenAI Responses encoder: exact bytes, an independent SSE parser, and the fold agreeing with the stream. */
import { describe, expect, it } from 'vitest'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { encodeOpenAIResponses, foldOpenAIResponses, responseJson, type OpenAIResponsesOptions } from '../../src/wire/openai-responses.js'
import { parseInPieces } from '../helpers/sse.js'

const META: OpenAIResponsesOptions = { id: 'resp_abc', created: 1700000000, model: 'gpt-4o', echo: {}, obfuscation: false }
const TIMING = { ttft: 100, delay: 10, jitter: 0 }
const plan = (answer: Answer, unit: 'word' | 'char' = 'word') =>
  planTurn(answer, { unit, timing: TIMING, seed: 1, chunk: 1, inputTokens: 3 })

const RICH: Answer = {
  parts: [
    { kind: 'reasoning', text: 'Think.' },
    { kind: 'text', text: 'Hello, world' },
    { kind: 'tool_call', id: 'X1', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
}

// The response object in progress and done, as in the captured streams (floats as `1.0`, usage null until done).
const head = (status: string, completedAt: string) =>
  `{"id":"resp_abc","object":"response","created_at":1700000000,"status":"${status}","background":false,"completed_at":${completedAt},"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"max_tool_calls":null,"model":"gpt-4o","output":`
const tail = (tier: string, usage: string) =>
  `,"parallel_tool_calls":true,"previous_response_id":null,"prompt_cache_key":null,"prompt_cache_retention":null,"reasoning":{"effort":null,"summary":null},"safety_identifier":null,"service_tier":"${tier}","store":true,"temperature":1.0,"text":{"format":{"type":"text"},"verbosity":"medium"},"tool_choice":"auto","tools":[],"top_logprobs":0,"top_p":1.0,"truncation":"disabled","usage":${usage},"user":null,"metadata":{}}`
const MESSAGE = `{"id":"msg_abc00","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"Hi there"}],"role":"assistant"}`
const USAGE = `{"input_tokens":3,"input_tokens_details":{"cached_tokens":0},"output_tokens":2,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":5}`
const OPEN = head('in_progress', 'null') + '[]' + tail('auto', 'null')

const GOLDEN = [
  `event: response.created\ndata: {"type":"response.created","response":${OPEN},"sequence_number":0}\n\n`,
  `event: response.in_progress\ndata: {"type":"response.in_progress","response":${OPEN},"sequence_number":1}\n\n`,
  `event: response.output_item.added\ndata: {"type":"response.output_item.added","item":{"id":"msg_abc00","type":"message","status":"in_progress","content":[],"role":"assistant"},"output_index":0,"sequence_number":2}\n\n`,
  `event: response.content_part.added\ndata: {"type":"response.content_part.added","content_index":0,"item_id":"msg_abc00","output_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""},"sequence_number":3}\n\n`,
  `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","content_index":0,"delta":"Hi ","item_id":"msg_abc00","logprobs":[],"output_index":0,"sequence_number":4}\n\n`,
  `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","content_index":0,"delta":"there","item_id":"msg_abc00","logprobs":[],"output_index":0,"sequence_number":5}\n\n`,
  `event: response.output_text.done\ndata: {"type":"response.output_text.done","content_index":0,"item_id":"msg_abc00","logprobs":[],"output_index":0,"sequence_number":6,"text":"Hi there"}\n\n`,
  `event: response.content_part.done\ndata: {"type":"response.content_part.done","content_index":0,"item_id":"msg_abc00","output_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":"Hi there"},"sequence_number":7}\n\n`,
  `event: response.output_item.done\ndata: {"type":"response.output_item.done","item":${MESSAGE},"output_index":0,"sequence_number":8}\n\n`,
  `event: response.completed\ndata: {"type":"response.completed","response":${head('completed', '1700000000')}[${MESSAGE}]${tail('default', USAGE)},"sequence_number":9}\n\n`,
]

describe('encodeOpenAIResponses', () => {
  it('writes the exact bytes of a small stream, each frame at its offset', () => {
    const frames = encodeOpenAIResponses(plan({ parts: [{ kind: 'text', text: 'Hi there' }] }), META)
    expect(frames.map((f) => f.text)).toEqual(GOLDEN)
    expect(frames.map((f) => f.at)).toEqual([0, 0, 100, 100, 100, 110, 110, 110, 110, 110])
  })

  it('gives the same events through an independent parser fed at random boundaries', () => {
    const p = plan(RICH, 'char')
    const wire = encodeOpenAIResponses(p, { ...META, obfuscation: true })
      .map((f) => f.text)
      .join('')
    const whole = parseInPieces(wire, 0)
    for (const seed of [1, 2, 3, 42]) expect(parseInPieces(wire, seed)).toEqual(whole)
    const payloads = whole.map((e) => JSON.parse(e.data) as Record<string, unknown>)
    // The event line names the type; sequence numbers count from 0 with no gap.
    expect(whole.map((e) => e.event)).toEqual(payloads.map((d) => d['type']))
    expect(payloads.map((d) => d['sequence_number'])).toEqual(payloads.map((_, i) => i))
    const types = [...new Set(payloads.map((d) => d['type']))]
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.completed',
    ])
    const joined = (type: string) =>
      payloads
        .filter((d) => d['type'] === type)
        .map((d) => d['delta'])
        .join('')
    expect(joined('response.reasoning_summary_text.delta')).toBe('Think.')
    expect(joined('response.output_text.delta')).toBe('Hello, world')
    expect(joined('response.function_call_arguments.delta')).toBe('{"city":"Paris"}')
    // Every event of an item names the id its output_item.added gave it.
    const ids = new Map(
      payloads.filter((d) => d['type'] === 'response.output_item.added').map((d) => [d['output_index'], (d['item'] as { id: string }).id]),
    )
    expect([...ids.values()]).toEqual(['rs_abc00', 'msg_abc01', 'fc_X1'])
    for (const d of payloads) if ('item_id' in d) expect(d['item_id']).toBe(ids.get(d['output_index']))
    const added = payloads.find((d) => d['type'] === 'response.output_item.added' && d['output_index'] === 2)!
    expect(added['item']).toMatchObject({ type: 'function_call', call_id: 'call_X1', name: 'get_weather', arguments: '' })
    // Obfuscation pads each delta's payload (to a multiple of 16 characters) with letters and digits.
    for (const d of payloads.filter((p) => typeof p['delta'] === 'string')) {
      expect(d['obfuscation']).toMatch(/^[A-Za-z0-9]+$/)
      expect(((d['delta'] as string).length + (d['obfuscation'] as string).length) % 16).toBe(0)
    }
  })

  it('keeps offsets non-decreasing, opens parts at their start and closes them at their end', () => {
    const p = plan(RICH)
    const frames = encodeOpenAIResponses(p, META)
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.at).toBeGreaterThanOrEqual(frames[i - 1]!.at)
    const at = (type: string, index: number) => frames.filter((f) => f.text.startsWith(`event: ${type}\n`))[index]!.at
    p.parts.forEach((part, i) => {
      expect(at('response.output_item.added', i)).toBe(part.start)
      expect(at('response.output_item.done', i)).toBe(part.end)
    })
    expect(frames.at(-1)!.at).toBe(p.end)
  })

  it('encodes the same plan the same way twice, obfuscation included', () => {
    const p = plan(RICH)
    expect(encodeOpenAIResponses(p, { ...META, obfuscation: true })).toEqual(encodeOpenAIResponses(p, { ...META, obfuscation: true }))
  })
})

describe('foldOpenAIResponses', () => {
  it('is the response.completed object, with the text of the deltas joined', () => {
    const p = plan(RICH, 'char')
    const events = parseInPieces(
      encodeOpenAIResponses(p, META)
        .map((f) => f.text)
        .join(''),
      7,
    )
    const completed = JSON.parse(events.at(-1)!.data) as { response: unknown }
    const fold = foldOpenAIResponses(p, META)
    expect(JSON.parse(responseJson(fold))).toEqual(completed.response)
    const deltas = events
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => (JSON.parse(e.data) as { delta: string }).delta)
    const message = fold.output.find((item) => item.type === 'message') as { content: Array<{ text: string }> }
    expect(message.content[0]!.text).toBe(deltas.join(''))
    expect(fold.usage).toEqual({
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: p.usage.output,
      output_tokens_details: { reasoning_tokens: p.usage.reasoning },
      total_tokens: 3 + p.usage.output,
    })
  })

  it('echoes the request configuration and writes whole floats as the API does', () => {
    const echo = {
      instructions: 'Be brief.',
      temperature: 0.5,
      top_p: 1,
      tools: [{ type: 'function', name: 'f' }],
      metadata: { a: 'b' },
      store: false,
    }
    const text = responseJson(foldOpenAIResponses(plan({ parts: [{ kind: 'text', text: 'ok' }] }), { ...META, echo }))
    expect(text).toContain('"instructions":"Be brief."')
    expect(text).toContain('"temperature":0.5,')
    expect(text).toContain('"top_p":1.0,')
    expect(text).toContain('"store":false,')
    expect(JSON.parse(text)).toMatchObject({ tools: echo.tools, metadata: echo.metadata, status: 'completed' })
  })
})
