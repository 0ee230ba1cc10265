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
 * What the API says when things go wrong, each in its own words
 * (https://ai.google.dev/api/generate-content#FinishReason, and captured responses):
 * - a refusal is a blocked prompt: one chunk with `promptFeedback: {blockReason: "SAFETY", safetyRatings}`,
 *   no candidates, and usage for the prompt only;
 * - a content filter's stop is a last chunk with `finishReason: "SAFETY"`, `safetyRatings` with the blocked
 *   category, and no content ("when streaming, content is empty if content filters block the output"), after
 *   the text so far; not streamed, the candidate has no content at all;
 * - arguments that are not JSON cannot be a functionCall's `args` (an object): the API ends the answer there
 *   with `finishReason: "MALFORMED_FUNCTION_CALL"`, `content: {}` and a `finishMessage` quoting the call;
 *   arguments cut by the length limit read as `{}`, with `MAX_TOKENS`;
 * - it gives calls no ids, so two calls with the same id are two calls.
 * The first byte is the first chunk, with the answer's first piece: the API sends no empty opening chunk, so a
 * profile's first-byte moment has nothing to move (its headers moment still applies).
 * With `alt=sse` (what the SDK asks for) each chunk is one `data:` event, written in the API's own JSON style
 * (`{"key": value,"key": value}`); without it the same chunks stream as the elements of one JSON array.
 */
import { countTokens } from '../core/tokens.js'
import type { FinishReason, TurnPlan, Usage } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import type { ResponseMeta } from './meta.js'
import { sseEvent, sseJsonData } from './sse.js'

export interface GeminiOptions extends Pick<ResponseMeta, 'id' | 'model'> {
  /** `generationConfig.thinkingConfig.includeThoughts`: send the reasoning as thought parts. */
  readonly includeThoughts: boolean
}

type GeminiPart =
  | { readonly text: string; readonly thought?: true }
  | { readonly functionCall: { readonly name: string; readonly args: Record<string, unknown> } }

const FINISH: Record<FinishReason, string> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  refusal: 'SAFETY', // not sent: a refusal is a blocked prompt, with blockReason SAFETY (blocked)
  content_filter: 'SAFETY',
}

/** The ratings of a blocked prompt or answer: the four categories the API rates, one of them blocked. */
const SAFETY_RATINGS = [
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
]

/** A candidate that ends the answer without content: a content filter's stop, or a malformed call. */
type Ending =
  | { readonly finishReason: 'SAFETY'; readonly safetyRatings: object[] }
  | { readonly finishReason: 'MALFORMED_FUNCTION_CALL'; readonly finishMessage: string }

/** The malformed call that ends the answer, if one does: the first call whose arguments are not JSON (a cut one is not). */
function malformedCall(plan: TurnPlan): { index: number; ending: Ending } | undefined {
  if (plan.finish === 'length') return undefined
  const index = plan.parts.findIndex(({ part }) => part.kind === 'tool_call' && parseArgs(part.arguments) === undefined)
  const part = plan.parts[index]?.part
  if (part?.kind !== 'tool_call') return undefined
  // As Gemini 3 quotes the call it could not parse.
  return {
    index,
    ending: { finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: `Malformed function call: call:${part.name}${part.arguments}` },
  }
}

/** How the answer ends when not with its last piece. */
function endingOf(plan: TurnPlan): { index: number; ending: Ending } | undefined {
  if (plan.finish === 'content_filter')
    return { index: plan.parts.length, ending: { finishReason: 'SAFETY', safetyRatings: SAFETY_RATINGS } }
  return malformedCall(plan)
}

/** The whole response to a refused (blocked) prompt. */
function blocked(plan: TurnPlan, id: string, model: string): object {
  const promptFeedback = { blockReason: 'SAFETY', safetyRatings: SAFETY_RATINGS }
  return {
    promptFeedback,
    usageMetadata: geminiUsage({ input: plan.usage.input, output: 0, reasoning: 0 }),
    modelVersion: model,
    responseId: id,
  }
}

/** Usage in the API's form, zero counts left out. */
function geminiUsage({ input, output, reasoning }: Usage): Record<string, unknown> {
  const candidates = output - reasoning
  return omitZeros({
    promptTokenCount: input,
    candidatesTokenCount: candidates,
    totalTokenCount: input + output,
    promptTokensDetails: input > 0 ? [{ modality: 'TEXT', tokenCount: input }] : undefined,
    thoughtsTokenCount: reasoning,
  })
}

/** What every chunk of one stream shares. */
interface ChunkStream {
  readonly plan: TurnPlan
  readonly id: string
  readonly model: string
}

/**
 * One GenerateContentResponse of the stream, due at `at`, its fields kept flat: one object a chunk (a stream of
 * 4,000 pieces made four each, and their garbage, before), the response object made only when asked for
 * (body): a caller that writes a text piece out itself never needs it.
 */
class Chunk {
  /** The last chunk: it carries the finish reason and the whole usage. */
  final = false

  constructor(
    readonly at: number,
    readonly last: number | undefined,
    /** A text piece's text (a thought's when `thought`); undefined for a call, an ending or a blocked prompt. */
    readonly text: string | undefined,
    readonly thought: boolean,
    /** The usage so far: output tokens, thoughts included, and thoughts. */
    readonly output: number,
    readonly reasoning: number,
    private readonly stream: ChunkStream,
    /** A call's part, or the whole response of an ending or a blocked prompt. */
    private readonly other?: GeminiPart | (() => object),
  ) {}

  body(): object {
    const { plan, id, model } = this.stream
    if (typeof this.other === 'function') return this.other()
    const part: GeminiPart = this.other ?? (this.thought ? { text: this.text!, thought: true } : { text: this.text! })
    const usage = this.final ? plan.usage : { input: plan.usage.input, output: this.output, reasoning: this.reasoning }
    return response([part], this.final ? FINISH[plan.finish] : undefined, usage, id, model)
  }
}

/**
 * The stream as GenerateContentResponse chunks, each due at an offset, made as they are pulled. One piece is
 * held back until the next is known, as the last one carries the finish reason and the whole usage.
 */
function* geminiChunks(plan: TurnPlan, { id, model, includeThoughts }: GeminiOptions): Generator<Chunk, void> {
  const stream: ChunkStream = { plan, id, model }
  if (plan.finish === 'refusal') {
    yield new Chunk(plan.start, undefined, undefined, false, 0, 0, stream, () => blocked(plan, id, model))
    return
  }
  const closing = endingOf(plan)
  let held: Chunk | undefined
  // Running counts: each delta's own tokens summed, never past the whole answer's exact count.
  let candidates = 0
  let thoughts = 0
  const maxCandidates = plan.usage.output - plan.usage.reasoning
  const output = (): number => Math.min(candidates, maxCandidates) + Math.min(thoughts, plan.usage.reasoning)
  const reasoning = (): number => Math.min(thoughts, plan.usage.reasoning)
  for (const { part, index, deltas, end } of plan.parts) {
    if (index === closing?.index) break
    if (part.kind === 'tool_call') {
      candidates += countTokens(part.arguments)
      if (held !== undefined) yield held
      const call: GeminiPart = { functionCall: { name: part.name, args: parseArgs(part.arguments) ?? {} } }
      held = new Chunk(end, deltas.at(-1)?.last, undefined, false, output(), reasoning(), stream, call)
      continue
    }
    // A refusal the length limit cut (no longer a blocked prompt) has no words in this API: it sends nothing.
    if (part.kind === 'refusal') continue
    const thought = part.kind === 'reasoning'
    for (const { text, at, last } of deltas) {
      if (thought) thoughts += countTokens(text)
      else candidates += countTokens(text)
      if (thought && !includeThoughts) continue
      if (held !== undefined) yield held
      held = new Chunk(at, last, text, thought, output(), reasoning(), stream)
    }
  }
  if (closing !== undefined) {
    // The pieces so far, then the ending on a chunk of its own, when the answer would have gone on.
    if (held !== undefined) yield held
    const at = plan.parts[closing.index]?.end ?? plan.end
    yield new Chunk(at, undefined, undefined, false, 0, 0, stream, () => ended(closing.ending, plan.usage, id, model))
    return
  }
  // Nothing to carry the finish reason (an empty answer, or hidden reasoning only): an empty text part, as the API sends.
  if (held === undefined || held.at < plan.end) {
    if (held !== undefined) yield held
    held = new Chunk(plan.end, undefined, '', false, plan.usage.output, plan.usage.reasoning, stream)
  }
  held.final = true
  yield held
}

/** `alt=sse`: one `data:` event per chunk. */
export const encodeGemini = (plan: TurnPlan, options: GeminiOptions): TimedFrame[] => [...geminiFrames(plan, options)]

/** The frames one at a time, each made when it is pulled (src/app/player.ts plays them so). */
export function* geminiFrames(plan: TurnPlan, options: GeminiOptions): Generator<TimedFrame, void> {
  // The hot path, written out: a text piece's chunk as googleJson gives it, byte for byte (a test compares them).
  const tail = `,"modelVersion": ${JSON.stringify(options.model)},"responseId": ${JSON.stringify(options.id)}}`
  const input = plan.usage.input
  for (const chunk of geminiChunks(plan, options)) {
    const { at, last } = chunk
    const json =
      !chunk.final && chunk.text !== undefined
        ? `{"candidates": [{"content": {"parts": [{"text": ${JSON.stringify(chunk.text)}${chunk.thought ? ',"thought": true' : ''}}],"role": "model"},"index": 0}],"usageMetadata": ${usageJson(input, chunk.output, chunk.reasoning)}${tail}`
        : googleJson(chunk.body())
    const text = sseJsonData(json)
    yield last !== undefined ? { at, last, text } : { at, text }
  }
}

/** googleJson(geminiUsage(usage)), written out. */
function usageJson(input: number, output: number, reasoning: number): string {
  const candidates = output - reasoning
  let json = ''
  if (input !== 0) json += `,"promptTokenCount": ${input}`
  if (candidates !== 0) json += `,"candidatesTokenCount": ${candidates}`
  if (input + output !== 0) json += `,"totalTokenCount": ${input + output}`
  if (input > 0) json += `,"promptTokensDetails": [{"modality": "TEXT","tokenCount": ${input}}]`
  if (reasoning !== 0) json += `,"thoughtsTokenCount": ${reasoning}`
  return `{${json.slice(1)}}`
}

/**
 * No `alt`: the chunks as one JSON array that grows as they come (`[{...}`, `,\r\n{...}`, ..., `]`), which is
 * what the API answers a streamGenerateContent without `alt=sse`, for clients that parse a streamed array.
 */
export const encodeGeminiJsonArray = (plan: TurnPlan, options: GeminiOptions): TimedFrame[] => [...geminiJsonArrayFrames(plan, options)]

/** The frames one at a time, each made when it is pulled. */
export function* geminiJsonArrayFrames(plan: TurnPlan, options: GeminiOptions): Generator<TimedFrame, void> {
  let index = 0
  for (const chunk of geminiChunks(plan, options)) {
    const { at, last } = chunk
    const text = `${index++ === 0 ? '[' : '\n,\r\n'}${JSON.stringify(chunk.body(), null, 2)}`
    yield last !== undefined ? { at, last, text } : { at, text }
  }
  yield { at: plan.end, text: '\n]' }
}

/** The same answer not streamed: one GenerateContentResponse with every part whole. */
export function foldGemini(plan: TurnPlan, { id, model, includeThoughts }: GeminiOptions): object {
  if (plan.finish === 'refusal') return blocked(plan, id, model)
  if (plan.finish === 'content_filter') return ended({ finishReason: 'SAFETY', safetyRatings: SAFETY_RATINGS }, plan.usage, id, model)
  const malformed = malformedCall(plan)
  const parts: GeminiPart[] = []
  for (const { part, index } of plan.parts) {
    if (index === malformed?.index) break
    if (part.kind === 'reasoning') {
      if (includeThoughts && part.text !== '') parts.push({ text: part.text, thought: true })
    } else if (part.kind === 'text') parts.push({ text: part.text })
    else if (part.kind === 'tool_call') parts.push({ functionCall: { name: part.name, args: parseArgs(part.arguments) ?? {} } })
  }
  if (malformed !== undefined) return ended(malformed.ending, plan.usage, id, model, parts)
  if (parts.length === 0) parts.push({ text: '' })
  return response(parts, FINISH[plan.finish], plan.usage, id, model)
}

/** A response whose candidate ends without content (or with the parts before a malformed call), as `ending` says. */
function ended(ending: Ending, usage: Usage, id: string, model: string, parts: GeminiPart[] = []): object {
  const { finishReason, ...details } = ending
  const content =
    parts.length > 0 ? { content: { parts, role: 'model' } } : finishReason === 'MALFORMED_FUNCTION_CALL' ? { content: {} } : {}
  const candidate = { ...content, finishReason, index: 0, ...details }
  return { candidates: [candidate], usageMetadata: geminiUsage(usage), modelVersion: model, responseId: id }
}

function response(parts: GeminiPart[], finishReason: string | undefined, usage: Usage, id: string, model: string): object {
  const candidate =
    finishReason === undefined
      ? { content: { parts, role: 'model' }, index: 0 }
      : { content: { parts, role: 'model' }, finishReason, index: 0 }
  return { candidates: [candidate], usageMetadata: geminiUsage(usage), modelVersion: model, responseId: id }
}

/** A tool call's arguments as the object `args` must be (anything else is wrapped); undefined when not JSON. */
function parseArgs(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
    return { value }
  } catch {
    return undefined
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
