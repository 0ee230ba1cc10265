/** AI SDK UI message stream frames: a golden transcript, a round trip through an independent parser, and the fold. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { encodeAiSdkUi, foldAiSdkUi } from '../../src/wire/ai-sdk-ui.js'
import { parseInPieces as parse } from '../helpers/sse.js'

const timing = { ttft: 100, delay: 20, jitter: 0 }
const meta = { messageId: 'msg-1' }
const options = { unit: 'word', timing, seed: 0, chunk: 1, inputTokens: 5 } as const
const hello: Answer = { parts: [{ kind: 'text', text: 'Hi there!' }] }

interface Chunk {
  type: string
  id?: string
  delta?: string
  toolCallId?: string
  toolName?: string
  inputTextDelta?: string
  input?: unknown
  messageMetadata?: unknown
}

describe('encodeAiSdkUi', () => {
  it('sends start, a text part delta by delta, the finish with usage and [DONE] (golden transcript)', () => {
    const frames = encodeAiSdkUi(planTurn(hello, options), meta)
    expect(frames.map((f) => f.at)).toEqual([0, 100, 100, 120, 120, 120])
    expect(frames.map((f) => f.text).join('')).toBe(
      [
        'data: {"type":"start","messageId":"msg-1"}',
        '',
        'data: {"type":"start-step"}',
        '',
        'data: {"type":"text-start","id":"0"}',
        '',
        'data: {"type":"text-delta","id":"0","delta":"Hi "}',
        '',
        'data: {"type":"text-delta","id":"0","delta":"there!"}',
        '',
        'data: {"type":"text-end","id":"0"}',
        '',
        'data: {"type":"finish-step"}',
        '',
        'data: {"type":"finish","messageMetadata":{"finishReason":"stop","usage":{"inputTokens":5,"outputTokens":3,"totalTokens":8,"reasoningTokens":0}}}',
        '',
        'data: [DONE]',
        '',
        '',
      ].join('\n'),
    )
  })

  it('streams reasoning, then text, then a tool call (its input in pieces, then parsed), each opened at its start', () => {
    const answer: Answer = {
      parts: [
        { kind: 'reasoning', text: 'Let me think.' },
        { kind: 'text', text: 'Sure.' },
        { kind: 'tool_call', id: 'abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    }
    const plan = planTurn(answer, { ...options, unit: 'char' })
    const frames = encodeAiSdkUi(plan, meta)
    const at = frames.map((f) => f.at)
    expect(at).toEqual([...at].sort((a, b) => a - b)) // non-decreasing
    const chunks = parse(frames)
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as Chunk)
    const types = chunks.map((c) => c.type).filter((t, i, all) => t !== all[i - 1])
    expect(types).toEqual([
      'start', 'start-step',
      'reasoning-start', 'reasoning-delta', 'reasoning-end',
      'text-start', 'text-delta', 'text-end',
      'tool-input-start', 'tool-input-delta', 'tool-input-available',
      'finish-step', 'finish',
    ]) // prettier-ignore
    expect(
      chunks
        .filter((c) => c.type === 'reasoning-delta')
        .map((c) => c.delta)
        .join(''),
    ).toBe('Let me think.')
    expect(chunks.find((c) => c.type === 'tool-input-start')).toEqual({
      type: 'tool-input-start',
      toolCallId: 'call_abc',
      toolName: 'get_weather',
    })
    expect(
      chunks
        .filter((c) => c.type === 'tool-input-delta')
        .map((c) => c.inputTextDelta)
        .join(''),
    ).toBe('{"city":"Paris"}')
    expect(chunks.find((c) => c.type === 'tool-input-available')).toEqual({
      type: 'tool-input-available',
      toolCallId: 'call_abc',
      toolName: 'get_weather',
      input: { city: 'Paris' },
    })
    expect(chunks.at(-1)?.messageMetadata).toMatchObject({ finishReason: 'tool-calls', usage: { reasoningTokens: plan.usage.reasoning } })
    // Part boundaries at the parts' own offsets: reasoning closes with its last delta, text opens with its first.
    const reasoning = plan.parts[0]!
    const text = plan.parts[1]!
    expect(frames.find((f) => f.text.includes('"reasoning-end"'))?.at).toBe(reasoning.end)
    expect(frames.find((f) => f.text.includes('"text-start"'))?.at).toBe(text.start)
    expect(frames.at(-1)?.at).toBe(plan.end)
  })

  it('sends no field that an ai 5 client (strict chunk schemas) does not know', () => {
    const answer: Answer = {
      parts: [
        { kind: 'reasoning', text: 'a b' },
        { kind: 'text', text: 'c' },
        { kind: 'tool_call', id: 'x', name: 't', arguments: '' },
      ],
    }
    const known: Record<string, readonly string[]> = {
      start: ['messageId', 'messageMetadata'],
      'start-step': [],
      'finish-step': [],
      finish: ['messageMetadata'],
      'text-start': ['id'], 'text-delta': ['id', 'delta'], 'text-end': ['id'],
      'reasoning-start': ['id'], 'reasoning-delta': ['id', 'delta'], 'reasoning-end': ['id'],
      'tool-input-start': ['toolCallId', 'toolName'],
      'tool-input-delta': ['toolCallId', 'inputTextDelta'],
      'tool-input-available': ['toolCallId', 'toolName', 'input'],
    } // prettier-ignore
    const chunks = parse(encodeAiSdkUi(planTurn(answer, options), meta))
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as Chunk)
    for (const chunk of chunks) {
      const { type, ...fields } = chunk
      expect(
        Object.keys(fields).every((f) => known[type]?.includes(f)),
        JSON.stringify(chunk),
      ).toBe(true)
    }
    // No arguments at all is an empty input, not a parse error.
    expect(chunks.find((c) => c.type === 'tool-input-available')?.input).toEqual({})
  })

  it('reads back as the same events through eventsource-parser, cut anywhere, and folds to the same text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.string({ maxLength: 30 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (text, thought, seed) => {
          const plan = planTurn(
            {
              parts: [
                { kind: 'reasoning', text: thought },
                { kind: 'text', text },
              ],
            },
            { ...options, unit: 'char' },
          )
          const frames = encodeAiSdkUi(plan, meta)
          const whole = parse(frames, 0, Infinity)
          const events = parse(frames, seed)
          expect(events).toEqual(whole)
          expect(events.at(-1)?.data).toBe('[DONE]')
          const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Chunk)
          const joined = (type: string) =>
            chunks
              .filter((c) => c.type === type)
              .map((c) => c.delta)
              .join('')
          expect(joined('text-delta')).toBe(text)
          expect(joined('reasoning-delta')).toBe(thought)
          const folded = foldAiSdkUi(plan, meta)
          expect(folded.parts).toEqual([
            { type: 'step-start' },
            { type: 'reasoning', text: thought, state: 'done' },
            { type: 'text', text, state: 'done' },
          ])
        },
      ),
      { seed: 7, numRuns: 100 },
    )
  })
})
