/**
 * A misbehaving model on the wire: the exact shapes each encoder sends for a refusal, a content filter's stop, a
 * call that is not JSON, a call to a tool not offered and two calls with one id, streamed and folded alike
 * (what the SDKs make of them is in test/server/misbehave.test.ts).
 */
import { describe, expect, it } from 'vitest'
import type { Misbehaviour } from '../../src/core/faults.js'
import { misbehave, REFUSAL_TEXT } from '../../src/core/misbehave.js'
import { planTurn } from '../../src/core/turn.js'
import type { Answer, TurnPlan } from '../../src/core/types.js'
import { encodeAiSdkUi, foldAiSdkUi } from '../../src/wire/ai-sdk-ui.js'
import { encodeAnthropicMessages, foldAnthropicMessages, shapeAnthropicTurn } from '../../src/wire/anthropic-messages.js'
import { encodeGemini, foldGemini } from '../../src/wire/gemini.js'
import { encodeOpenAIChat, foldOpenAIChat } from '../../src/wire/openai-chat.js'
import { encodeOpenAIResponses, foldOpenAIResponses } from '../../src/wire/openai-responses.js'

const answer: Answer = {
  parts: [
    { kind: 'text', text: 'Let me check the weather.' },
    { kind: 'tool_call', id: 'X1', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
}
const plan = (...faults: Misbehaviour[]): TurnPlan =>
  planTurn(misbehave(answer, faults, { tools: ['get_weather'], callId: 'NEW' }), {
    unit: 'word',
    timing: { ttft: 10, delay: 5, jitter: 0 },
    seed: 0,
    chunk: 1,
    inputTokens: 4,
  })
const data = (text: string) => [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!).filter((d) => d !== '[DONE]')
const events = (frames: readonly { text: string }[]) =>
  frames.flatMap((f) => data(f.text).map((d) => JSON.parse(d) as Record<string, unknown>))
const meta = { id: 'resp_abc', created: 1, model: 'm' }

describe('openai chat', () => {
  it('a refusal: a role chunk with content null and refusal "", refusal deltas, finish stop; folded into message.refusal', () => {
    const chunks = events(encodeOpenAIChat(plan('refusal'), { ...meta, includeUsage: false }))
    const deltas = chunks.map((c) => (c['choices'] as { delta: object; finish_reason: string | null }[])[0]!)
    expect(deltas[0]!.delta).toEqual({ role: 'assistant', content: null, refusal: '' })
    expect(
      deltas
        .slice(1, -1)
        .map((d) => (d.delta as { refusal: string }).refusal)
        .join(''),
    ).toBe(REFUSAL_TEXT)
    expect(deltas.at(-1)).toMatchObject({ delta: {}, finish_reason: 'stop' })
    expect(foldOpenAIChat(plan('refusal'), meta).choices[0]).toMatchObject({
      message: { content: null, refusal: REFUSAL_TEXT },
      finish_reason: 'stop',
    })
  })
})

describe('openai responses', () => {
  const options = { ...meta, echo: {}, obfuscation: false }

  it('a refusal: a refusal content part, response.refusal.delta and .done events', () => {
    const types = events(encodeOpenAIResponses(plan('refusal'), options)).map((e) => e['type'])
    expect(types.filter((t) => t !== 'response.refusal.delta')).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(foldOpenAIResponses(plan('refusal'), options).output).toEqual([
      { id: 'msg_abc00', type: 'message', status: 'completed', content: [{ type: 'refusal', refusal: REFUSAL_TEXT }], role: 'assistant' },
    ])
  })

  it('a content filter: incomplete for content_filter, the last item incomplete', () => {
    const folded = foldOpenAIResponses(plan('content-filter'), options)
    expect(folded).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } })
    expect(folded.output).toMatchObject([{ type: 'message', status: 'incomplete' }])
    expect(events(encodeOpenAIResponses(plan('content-filter'), options)).at(-1)).toMatchObject({ type: 'response.incomplete' })
  })
})

describe('anthropic', () => {
  const shaped = (...faults: Misbehaviour[]) => shapeAnthropicTurn(plan(...faults), { thinking: false, maxTokens: 1000 })
  const anthropicMeta = { ...meta, id: 'msg_01abc', thinking: false }

  it('a refusal: no content, stop_reason refusal with stop_details, and no output tokens', () => {
    const delta = events(encodeAnthropicMessages(shaped('refusal'), anthropicMeta)).find((e) => e['type'] === 'message_delta')
    expect(delta).toMatchObject({
      delta: { stop_reason: 'refusal', stop_details: { type: 'refusal', category: null, explanation: null } },
      usage: { output_tokens: 0 },
    })
    expect(foldAnthropicMessages(shaped('refusal'), anthropicMeta)).toMatchObject({ content: [], stop_reason: 'refusal' })
  })

  it('bad JSON streams as it is in input_json_delta; folded, the input is {}', () => {
    const partial = events(encodeAnthropicMessages(shaped('bad-json'), anthropicMeta))
      .filter((e) => (e['delta'] as { type?: string } | undefined)?.type === 'input_json_delta')
      .map((e) => (e['delta'] as { partial_json: string }).partial_json)
    expect(partial.join('')).toBe('{"city":"Paris",}')
    expect(foldAnthropicMessages(shaped('bad-json'), anthropicMeta).content.at(-1)).toMatchObject({ type: 'tool_use', input: {} })
  })
})

describe('gemini', () => {
  const options = { id: 'r1', model: 'm', includeThoughts: false }

  it('a refusal is a blocked prompt: one chunk with promptFeedback and the prompt usage only, streamed and not', () => {
    const chunks = events(encodeGemini(plan('refusal'), options))
    expect(chunks).toEqual([foldGemini(plan('refusal'), options)])
    expect(chunks[0]).toMatchObject({
      promptFeedback: { blockReason: 'SAFETY' },
      usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 },
    })
    expect(chunks[0]).not.toHaveProperty('candidates')
  })

  it('bad JSON ends the answer with MALFORMED_FUNCTION_CALL, content {} and a finishMessage quoting the call', () => {
    const last = events(encodeGemini(plan('bad-json'), options)).at(-1)!
    expect((last['candidates'] as object[])[0]).toEqual({
      content: {},
      finishReason: 'MALFORMED_FUNCTION_CALL',
      index: 0,
      finishMessage: 'Malformed function call: call:get_weather{"city":"Paris",}',
    })
    expect((foldGemini(plan('bad-json'), options) as { candidates: object[] }).candidates[0]).toMatchObject({
      content: { parts: [{ text: 'Let me check the weather.' }] },
      finishReason: 'MALFORMED_FUNCTION_CALL',
    })
  })

  it('a content filter: the text so far, then a last chunk with SAFETY, the ratings and no content', () => {
    const chunks = events(encodeGemini(plan('content-filter'), options))
    const last = (chunks.at(-1)!['candidates'] as Record<string, unknown>[])[0]!
    expect(last).not.toHaveProperty('content')
    expect(last).toMatchObject({
      finishReason: 'SAFETY',
      safetyRatings: expect.arrayContaining([expect.objectContaining({ blocked: true })]),
    })
  })
})

describe('ai sdk ui', () => {
  it('bad JSON and an unknown tool end with tool-input-error, only fields the strict ai 5 schema knows', () => {
    for (const [fault, errorText] of [
      ['bad-json', /^Invalid input for tool get_weather: JSON parsing failed: Text: \{"city":"Paris",\}\.\nError message: /],
      ['unknown-tool', /^Model tried to call unavailable tool 'tokensim_unknown_tool'\.$/],
    ] as const) {
      const error = events(encodeAiSdkUi(plan(fault), { messageId: 'm1' })).find((c) => c['type'] === 'tool-input-error')!
      expect(Object.keys(error).sort()).toEqual(['errorText', 'input', 'toolCallId', 'toolName', 'type'])
      expect(error['errorText']).toMatch(errorText)
      expect(foldAiSdkUi(plan(fault), { messageId: 'm1' }).parts.at(-1)).toMatchObject({ state: 'output-error' })
    }
  })

  it('a refusal is text, and finishes content-filter', () => {
    const chunks = events(encodeAiSdkUi(plan('refusal'), { messageId: 'm1' }))
    const text = chunks.flatMap((c) => (c['type'] === 'text-delta' ? [c['delta']] : [])).join('')
    expect(text).toBe(REFUSAL_TEXT)
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { finishReason: 'content-filter' } })
  })
})
