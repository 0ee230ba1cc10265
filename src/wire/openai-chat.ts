/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`), streamed and not, as the API sends them
 * (https://platform.openai.com/docs/api-reference/chat/streaming):
 * - every chunk has the same id, `object: "chat.completion.chunk"`, created, model, service_tier and
 *   system_fingerprint; each is one `data:` event with no `event:` or `id:` line;
 * - the first delta carries `role: "assistant"` with empty content; then content deltas, and tool calls as
 *   `tool_calls` deltas (the first with id, type and name, then the arguments in pieces);
 * - `finish_reason` comes on one last choice chunk with an empty delta;
 * - with `stream_options.include_usage`, every chunk carries `usage: null` and one more chunk with
 *   `choices: []` carries the usage; then `data: [DONE]`.
 * Reasoning is not part of this API's stream (reasoning models only count it in
 * `completion_tokens_details.reasoning_tokens`), so reasoning parts take their time but send nothing.
 * A refusal streams as `refusal` deltas after a role chunk with `content: null, refusal: ""`, and the message
 * holds it in `refusal` with `content: null`; it finishes with `stop`, as the API's refusals do (the SDK's
 * ChatCompletionStream has `refusal.delta` / `refusal.done` events for them). A content filter's stop is
 * `finish_reason: "content_filter"`.
 */
import { partText } from '../core/turn.js'
import type { FinishReason, TurnPlan, Usage } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import type { ResponseMeta } from './meta.js'
import { sseEvent, sseJsonData } from './sse.js'

export interface OpenAIChatOptions extends ResponseMeta {
  /** `stream_options.include_usage`. */
  readonly includeUsage: boolean
}

/** A fixed fingerprint: the backend configuration is always the same one. */
const SYSTEM_FINGERPRINT = 'fp_tokensim'

const FINISH: Record<FinishReason, string> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  length: 'length',
  refusal: 'stop',
  content_filter: 'content_filter',
}

function openAIUsage({ input, output, reasoning }: Usage) {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

/** The stream as timed frames. */
export const encodeOpenAIChat = (plan: TurnPlan, options: OpenAIChatOptions): TimedFrame[] => [...openAIChatFrames(plan, options)]

/** The frames one at a time, each made when it is pulled (src/app/player.ts plays them so). */
export function* openAIChatFrames(plan: TurnPlan, { id, created, model, includeUsage }: OpenAIChatOptions): Generator<TimedFrame, void> {
  const head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":`
  const tail = includeUsage ? ',"usage":null}' : '}'
  const chunk = (delta: unknown, finish: string | null = null): string =>
    sseJsonData(`${head}[${JSON.stringify({ index: 0, delta, logprobs: null, finish_reason: finish })}]${tail}`)

  // The role chunk is the first byte: a profile's first-byte moment, else with the first unit.
  const refuses = plan.parts.some((p) => p.part.kind === 'refusal')
  const role = refuses ? { role: 'assistant', content: null, refusal: '' } : { role: 'assistant', content: '', refusal: null }
  yield { at: plan.firstByteAt ?? plan.start, text: chunk(role) }
  let toolIndex = 0
  for (const { part, deltas, start } of plan.parts) {
    if (part.kind === 'reasoning') continue
    if (part.kind === 'text' || part.kind === 'refusal') {
      // The hot path: one content chunk per delta, its JSON written out rather than stringified as an object.
      const open = part.kind === 'text' ? CONTENT_OPEN : REFUSAL_OPEN
      for (const { text, at, last } of deltas)
        yield { at, last, text: sseJsonData(`${head}${open}${JSON.stringify(text)}${DELTA_CLOSE}${tail}`) }
      continue
    }
    const index = toolIndex++
    yield {
      at: start,
      text: chunk({ tool_calls: [{ index, id: `call_${part.id}`, type: 'function', function: { name: part.name, arguments: '' } }] }),
    }
    for (const { text, at, last } of deltas) yield { at, last, text: chunk({ tool_calls: [{ index, function: { arguments: text } }] }) }
  }
  yield { at: plan.end, text: chunk({}, FINISH[plan.finish]) }
  if (includeUsage) {
    const usage = `${head}[],"usage":${JSON.stringify(openAIUsage(plan.usage))}}`
    yield { at: plan.end, text: sseEvent({ data: usage }) }
  }
  yield { at: plan.end, text: sseEvent({ data: '[DONE]' }) }
}

// chunk({content: text}) written out: `[{"index":0,"delta":{"content":"..."},"logprobs":null,"finish_reason":null}]`,
// byte for byte what JSON.stringify gives (a test compares the two). JSON.stringify of a string never holds a
// line break.
const CONTENT_OPEN = '[{"index":0,"delta":{"content":'
const REFUSAL_OPEN = '[{"index":0,"delta":{"refusal":'
const DELTA_CLOSE = '},"logprobs":null,"finish_reason":null}]'

/** The same answer not streamed: one `chat.completion` object. */
export function foldOpenAIChat(plan: TurnPlan, { id, created, model }: ResponseMeta) {
  const calls = plan.answer.parts.flatMap((part) =>
    part.kind === 'tool_call'
      ? [{ id: `call_${part.id}`, type: 'function' as const, function: { name: part.name, arguments: part.arguments } }]
      : [],
  )
  const text = partText(plan.answer, 'text')
  const refusal = plan.answer.parts.some((part) => part.kind === 'refusal') ? partText(plan.answer, 'refusal') : null
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: (calls.length > 0 || refusal !== null) && text === '' ? null : text,
          refusal,
          annotations: [],
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: FINISH[plan.finish],
      },
    ],
    usage: openAIUsage(plan.usage),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  }
}

/** A mid-stream error as the API sends one: a data event holding only `error`, which the SDK throws as an APIError. */
export function openAIChatStreamError(message: string): string {
  return sseEvent({ data: JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } }) })
}
