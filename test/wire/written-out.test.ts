/**
 * The hot paths written out by hand (each format's delta events, made once per event as a stream plays) give
 * what the general serializers give, for any text: every payload is exactly the canonical serialization of its
 * own parse (JSON.stringify's, or googleJson's for Gemini), so the escaping, the key order and the spacing are
 * theirs, quotes, line breaks, control characters and lone surrogates included; the event lines are sseEvent's.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { encodeAiSdkUi } from '../../src/wire/ai-sdk-ui.js'
import { encodeAnthropicMessages } from '../../src/wire/anthropic-messages.js'
import { encodeGemini, googleJson } from '../../src/wire/gemini.js'
import { encodeOpenAIChat } from '../../src/wire/openai-chat.js'
import { encodeOpenAIResponses } from '../../src/wire/openai-responses.js'
import { sseEvent } from '../../src/wire/sse.js'
import { parseInPieces } from '../helpers/sse.js'

const meta = { id: 'id-1', created: 1, model: 'm"odel' }
const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })
const answer = fc.tuple(fc.option(text, { nil: undefined }), text).map(([reasoning, visible]): Answer => ({
  parts: [...(reasoning === undefined ? [] : [{ kind: 'reasoning' as const, text: reasoning }]), { kind: 'text', text: visible }],
}))

const FORMATS = {
  'openai chat': (a: Answer) => encodeOpenAIChat(plan(a), { ...meta, includeUsage: true }),
  'openai responses': (a: Answer) => encodeOpenAIResponses(plan(a), { ...meta, echo: {}, obfuscation: true }),
  anthropic: (a: Answer) => encodeAnthropicMessages(plan(a), { ...meta, thinking: true }),
  gemini: (a: Answer) => encodeGemini(plan(a), { ...meta, includeThoughts: true }),
  'ai sdk': (a: Answer) => encodeAiSdkUi(plan(a), { messageId: 'msg-1' }),
} as const

function plan(a: Answer) {
  return planTurn(a, { unit: 'char', timing: { ttft: 0, delay: 1, jitter: 0 }, seed: 0, chunk: 1, inputTokens: 3 })
}

describe('written-out payloads', () => {
  it.each(Object.keys(FORMATS))('%s: each event is what the general serializer makes of its own payload', (format) => {
    const encode = FORMATS[format as keyof typeof FORMATS]
    fc.assert(
      fc.property(answer, (a) => {
        const frames = encode(a)
        const events = parseInPieces(frames)
        expect(events.length).toBeGreaterThan(0)
        for (const event of events) {
          // [DONE] is no JSON; a Responses event that holds the whole response writes its floats as the API does (1.0).
          if (event.data === '[DONE]' || /^response\.(created|in_progress|completed|incomplete)$/.test(event.event ?? '')) continue
          const value: unknown = JSON.parse(event.data)
          expect(event.data).toBe(format === 'gemini' ? googleJson(value) : JSON.stringify(value))
        }
        // Re-encoded by sseEvent, the events are the stream, byte for byte.
        const again = events.map((e) => sseEvent({ data: e.data, ...(e.event !== undefined ? { event: e.event } : {}) })).join('')
        expect(again).toBe(frames.map((f) => f.text).join(''))
      }),
      { numRuns: 150, seed: 21 },
    )
  })
})
