/** Gemini frames: a golden transcript, a round trip through an independent parser, the JSON-array form and the fold. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countTokens } from '../../src/core/tokens.js'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { encodeGemini, encodeGeminiJsonArray, foldGemini, googleJson } from '../../src/wire/gemini.js'
import { parseInPieces as parse } from '../helpers/sse.js'

const timing = { ttft: 100, delay: 20, jitter: 0 }
const meta = { id: 'resp-1', model: 'gemini-2.5-flash', includeThoughts: false }
const options = { unit: 'word', timing, seed: 0, chunk: 1, inputTokens: 5 } as const
const hello: Answer = { parts: [{ kind: 'text', text: 'Hi there!' }] }
const thinking: Answer = {
  parts: [
    { kind: 'reasoning', text: 'Let me think about it.' },
    { kind: 'text', text: 'Yes.' },
  ],
}

describe('encodeGemini', () => {
  it('sends one data event per unit, the last with the finish reason and the whole usage (golden transcript)', () => {
    const frames = encodeGemini(planTurn(hello, options), meta)
    expect(frames.map((f) => f.at)).toEqual([100, 120])
    const tail = '"modelVersion": "gemini-2.5-flash","responseId": "resp-1"}'
    expect(frames.map((f) => f.text).join('')).toBe(
      [
        // "Hi " is two o200k tokens on its own, "Hi there!" three in all: the running count never passes the total.
        `data: {"candidates": [{"content": {"parts": [{"text": "Hi "}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 5,"candidatesTokenCount": 2,"totalTokenCount": 7,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}]},${tail}`,
        '',
        `data: {"candidates": [{"content": {"parts": [{"text": "there!"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 5,"candidatesTokenCount": 3,"totalTokenCount": 8,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}]},${tail}`,
        '',
        '',
      ].join('\n'),
    )
  })

  it('hides reasoning unless includeThoughts, but always takes its time and counts it as thoughtsTokenCount', () => {
    const plan = planTurn(thinking, options)
    const thoughts = countTokens('Let me think about it.')
    const hidden = chunks(encodeGemini(plan, meta))
    expect(JSON.stringify(hidden)).not.toContain('think')
    expect(encodeGemini(plan, meta)[0]!.at).toBe(100 + 5 * 20) // "Yes." after the five reasoning words
    expect(hidden[0]!.usageMetadata.thoughtsTokenCount).toBe(thoughts) // the thinking is over by the first visible chunk
    expect(hidden.at(-1)!.usageMetadata).toEqual({
      promptTokenCount: 5,
      candidatesTokenCount: countTokens('Yes.'),
      totalTokenCount: 5 + thoughts + countTokens('Yes.'),
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
      thoughtsTokenCount: thoughts,
    })

    const shown = chunks(encodeGemini(plan, { ...meta, includeThoughts: true }))
    const parts = shown.flatMap((c) => c.candidates[0]!.content.parts)
    expect(
      parts
        .filter((p) => p.thought === true)
        .map((p) => p.text)
        .join(''),
    ).toBe('Let me think about it.')
    expect(
      parts
        .filter((p) => p.thought === undefined)
        .map((p) => p.text)
        .join(''),
    ).toBe('Yes.')
    expect(parts.findIndex((p) => p.thought === undefined)).toBe(5) // thoughts first, one chunk per word
    const folded = foldGemini(plan, { ...meta, includeThoughts: true }) as Chunk
    expect(folded.candidates[0]!.content.parts).toEqual([{ text: 'Let me think about it.', thought: true }, { text: 'Yes.' }])
    expect((foldGemini(plan, meta) as Chunk).candidates[0]!.content.parts).toEqual([{ text: 'Yes.' }])
  })

  it('sends a tool call whole, as one functionCall part when its arguments are done, with finishReason STOP', () => {
    const answer: Answer = {
      parts: [
        { kind: 'text', text: 'Sure.' },
        { kind: 'tool_call', id: 'abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    }
    const plan = planTurn(answer, { ...options, unit: 'char' })
    const frames = encodeGemini(plan, meta)
    const sent = chunks(frames)
    expect(sent).toHaveLength('Sure.'.length + 1)
    expect(sent.at(-1)!.candidates[0]).toEqual({
      content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], role: 'model' },
      finishReason: 'STOP',
      index: 0,
    })
    expect(frames.at(-1)!.at).toBe(plan.end) // when the last character of the arguments would have been generated
    expect(frames.at(-1)!.at).toBe(100 + 20 * ('Sure.'.length + '{"city":"Paris"}'.length - 1))
    expect(sent.slice(0, -1).every((c) => c.candidates[0]!.finishReason === undefined)).toBe(true)
    expect((foldGemini(plan, meta) as Chunk).candidates[0]!.content.parts).toEqual([
      { text: 'Sure.' },
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
    ])
    expect(sent.at(-1)!.usageMetadata.candidatesTokenCount).toBe(plan.usage.output)
  })

  it('ends an empty answer with one empty text part carrying the finish reason', () => {
    const plan = planTurn({ parts: [{ kind: 'text', text: '' }] }, { ...options, inputTokens: 0 })
    expect(chunks(encodeGemini(plan, meta))).toEqual([
      {
        candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: {},
        modelVersion: 'gemini-2.5-flash',
        responseId: 'resp-1',
      },
    ])
  })

  it('ends an answer of hidden reasoning only with an empty text part when the reasoning ends', () => {
    const plan = planTurn({ parts: [{ kind: 'reasoning', text: 'Just thinking.' }] }, options)
    const frames = encodeGemini(plan, meta)
    expect(frames.map((f) => f.at)).toEqual([plan.end])
    expect(plan.end).toBe(100 + 20)
    expect(chunks(frames)[0]!.candidates[0]).toEqual({ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 })
    expect(chunks(frames)[0]!.usageMetadata.thoughtsTokenCount).toBe(countTokens('Just thinking.'))
  })

  it('reads back as the same events through eventsource-parser, cut anywhere, and folds to the same text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 0, max: 2 ** 31 }), (text, seed) => {
        const plan = planTurn({ parts: [{ kind: 'text', text }] }, { ...options, unit: 'char' })
        const frames = encodeGemini(plan, meta)
        expect(frames.map((f) => f.at)).toEqual([...frames.map((f) => f.at)].sort((a, b) => a - b))
        const events = parse(frames, seed)
        expect(events.map((e) => e.data)).toEqual(parse(frames, 0, Infinity).map((e) => e.data))
        const sent = events.map((e) => JSON.parse(e.data) as Chunk)
        expect(sent.map((c) => c.candidates[0]!.content.parts[0]!.text).join('')).toBe(text)
        expect(sent.filter((c) => c.candidates[0]!.finishReason === 'STOP')).toHaveLength(1)
        expect(sent.at(-1)!.candidates[0]!.finishReason).toBe('STOP')
        expect((foldGemini(plan, meta) as Chunk).candidates[0]!.content.parts).toEqual([{ text }])
      }),
      { seed: 7, numRuns: 100 },
    )
  })
})

describe('encodeGeminiJsonArray', () => {
  it('streams the same chunks as the elements of one JSON array, closed when the stream ends', () => {
    const plan = planTurn(thinking, options)
    const frames = encodeGeminiJsonArray(plan, { ...meta, includeThoughts: true })
    const text = frames.map((f) => f.text).join('')
    expect(text.startsWith('[{\n  "candidates": [')).toBe(true)
    expect(text.endsWith('\n]')).toBe(true)
    expect(frames.at(-1)!.at).toBe(plan.end)
    expect(JSON.parse(text)).toEqual(chunks(encodeGemini(plan, { ...meta, includeThoughts: true })))
  })
})

describe('googleJson', () => {
  it("is valid JSON for the same value, in the API's spacing", () => {
    expect(googleJson({ a: [1, { b: 'x' }], c: true, d: null, e: undefined })).toBe('{"a": [1,{"b": "x"}],"c": true,"d": null}')
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(googleJson(value))).toEqual(JSON.parse(JSON.stringify(value)))
      }),
      { seed: 7, numRuns: 200 },
    )
  })
})

interface Chunk {
  candidates: {
    content: { parts: { text?: string; thought?: boolean; functionCall?: unknown }[]; role: string }
    finishReason?: string
    index: number
  }[]
  usageMetadata: { promptTokenCount?: number; candidatesTokenCount?: number; totalTokenCount?: number; thoughtsTokenCount?: number }
}

const chunks = (frames: readonly { text: string }[]): Chunk[] => parse(frames).map((e) => JSON.parse(e.data) as Chunk)
