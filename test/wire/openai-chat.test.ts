/** OpenAI Chat Completions frames: a golden transcript, a round trip through an independent parser, and the fold. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { encodeOpenAIChat, foldOpenAIChat } from '../../src/wire/openai-chat.js'
import { parseInPieces as parse } from '../helpers/sse.js'

const timing = { ttft: 100, delay: 20, jitter: 0 }
const meta = { id: 'chatcmpl-1', created: 1700000000, model: 'gpt-4o' }
const options = { unit: 'word', timing, seed: 0, chunk: 1, inputTokens: 5 } as const
const hello: Answer = { parts: [{ kind: 'text', text: 'Hi there!' }] }

const head =
  '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_tokensim","choices":'

describe('encodeOpenAIChat', () => {
  it('sends the role, one content delta per unit, the finish reason, the usage and [DONE] (golden transcript)', () => {
    const frames = encodeOpenAIChat(planTurn(hello, options), { ...meta, includeUsage: true })
    expect(frames.map((f) => f.at)).toEqual([100, 100, 120, 120, 120, 120])
    expect(frames.map((f) => f.text).join('')).toBe(
      [
        `data: ${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
        '',
        `data: ${head}[{"index":0,"delta":{"content":"Hi "},"logprobs":null,"finish_reason":null}],"usage":null}`,
        '',
        `data: ${head}[{"index":0,"delta":{"content":"there!"},"logprobs":null,"finish_reason":null}],"usage":null}`,
        '',
        `data: ${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
        '',
        `data: ${head}[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
        '',
        'data: [DONE]',
        '',
        '',
      ].join('\n'),
    )
  })

  it('sends the role chunk at the first byte, before the first unit, for a profile with distinct moments (golden)', () => {
    const moments = {
      kind: 'profile',
      name: 'moments',
      headers: { median: 50, p99: 50 },
      firstByte: { median: 80, p99: 80 },
      ttft: { median: 100, p99: 100 },
      gap: { median: 20, p99: 20 },
    } as const
    const plan = planTurn(hello, { ...options, timing: moments })
    expect([plan.headersAt, plan.firstByteAt, plan.start]).toEqual([50, 80, 100])
    const frames = encodeOpenAIChat(plan, { ...meta, includeUsage: false })
    expect(frames.map((f) => f.at)).toEqual([80, 100, 120, 120, 120])
    expect(frames.map((f) => f.text).join('')).toBe(
      [
        `data: ${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}`,
        '',
        `data: ${head}[{"index":0,"delta":{"content":"Hi "},"logprobs":null,"finish_reason":null}]}`,
        '',
        `data: ${head}[{"index":0,"delta":{"content":"there!"},"logprobs":null,"finish_reason":null}]}`,
        '',
        `data: ${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
        '',
        'data: [DONE]',
        '',
        '',
      ].join('\n'),
    )
  })

  it('leaves usage out of every chunk unless include_usage is asked for', () => {
    const text = encodeOpenAIChat(planTurn(hello, options), { ...meta, includeUsage: false })
      .map((f) => f.text)
      .join('')
    expect(text).not.toContain('usage')
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('streams a tool call as its name, then its arguments in pieces, and finishes with tool_calls', () => {
    const answer: Answer = { parts: [{ kind: 'tool_call', id: 'abc', name: 'get_weather', arguments: '{"city":"Paris"}' }] }
    const events = parse(encodeOpenAIChat(planTurn(answer, { ...options, unit: 'char' }), { ...meta, includeUsage: false }))
    const chunks = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Chunk)
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(calls[0]).toEqual({ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } })
    expect(
      calls
        .slice(1)
        .map((c) => c.function.arguments)
        .join(''),
    ).toBe('{"city":"Paris"}')
    expect(calls.length).toBe(1 + '{"city":"Paris"}'.length)
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls')
    const folded = foldOpenAIChat(planTurn(answer, options), meta)
    expect(folded.choices[0]?.message).toMatchObject({
      content: null,
      tool_calls: [{ id: 'call_abc', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    })
  })

  it('takes time for reasoning but sends none of it (the API does not stream it), and counts it', () => {
    const answer: Answer = {
      parts: [
        { kind: 'reasoning', text: 'Let me think about it.' },
        { kind: 'text', text: 'Yes.' },
      ],
    }
    const plan = planTurn(answer, options)
    const frames = encodeOpenAIChat(plan, { ...meta, includeUsage: true })
    const text = frames.map((f) => f.text).join('')
    expect(text).not.toContain('think')
    expect(frames[0]!.at).toBe(100) // the role chunk when the model starts, reasoning included
    expect(frames[1]!.at).toBe(100 + 5 * 20) // "Yes." after the five reasoning words
    expect(text).toContain(`"reasoning_tokens":${plan.usage.reasoning}`)
    expect(plan.usage.reasoning).toBeGreaterThan(0)
  })

  it('reads back as the same events through eventsource-parser, cut anywhere, and folds to the same text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 0, max: 2 ** 31 }), (text, seed) => {
        const plan = planTurn({ parts: [{ kind: 'text', text }] }, { ...options, unit: 'char' })
        const events = parse(encodeOpenAIChat(plan, { ...meta, includeUsage: true }), seed)
        expect(events.at(-1)?.data).toBe('[DONE]')
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Chunk)
        const streamed = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
        expect(streamed).toBe(text)
        expect(foldOpenAIChat(plan, meta).choices[0]?.message.content).toBe(text)
      }),
      { seed: 7, numRuns: 100 },
    )
  })
})

interface Chunk {
  choices: {
    delta: {
      content?: string
      tool_calls?: { index: number; id?: string; type?: string; function: { name?: string; arguments: string } }[]
    }
    finish_reason: string | null
  }[]
}
