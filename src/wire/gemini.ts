/**
 * Gemini (`POST /v1beta/models/{model}:streamGenerateContent` and `:generateContent`), as the Gemini API sends
 * them (https://ai.google.dev/api/generate-content):
 * - every streamed chunk is a whole GenerateContentResponse: `candidates[0]` with `content: {parts, role:
 *   "model"}` and `index: 0`, the running `usageMetadata`, `modelVersion` and `responseId`; there is no end
 *   sentinel, the chunk with `finishReason` is the last one (the @google/genai SDK reconnects a stream that
 *   closes without one: StreamContinuation in its models module);
 * - the final chunk carries the answer's last piece together with `finishReason` and the whole usage, as the
 *   real API does, so a stream is exactly as many chunks as pieces;
 * - `usageMetadata` is on every chunk and cumulative; `candidatesTokenCount` excludes thoughts and
 *   `totalTokenCount` = prompt + candidates + thoughts; zero counts are left out, as proto3 JSON leaves out
 *   default values (hence `thoughtsTokenCount` only when there was reasoning);
 * - reasoning is sent as text parts with `thought: true` only when the request set
 *   `generationConfig.thinkingConfig.includeThoughts`; otherwise it takes its time and is only counted;
 * - a tool call is one `functionCall` part `{name, args}`, sent whole when its arguments are complete: the
 *   Gemini API does not stream arguments (`partialArgs`, "not supported in Gemini API" per the SDK's types),
 *   and it gives no call id; a call ends with finishReason `STOP`, not a tool-specific reason.
 * The first byte is the first chunk, with the answer's first piece: the API sends no empty opening chunk, so a
 * profile's first-byte moment has nothing to move (its headers moment still applies).
 * With `alt=sse` (what the SDK asks for) each chunk is one `data:` event, written in the API's own JSON style
 * (`{"key": value,"key": value}`); without it the same chunks stream as the elements of one JSON array.
 */
import { countTokens } from '../core/tokens.js'
import type { FinishReason, TurnPlan, Usage } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import type { ResponseMeta } from './meta.js'
import { sseEvent } from './sse.js'

export interface GeminiOptions extends Pick<ResponseMeta, 'id' | 'model'> {
  /** `generationConfig.thinkingConfig.includeThoughts`: send the reasoning as thought parts. */
  readonly includeThoughts: boolean
}

export type GeminiPart =
  | { readonly text: string; readonly thought?: true }
  | { readonly functionCall: { readonly name: string; readonly args: Record<string, unknown> } }

const FINISH: Record<FinishReason, string> = { stop: 'STOP', tool_calls: 'STOP', length: 'MAX_TOKENS' }

/** Usage in the API's form, zero counts left out. */
export function geminiUsage({ input, output, reasoning }: Usage): Record<string, unknown> {
  const candidates = output - reasoning
  return omitZeros({
    promptTokenCount: input,
    candidatesTokenCount: candidates,
    totalTokenCount: input + output,
    promptTokensDetails: input > 0 ? [{ modality: 'TEXT', tokenCount: input }] : undefined,
    thoughtsTokenCount: reasoning,
  })
}

/** The stream as GenerateContentResponse objects, each due at an offset. */
export function geminiChunks(plan: TurnPlan, { id, model, includeThoughts }: GeminiOptions): { at: number; last?: number; body: object }[] {
  const pieces: { at: number; last?: number; part: GeminiPart; usage: Usage }[] = []
  let candidates = 0
  let thoughts = 0
  // Running counts: each delta's own tokens summed, never past the whole answer's exact count.
  const usageNow = (): Usage => {
    const reasoning = Math.min(thoughts, plan.usage.reasoning)
    return { input: plan.usage.input, output: Math.min(candidates, plan.usage.output - plan.usage.reasoning) + reasoning, reasoning }
  }
  for (const { part, deltas, end } of plan.parts) {
    if (part.kind === 'tool_call') {
      candidates += countTokens(part.arguments)
      const last = deltas.at(-1)?.last
      pieces.push({
        at: end,
        ...(last !== undefined ? { last } : {}),
        part: { functionCall: { name: part.name, args: parseArgs(part.arguments) } },
        usage: usageNow(),
      })
      continue
    }
    for (const { text, at, last } of deltas) {
      if (part.kind === 'reasoning') thoughts += countTokens(text)
      else candidates += countTokens(text)
      if (part.kind === 'text') pieces.push({ at, last, part: { text }, usage: usageNow() })
      else if (includeThoughts) pieces.push({ at, last, part: { text, thought: true }, usage: usageNow() })
    }
  }
  // Nothing to carry the finish reason (an empty answer, or hidden reasoning only): an empty text part, as the API sends.
  const last = pieces.at(-1)
  if (last === undefined || last.at < plan.end) pieces.push({ at: plan.end, part: { text: '' }, usage: plan.usage })
  return pieces.map(({ at, last, part, usage }, index) => {
    const final = index === pieces.length - 1
    return {
      at,
      ...(last !== undefined ? { last } : {}),
      body: response([part], final ? FINISH[plan.finish] : undefined, final ? plan.usage : usage, id, model),
    }
  })
}

/** `alt=sse`: one `data:` event per chunk. */
export function encodeGemini(plan: TurnPlan, options: GeminiOptions): TimedFrame[] {
  return geminiChunks(plan, options).map(({ at, last, body }) => ({
    at,
    ...(last !== undefined ? { last } : {}),
    text: sseEvent({ data: googleJson(body) }),
  }))
}

/**
 * No `alt`: the chunks as one JSON array that grows as they come (`[{...}`, `,\r\n{...}`, ..., `]`), which is
 * what the API answers a streamGenerateContent without `alt=sse`, for clients that parse a streamed array.
 */
export function encodeGeminiJsonArray(plan: TurnPlan, options: GeminiOptions): TimedFrame[] {
  const frames: TimedFrame[] = geminiChunks(plan, options).map(({ at, last, body }, index) => ({
    at,
    ...(last !== undefined ? { last } : {}),
    text: `${index === 0 ? '[' : '\n,\r\n'}${JSON.stringify(body, null, 2)}`,
  }))
  frames.push({ at: plan.end, text: '\n]' })
  return frames
}

/** The same answer not streamed: one GenerateContentResponse with every part whole. */
export function foldGemini(plan: TurnPlan, { id, model, includeThoughts }: GeminiOptions): object {
  const parts: GeminiPart[] = []
  for (const part of plan.answer.parts) {
    if (part.kind === 'reasoning') {
      if (includeThoughts && part.text !== '') parts.push({ text: part.text, thought: true })
    } else if (part.kind === 'text') parts.push({ text: part.text })
    else parts.push({ functionCall: { name: part.name, args: parseArgs(part.arguments) } })
  }
  if (parts.length === 0) parts.push({ text: '' })
  return response(parts, FINISH[plan.finish], plan.usage, id, model)
}

function response(parts: GeminiPart[], finishReason: string | undefined, usage: Usage, id: string, model: string): object {
  const candidate =
    finishReason === undefined
      ? { content: { parts, role: 'model' }, index: 0 }
      : { content: { parts, role: 'model' }, finishReason, index: 0 }
  return { candidates: [candidate], usageMetadata: geminiUsage(usage), modelVersion: model, responseId: id }
}

/** A tool call's arguments as the object `args` must be (scenarios always give one; anything else is wrapped). */
function parseArgs(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
    return { value }
  } catch {
    return {}
  }
}

function omitZeros(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== 0 && value !== undefined) out[key] = value
  return out
}

/**
 * JSON as the API writes its SSE payloads: one line, `": "` after a key and a bare `,` between members
 * (e.g. `{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0}],...}`).
 * Strings, numbers and booleans are JSON.stringify's, so the payload is valid JSON that any parser reads.
 */
export function googleJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(googleJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}: ${googleJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** A mid-stream error: a chunk holding only `error`, in the shape of the API's error bodies, which @google/genai throws as an ApiError. */
export function geminiStreamError(message: string, jsonArray: boolean): string {
  const body = { error: { code: 500, message, status: 'INTERNAL' } }
  return jsonArray ? `\n,\r\n${JSON.stringify(body, null, 2)}\n]` : sseEvent({ data: googleJson(body) })
}
