/**
 * Anthropic Messages (`POST /v1/messages`), streamed and not, as the API sends them
 * (https://docs.anthropic.com/en/api/messages-streaming):
 * - every event has an `event:` line naming its `type` and compact JSON data;
 * - `message_start` carries the Message with empty content and null stop_reason; then per content block a
 *   `content_block_start`, its `content_block_delta`s and a `content_block_stop`, with the block's `index`;
 *   one `ping` after the first block opens (where the docs' example and real captures have it);
 * - `message_delta` carries the stop reason and the cumulative usage; `message_stop` ends the stream.
 * Key order follows captured API responses (`model` first in the Message). Thinking blocks open with an empty
 * `signature` and get it from one `signature_delta` before they close; tool_use blocks open with `input: {}`
 * and an empty `input_json_delta`, as the API does, then the arguments in pieces.
 *
 * The API has no refusal text and no content filter: its streaming classifiers stop an answer with
 * `stop_reason: "refusal"` and `stop_details: {type: "refusal", category, explanation}`, keeping what was
 * written before (https://platform.claude.com/docs/test-and-evaluate/strengthen-guardrails/handle-streaming-refusals).
 * So a refusal is that stop reason after no content (its words are not sent), and a content filter's stop is
 * the same stop reason after the text so far. Arguments that are not JSON stream as they are, as with
 * fine-grained tool streaming ("you may potentially receive invalid or partial JSON inputs"); a Message not
 * streamed has `input` as an object, so there they read as `{}`.
 */
import { truncateTurn } from '../core/truncate.js'
import { dropParts } from '../core/turn.js'
import type { FinishReason, TurnPlan, Usage } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import type { ResponseMeta } from './meta.js'
import { sseEvent } from './sse.js'

export interface AnthropicShape {
  /** The request asked for thinking (`thinking.type` enabled or adaptive): only then does the API send thinking blocks. */
  readonly thinking: boolean
  /** The request's `max_tokens`: the answer stops there with stop_reason `max_tokens`. */
  readonly maxTokens: number
}

const STOP: Record<FinishReason, string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
  refusal: 'refusal',
  content_filter: 'refusal',
}

/** `stop_details` of a refusal: which policy category and why, both null when the refusal names none. */
const stopDetails = (finish: FinishReason) =>
  finish === 'refusal' || finish === 'content_filter' ? { type: 'refusal', category: null, explanation: null } : null

/**
 * The plan as this request gets it: without `thinking` the reasoning takes its time but sends (and counts)
 * nothing, a refusal's words are not sent (the API has none), and the answer is cut after `maxTokens` output
 * tokens. Blocks are renumbered from 0.
 */
export function shapeAnthropicTurn(plan: TurnPlan, { thinking, maxTokens }: AnthropicShape): TurnPlan {
  const shaped = dropParts(plan, (part) => part.kind === 'refusal' || (!thinking && part.kind === 'reasoning'))
  return truncateTurn(shaped, maxTokens)
}

/** The block's id in Anthropic's style; Part ids are bare. */
export const toolUseId = (id: string): string => `toolu_${id}`

/**
 * A thinking block's signature: opaque to clients, which must send it back unchanged; derived from the
 * response id so the encoder stays pure and the stream and the fold agree. In the base64 alphabet of the API's
 * signatures, with the id's letters and digits written out as they are, so that the frames of an answer with
 * thinking can be shared between its responses like any other holding the id (src/app/shared-frames.ts).
 */
export function thinkingSignature(id: string, index: number): string {
  return `${SIGNATURE_PREFIX}${id.replace(/[^A-Za-z0-9]/g, '')}${String(index).padStart(2, '0')}`
}

/** `Eq`, as the API's signatures begin, then "tokensim:" in base64. */
const SIGNATURE_PREFIX = `Eq${btoa('tokensim:')}`

/**
 * `usage` of the Message, in the captured key order. In message_start `output` is at most 1 (the API counts the
 * first token there) and no thinking is counted yet, so `thinking` is false.
 */
function messageUsage(usage: Usage, output: number, thinking: boolean) {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    ...(thinking ? { output_tokens_details: { thinking_tokens: usage.reasoning } } : {}),
    service_tier: 'standard',
    inference_geo: 'not_available',
  }
}

export interface AnthropicMeta extends ResponseMeta {
  /** The request asked for thinking: the usage then breaks out `thinking_tokens`. */
  readonly thinking: boolean
}

function message(
  plan: TurnPlan,
  { id, model }: ResponseMeta,
  content: unknown[],
  stop: FinishReason | null,
  output: number,
  thinking: boolean,
) {
  return {
    model,
    id,
    type: 'message',
    role: 'assistant',
    content,
    stop_reason: stop === null ? null : STOP[stop],
    stop_sequence: null,
    // The SDK's Message has it (null unless a refusal has details); its MessageStream copies it from message_delta.
    stop_details: stop === null ? null : stopDetails(stop),
    usage: messageUsage(plan.usage, output, thinking),
  }
}

/** The stream as timed frames; `plan` as shapeAnthropicTurn gives it. */
export const encodeAnthropicMessages = (plan: TurnPlan, meta: AnthropicMeta): TimedFrame[] => [...anthropicMessagesFrames(plan, meta)]

/** The frames one at a time, each made when it is pulled (src/app/player.ts plays them so). */
export function* anthropicMessagesFrames(plan: TurnPlan, meta: AnthropicMeta): Generator<TimedFrame, void> {
  const event = (data: { readonly type: string; readonly [field: string]: unknown }): string =>
    sseEvent({ event: data.type, data: JSON.stringify(data) })
  const ping = event({ type: 'ping' })
  const start = event({ type: 'message_start', message: message(plan, meta, [], null, Math.min(1, plan.usage.output), false) })
  // message_start is the first byte: a profile's first-byte moment, else with the first unit.
  yield { at: plan.firstByteAt ?? plan.start, text: plan.parts.length === 0 ? start + ping : start }

  for (const { part, index, deltas, start: opened, end } of plan.parts) {
    if (part.kind === 'refusal') continue // shapeAnthropicTurn leaves none
    const delta = (at: number, body: object, last?: number): TimedFrame => ({
      at,
      ...(last !== undefined ? { last } : {}),
      text: event({ type: 'content_block_delta', index, delta: body }),
    })
    const block =
      part.kind === 'reasoning'
        ? { type: 'thinking', thinking: '', signature: '' }
        : part.kind === 'text'
          ? { type: 'text', text: '' }
          : { type: 'tool_use', id: toolUseId(part.id), name: part.name, input: {} }
    const open = event({ type: 'content_block_start', index, content_block: block })
    yield { at: opened, text: index === 0 ? open + ping : open }
    if (part.kind === 'tool_call') yield delta(opened, { type: 'input_json_delta', partial_json: '' })
    if (part.kind === 'text') {
      // The hot path, written out: what event() gives for a text_delta, byte for byte (a test compares the two).
      const head = `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":`
      for (const { text, at, last } of deltas) yield { at, last, text: `${head}${JSON.stringify(text)}}}\n\n` }
    } else {
      for (const { text, at, last } of deltas) {
        if (part.kind === 'reasoning') yield delta(at, { type: 'thinking_delta', thinking: text }, last)
        else yield delta(at, { type: 'input_json_delta', partial_json: text }, last)
      }
    }
    if (part.kind === 'reasoning') yield delta(end, { type: 'signature_delta', signature: thinkingSignature(meta.id, index) })
    yield { at: end, text: event({ type: 'content_block_stop', index }) }
  }

  const usage = {
    input_tokens: plan.usage.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: plan.usage.output,
    ...(meta.thinking ? { output_tokens_details: { thinking_tokens: plan.usage.reasoning } } : {}),
  }
  const stop = { stop_reason: STOP[plan.finish], stop_sequence: null, stop_details: stopDetails(plan.finish) }
  const done = event({ type: 'message_delta', delta: stop, usage })
  yield { at: plan.end, text: done + event({ type: 'message_stop' }) }
}

/** The same answer not streamed: one Message object. */
export function foldAnthropicMessages(plan: TurnPlan, meta: AnthropicMeta) {
  const content = plan.parts.flatMap(({ part, index }): object[] => {
    if (part.kind === 'reasoning') return [{ type: 'thinking', thinking: part.text, signature: thinkingSignature(meta.id, index) }]
    if (part.kind === 'text') return [{ type: 'text', text: part.text }]
    if (part.kind === 'refusal') return [] // shapeAnthropicTurn leaves none
    return [{ type: 'tool_use', id: toolUseId(part.id), name: part.name, input: toolInput(part.arguments) }]
  })
  return message(plan, meta, content, plan.finish, plan.usage.output, meta.thinking)
}

/** A tool call's arguments as the object `input` is; arguments cut by max_tokens, or not JSON, read as `{}`. */
function toolInput(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return {}
  }
}

/**
 * A mid-stream error as the API sends one (https://docs.anthropic.com/en/api/messages-streaming#error-events):
 * an `error` event, in practice most often `overloaded_error`, which the SDK throws as an APIError.
 */
export function anthropicStreamError(message: string, type: 'overloaded_error' | 'api_error' = 'overloaded_error'): string {
  return sseEvent({ event: 'error', data: JSON.stringify({ type: 'error', error: { type, message } }) })
}
