/**
 * OpenAI Responses (`POST /v1/responses`), streamed and not, as the API sends them
 * (https://platform.openai.com/docs/api-reference/responses-streaming; byte layout checked against captured
 * gpt-4o-mini / gpt-4.1 streams):
 * - every event is `event: <type>` plus one `data:` line whose JSON starts with the same `type`, then the other
 *   keys in alphabetical order (`sequence_number` among them, counting from 0), as the API writes them;
 * - response.created and response.in_progress carry the response object with `status: "in_progress"`,
 *   `output: []` and `usage: null`; response.completed carries the finished one, which is also the
 *   non-streamed body;
 * - each part of the answer is one output item: reasoning as a `reasoning` item with one summary part,
 *   text as a `message` item with one `output_text` part, each tool call as a `function_call` item;
 * - a refusal is a `message` item whose one content part is `{type: "refusal", refusal}`, streamed as
 *   response.refusal.delta and .done; an answer a content filter stopped, or cut at its length limit, ends
 *   with response.incomplete, `status: "incomplete"` and `incomplete_details.reason` `content_filter` or
 *   `max_output_tokens`, its last item `incomplete` too;
 * - text, refusal, summary and argument deltas carry `obfuscation` padding unless the request turned it off
 *   (`stream_options.include_obfuscation: false`); the live API omits `name` from
 *   response.function_call_arguments.done (https://github.com/openai/openai-python/issues/3472).
 */
import { createRandom } from '../core/random.js'
import type { PlannedPart, TurnDelta, TurnPlan, Usage } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import type { ResponseMeta } from './meta.js'
import { sseEvent, sseJsonData } from './sse.js'

/** The request's configuration, which the response object echoes; each field as the API spells it. */
export interface ResponsesEcho {
  readonly instructions?: string | null | undefined
  readonly max_output_tokens?: number | null | undefined
  readonly metadata?: Record<string, unknown> | null | undefined
  readonly parallel_tool_calls?: boolean | null | undefined
  readonly previous_response_id?: string | null | undefined
  readonly service_tier?: string | null | undefined
  readonly store?: boolean | null | undefined
  readonly temperature?: number | null | undefined
  readonly tool_choice?: unknown
  readonly tools?: readonly unknown[] | null | undefined
  readonly top_p?: number | null | undefined
}

export interface OpenAIResponsesOptions extends ResponseMeta {
  readonly echo: ResponsesEcho
  /** `stream_options.include_obfuscation`, on by default in the API. */
  readonly obfuscation: boolean
  /** Unix seconds when the response completed (default: `created` plus the answer's length, in whole seconds). */
  readonly completed?: number
}

/**
 * The id of an answer part's output item: the response id's body, so ids of one response look alike; a call's
 * is its call id's (`fc_X` for `call_X`), and a second call with the same call id (the dup-call-id fault) gets
 * its index after it, as item ids stay unique whatever a model does to call ids.
 */
function itemId(plan: TurnPlan, responseId: string, index: number): string {
  const part = plan.parts[index]!.part
  if (part.kind === 'tool_call') {
    const again = plan.parts.slice(0, index).some((p) => p.part.kind === 'tool_call' && p.part.id === part.id)
    return again ? `fc_${part.id}${index.toString(16).padStart(2, '0')}` : `fc_${part.id}`
  }
  const body = responseId.replace(/^resp_/, '')
  return `${part.kind === 'reasoning' ? 'rs' : 'msg'}_${body}${index.toString(16).padStart(2, '0')}`
}

function responsesUsage({ input, output, reasoning }: Usage) {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  }
}

/** A finished output item, as response.output_item.done and the response's `output` hold it. */
function doneItem(id: string, { part }: PlannedPart, status: 'completed' | 'incomplete') {
  if (part.kind === 'reasoning') return { id, type: 'reasoning', summary: [{ type: 'summary_text', text: part.text }] }
  if (part.kind !== 'tool_call') return { id, type: 'message', status, content: [contentPart(part.kind, part.text)], role: 'assistant' }
  return { id, type: 'function_call', status, arguments: part.arguments, call_id: `call_${part.id}`, name: part.name }
}

const outputText = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text })
const contentPart = (kind: 'text' | 'refusal', text: string) => (kind === 'text' ? outputText(text) : { type: 'refusal', refusal: text })

/** Why a response is incomplete, if it is: cut at its length limit, or stopped by a content filter. */
function incompleteReason(plan: TurnPlan): 'max_output_tokens' | 'content_filter' | undefined {
  return plan.finish === 'length' ? 'max_output_tokens' : plan.finish === 'content_filter' ? 'content_filter' : undefined
}

/** An item's status when done: the last item of an incomplete response is incomplete too. */
const itemStatus = (plan: TurnPlan, index: number): 'completed' | 'incomplete' =>
  index === plan.parts.length - 1 && incompleteReason(plan) !== undefined ? 'incomplete' : 'completed'

type Status = 'in_progress' | 'completed' | 'incomplete'

/** The response object in a state: in progress (no output yet) or finished. */
function responseObject(plan: TurnPlan, options: OpenAIResponsesOptions, status: Status) {
  const { id, created, model, echo } = options
  const done = status !== 'in_progress'
  // The API echoes the requested tier while in progress and names the tier that served it at the end.
  const tier = echo.service_tier ?? 'auto'
  return {
    id,
    object: 'response',
    created_at: created,
    status,
    background: false,
    completed_at: done ? (options.completed ?? created + Math.floor(plan.end / 1000)) : null,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: incompleteReason(plan) ?? 'max_output_tokens' } : null,
    instructions: echo.instructions ?? null,
    max_output_tokens: echo.max_output_tokens ?? null,
    max_tool_calls: null,
    model,
    output: done ? plan.parts.map((p) => doneItem(itemId(plan, id, p.index), p, itemStatus(plan, p.index))) : [],
    parallel_tool_calls: echo.parallel_tool_calls ?? true,
    previous_response_id: echo.previous_response_id ?? null,
    prompt_cache_key: null,
    prompt_cache_retention: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: done && tier === 'auto' ? 'default' : tier,
    store: echo.store ?? true,
    temperature: echo.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: echo.tool_choice ?? 'auto',
    tools: echo.tools ?? [],
    top_logprobs: 0,
    top_p: echo.top_p ?? 1,
    truncation: 'disabled',
    usage: done ? responsesUsage(plan.usage) : null,
    user: null,
    metadata: echo.metadata ?? {},
  }
}

/** The non-streamed body: the same object response.completed carries. */
export function foldOpenAIResponses(plan: TurnPlan, options: OpenAIResponsesOptions) {
  return responseObject(plan, options, incompleteReason(plan) === undefined ? 'completed' : 'incomplete')
}

/** Keys the API writes as floats (`1.0`, not `1`): its backend serializes these as Python floats. */
const FLOATS = new Set(['temperature', 'top_p'])

/** The response object's JSON text, its float fields as the API writes them. */
export function responseJson(response: ReturnType<typeof foldOpenAIResponses>): string {
  const fields = Object.entries(response).map(([key, value]) => {
    const text = FLOATS.has(key) && Number.isInteger(value) ? (value as number).toFixed(1) : JSON.stringify(value)
    return `${JSON.stringify(key)}:${text}`
  })
  return `{${fields.join(',')}}`
}

/** JSON text written as is inside an event. */
class Raw {
  constructor(readonly json: string) {}
}

const OBFUSCATION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Letters and digits drawn once from a fixed seed, which each delta's padding is a stretch of. */
const PADDING = (() => {
  const random = createRandom(0x0bf5)
  let out = ''
  for (let i = 0; i < 4096; i++) out += OBFUSCATION_ALPHABET[Math.floor(random() * OBFUSCATION_ALPHABET.length)]
  return out
})()

/** The seed of the obfuscation padding's draws. */
const OBFUSCATION_SEED = 0x0bf5_cafe

/** The stream as timed frames. */
export const encodeOpenAIResponses = (plan: TurnPlan, options: OpenAIResponsesOptions): TimedFrame[] => [
  ...openAIResponsesFrames(plan, options),
]

/** The frames one at a time, each made when it is pulled (src/app/player.ts plays them so). */
export function* openAIResponsesFrames(plan: TurnPlan, options: OpenAIResponsesOptions): Generator<TimedFrame, void> {
  let sequence = 0
  // Obfuscation is random padding in the API; here it is drawn from a fixed seed, so a plan encodes the same way
  // twice, and every response of an answer pads it alike (they share their frames: src/app/shared-frames.ts).
  const random = createRandom(OBFUSCATION_SEED)
  // Pads a delta's payload towards a multiple of 16 characters, as the captured streams do for short deltas: a
  // stretch of PADDING from a drawn place, one draw a delta rather than one a character (it is made per event).
  const pad = (delta: string): string => {
    const at = Math.floor(random() * (PADDING.length - 16))
    return PADDING.slice(at, at + 16 - (delta.length % 16))
  }
  const emit = (at: number, type: string, fields: Record<string, unknown>, last?: number): TimedFrame => {
    const all: Record<string, unknown> = { ...fields, sequence_number: sequence++ }
    let data = `{"type":${JSON.stringify(type)}`
    for (const key of Object.keys(all).sort()) {
      const value = all[key]
      data += `,${JSON.stringify(key)}:${value instanceof Raw ? value.json : JSON.stringify(value)}`
    }
    return { at, ...(last !== undefined ? { last } : {}), text: sseEvent({ event: type, data: `${data}}` }) }
  }
  // The hot path, written out: what emit gives for an output_text.delta, byte for byte (a test compares them).
  const textDelta = (d: TurnDelta, item: string, output: number): TimedFrame => {
    const obfuscation = options.obfuscation ? `,"obfuscation":${JSON.stringify(pad(d.text))}` : ''
    const data =
      `{"type":"response.output_text.delta","content_index":0,"delta":${JSON.stringify(d.text)},"item_id":${item},` +
      `"logprobs":[]${obfuscation},"output_index":${output},"sequence_number":${sequence++}}`
    return { at: d.at, last: d.last, text: `event: response.output_text.delta\n${sseJsonData(data)}` }
  }
  const delta = (text: string): Record<string, unknown> => (options.obfuscation ? { delta: text, obfuscation: pad(text) } : { delta: text })

  const opening = new Raw(responseJson(responseObject(plan, options, 'in_progress')))
  // The first byte: a profile's first-byte moment, else as soon as the headers are out.
  const first = plan.firstByteAt ?? plan.headersAt ?? 0
  yield emit(first, 'response.created', { response: opening })
  yield emit(first, 'response.in_progress', { response: opening })
  for (const planned of plan.parts) {
    const { part, index: output_index, deltas, start, end } = planned
    const item_id = itemId(plan, options.id, output_index)
    if (part.kind === 'reasoning') {
      const at = { item_id, output_index, summary_index: 0 }
      yield emit(start, 'response.output_item.added', { item: { id: item_id, type: 'reasoning', summary: [] }, output_index })
      yield emit(start, 'response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } })
      for (const d of deltas) yield emit(d.at, 'response.reasoning_summary_text.delta', { ...at, ...delta(d.text) }, d.last)
      yield emit(end, 'response.reasoning_summary_text.done', { ...at, text: part.text })
      yield emit(end, 'response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text: part.text } })
    } else if (part.kind === 'text') {
      const at = { content_index: 0, item_id, output_index }
      yield emit(start, 'response.output_item.added', {
        item: { id: item_id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
        output_index,
      })
      yield emit(start, 'response.content_part.added', { ...at, part: outputText('') })
      const item = JSON.stringify(item_id)
      for (const d of deltas) yield textDelta(d, item, output_index)
      yield emit(end, 'response.output_text.done', { ...at, logprobs: [], text: part.text })
      yield emit(end, 'response.content_part.done', { ...at, part: outputText(part.text) })
    } else if (part.kind === 'refusal') {
      const at = { content_index: 0, item_id, output_index }
      yield emit(start, 'response.output_item.added', {
        item: { id: item_id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
        output_index,
      })
      yield emit(start, 'response.content_part.added', { ...at, part: contentPart('refusal', '') })
      for (const d of deltas) yield emit(d.at, 'response.refusal.delta', { ...at, ...delta(d.text) }, d.last)
      yield emit(end, 'response.refusal.done', { ...at, refusal: part.text })
      yield emit(end, 'response.content_part.done', { ...at, part: contentPart('refusal', part.text) })
    } else {
      const item = { id: item_id, type: 'function_call', status: 'in_progress', arguments: '', call_id: `call_${part.id}`, name: part.name }
      yield emit(start, 'response.output_item.added', { item, output_index })
      for (const d of deltas)
        yield emit(d.at, 'response.function_call_arguments.delta', { item_id, output_index, ...delta(d.text) }, d.last)
      yield emit(end, 'response.function_call_arguments.done', { arguments: part.arguments, item_id, output_index })
    }
    yield emit(end, 'response.output_item.done', { item: doneItem(item_id, planned, itemStatus(plan, output_index)), output_index })
  }
  const final = foldOpenAIResponses(plan, options)
  yield emit(plan.end, final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
    response: new Raw(responseJson(final)),
  })
}

/**
 * A mid-stream error as the API sends one: an `error` event (https://platform.openai.com/docs/api-reference/responses-streaming/error)
 * numbered after the events before it, keys in the order of the other events (type first, then alphabetical).
 */
export function openAIResponsesStreamError(message: string, sequence: number): string {
  const data = `{"type":"error","code":"server_error","message":${JSON.stringify(message)},"param":null,"sequence_number":${sequence}}`
  return sseEvent({ event: 'error', data })
}
