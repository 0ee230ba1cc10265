/** Anthropic Messages frames: a golden transcript, a round trip through an independent parser, the fold, and the shaping. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countTokens } from '../../src/core/tokens.js'
import { planTurn } from '../../src/core/turn.js'
import type { Answer, TurnPlan } from '../../src/core/types.js'
import { encodeAnthropicMessages, foldAnthropicMessages, shapeAnthropicTurn, thinkingSignature } from '../../src/wire/anthropic-messages.js'
import type { TimedFrame } from '../../src/wire/frames.js'
import { parseInPieces as parse } from '../helpers/sse.js'

const timing = { ttft: 100, delay: 20, jitter: 0 }
const meta = { id: 'msg_1', created: 1700000000, model: 'claude-x', thinking: false }
const options = { unit: 'word', timing, seed: 0, chunk: 1, inputTokens: 5 } as const
const hello: Answer = { parts: [{ kind: 'text', text: 'Hi there!' }] }
const full: Answer = {
  parts: [
    { kind: 'reasoning', text: 'Let me think.' },
    { kind: 'text', text: 'Calling it.' },
    { kind: 'tool_call', id: 'abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
}
const open = { thinking: true, maxTokens: 4096 }

describe('encodeAnthropicMessages', () => {
  it('sends message_start, the block with a ping, its deltas, message_delta and message_stop (golden transcript)', () => {
    const frames = encodeAnthropicMessages(shapeAnthropicTurn(planTurn(hello, options), open), meta)
    expect(frames.map((f) => f.at)).toEqual([100, 100, 100, 120, 120, 120])
    const usage = '"cache_creation_input_tokens":0,"cache_read_input_tokens":0'
    expect(text(frames)).toBe(
      [
        'event: message_start',
        `data: {"type":"message_start","message":{"model":"claude-x","id":"msg_1","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"stop_details":null,"usage":{"input_tokens":5,${usage},"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard","inference_geo":"not_available"}}}`,
        '',
        'event: content_block_start',
        'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        '',
        'event: ping',
        'data: {"type":"ping"}',
        '',
        'event: content_block_delta',
        'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi "}}',
        '',
        'event: content_block_delta',
        'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"there!"}}',
        '',
        'event: content_block_stop',
        'data: {"type":"content_block_stop","index":0}',
        '',
        'event: message_delta',
        `data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null,"stop_details":null},"usage":{"input_tokens":5,${usage},"output_tokens":3}}`,
        '',
        'event: message_stop',
        'data: {"type":"message_stop"}',
        '',
        '',
      ].join('\n'),
    )
  })

  it('streams thinking with a closing signature, then text, then tool_use with its input in pieces', () => {
    const plan = shapeAnthropicTurn(planTurn(full, { ...options, unit: 'char' }), open)
    const frames = encodeAnthropicMessages(plan, { ...meta, thinking: true })
    expect(frames.map((f) => f.at)).toEqual([...frames.map((f) => f.at)].sort((a, b) => a - b))
    const events = parse(frames)
    for (const e of events) expect(JSON.parse(e.data)).toMatchObject({ type: e.event })
    const names = events.map((e) => e.event)
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping'])
    expect(names.filter((n) => n === 'ping')).toHaveLength(1)
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop'])
    const data = events.map((e) => JSON.parse(e.data) as Event)
    const starts = data.filter((d) => d.type === 'content_block_start')
    expect(starts.map((d) => d.content_block)).toEqual([
      { type: 'thinking', thinking: '', signature: '' },
      { type: 'text', text: '' },
      { type: 'tool_use', id: 'toolu_abc', name: 'get_weather', input: {} },
    ])
    const deltas = (index: number) => data.filter((d) => d.type === 'content_block_delta' && d.index === index).map((d) => d.delta!)
    expect(deltas(0).at(-1)).toEqual({ type: 'signature_delta', signature: thinkingSignature('msg_1', 0) })
    expect(
      deltas(0)
        .slice(0, -1)
        .map((d) => d.thinking)
        .join(''),
    ).toBe('Let me think.')
    expect(
      deltas(1)
        .map((d) => d.text)
        .join(''),
    ).toBe('Calling it.')
    expect(deltas(2)[0]).toEqual({ type: 'input_json_delta', partial_json: '' })
    expect(
      deltas(2)
        .map((d) => d.partial_json)
        .join(''),
    ).toBe('{"city":"Paris"}')
    const end = data.at(-2)!
    expect(end.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null, stop_details: null })
    expect(end.usage).toMatchObject({
      output_tokens: plan.usage.output,
      output_tokens_details: { thinking_tokens: countTokens('Let me think.') },
    })

    expect(foldAnthropicMessages(plan, { ...meta, thinking: true })).toMatchObject({
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: thinkingSignature('msg_1', 0) },
        { type: 'text', text: 'Calling it.' },
        { type: 'tool_use', id: 'toolu_abc', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 5, output_tokens: plan.usage.output },
    })
  })

  it('reads back as the same events through eventsource-parser, cut anywhere, and folds to the same text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 0, max: 2 ** 31 }), (said, seed) => {
        const plan = shapeAnthropicTurn(planTurn({ parts: [{ kind: 'text', text: said }] }, { ...options, unit: 'char' }), open)
        const frames = encodeAnthropicMessages(plan, meta)
        const whole = parse(frames, 0, Infinity)
        const cut = parse(frames, seed)
        expect(cut).toEqual(whole)
        const streamed = cut.map((e) => JSON.parse(e.data) as Event).map((d) => d.delta?.text ?? '')
        expect(streamed.join('')).toBe(said)
        expect(foldAnthropicMessages(plan, meta).content).toEqual([{ type: 'text', text: said }])
      }),
      { seed: 7, numRuns: 100 },
    )
  })
})

describe('shapeAnthropicTurn', () => {
  it('without thinking, takes the reasoning time but sends and counts none of it, blocks from index 0', () => {
    const plan = planTurn(full, options)
    const shaped = shapeAnthropicTurn(plan, { thinking: false, maxTokens: 4096 })
    expect(shaped.parts.map((p) => [p.part.kind, p.index])).toEqual([
      ['text', 0],
      ['tool_call', 1],
    ])
    expect(shaped.usage).toEqual({ input: 5, output: plan.usage.output - plan.usage.reasoning, reasoning: 0 })
    expect(shaped.parts[0]!.start).toBe(plan.parts[1]!.start) // after the hidden reasoning
    expect(text(encodeAnthropicMessages(shaped, meta))).not.toContain('think')
  })

  it('stops at max_tokens with stop_reason max_tokens, the stream and the fold cut alike', () => {
    const answer: Answer = { parts: [{ kind: 'text', text: 'one two three four five six seven' }] }
    const shaped = shapeAnthropicTurn(planTurn(answer, { ...options, unit: 'token' }), { thinking: false, maxTokens: 3 })
    expect(shaped.finish).toBe('length')
    expect(shaped.usage.output).toBe(3)
    const data = parse(encodeAnthropicMessages(shaped, meta)).map((e) => JSON.parse(e.data) as Event)
    const streamed = data.map((d) => d.delta?.text ?? '').join('')
    expect(streamed).toBe('one two three')
    expect(data.at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 3 } })
    expect(foldAnthropicMessages(shaped, meta)).toMatchObject({ content: [{ text: streamed }], stop_reason: 'max_tokens' })
    expect(shaped.end).toBe(shaped.parts[0]!.end)
  })

  it('leaves a plan that fits as it is', () => {
    const plan = planTurn(full, options)
    expect(shapeAnthropicTurn(plan, open)).toBe(plan)
    const none: TurnPlan = shapeAnthropicTurn(planTurn({ parts: [] }, options), open)
    expect(parse(encodeAnthropicMessages(none, meta)).map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'message_delta',
      'message_stop',
    ])
  })
})

interface Event {
  type: string
  index?: number
  content_block?: unknown
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string; stop_reason?: string }
  usage?: unknown
}

const text = (frames: readonly TimedFrame[]): string => frames.map((f) => f.text).join('')
