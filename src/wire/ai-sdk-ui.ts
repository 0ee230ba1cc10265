/**
 * The Vercel AI SDK UI message stream (protocol v1: what `useChat` reads through `DefaultChatTransport`, and
 * what `streamText(...).toUIMessageStreamResponse()` writes; https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol):
 * each chunk is one `data:` event holding one JSON object (ai's JsonToSseTransformStream writes
 * `data: ${JSON.stringify(chunk)}\n\n`), then `data: [DONE]`.
 *
 * Which fields: the client validates every chunk with `uiMessageChunkSchema` (packages/ai/src/ui-message-stream/
 * ui-message-chunks.ts) and ai 5 builds it of `z.strictObject`s, so one field it does not know fails the whole
 * stream (ai 6 loosened them to `looseObject`). The earliest ai 5 schema knows, per chunk we send:
 *   start {messageId?, messageMetadata?} · start-step {} · finish-step {} · finish {messageMetadata?}
 *   text-start / reasoning-start / text-end / reasoning-end {id} · text-delta / reasoning-delta {id, delta}
 *   tool-input-start {toolCallId, toolName} · tool-input-delta {toolCallId, inputTextDelta}
 *   tool-input-available {toolCallId, toolName, input}
 * so exactly those go out. Not sent, though streamText sends them in ai 6:
 * - `finish.finishReason`: added in ai 6 and backported late in 5.0 (vercel/ai#9857, #10126); an ai 5 client
 *   from before rejects it. The finish reason and the usage go in `finish.messageMetadata`, the field every
 *   version takes and the AI SDK docs use for usage ("Message Metadata"): the UIMessage's `metadata`.
 * - `title`, `dynamic`, `providerExecuted`, `providerMetadata`, `inputEncoding`, `toolMetadata`: optional,
 *   meaningless for a simulated model, and partly unknown to early ai 5.
 * Tool calls are static tools (no `dynamic`), so they become `tool-NAME` parts as a typed useChat expects.
 *
 * A model's misbehaviour reaches the UI as streamText sends it, which parses every call against the server's
 * tools (ai, parseToolCall): a call to a tool it does not have (NoSuchToolError) or whose arguments are not
 * JSON (InvalidToolInputError) ends with `tool-input-error` {toolCallId, toolName, input, errorText} instead
 * of `tool-input-available` (ai 5's strict chunk schemas have it too, those four fields required and no other),
 * `input` the arguments parsed or else their text, `errorText` the error's message (what an app's `onError`
 * that passes messages on sends; streamText's own default masks it as "An error occurred."); the client makes
 * the part `output-error` with `rawInput` (ai 7: `input`). A refusal is text, as @ai-sdk/openai turns one into text, and ends, as a
 * content filter's stop does, with the finish reason `content-filter` (what @ai-sdk/openai and
 * @ai-sdk/anthropic make of both).
 */
import type { FinishReason, Part, TurnPlan, Usage } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import { sseEvent, sseJsonData } from './sse.js'

export interface AiSdkUiMeta {
  /** The assistant message's id, sent in the start chunk (the client takes it as the UIMessage id). */
  readonly messageId: string
}

/** The AI SDK's FinishReason words (`tool-calls`, with a dash). */
const FINISH: Record<FinishReason, AiSdkFinishReason> = {
  stop: 'stop',
  tool_calls: 'tool-calls',
  length: 'length',
  refusal: 'content-filter',
  content_filter: 'content-filter',
}

type AiSdkFinishReason = 'stop' | 'tool-calls' | 'length' | 'content-filter'

/** Tool call ids in OpenAI's style: what streamText over an OpenAI model passes through to the UI stream. */
const TOOL_CALL_PREFIX = 'call_'

/** What the finish chunk's messageMetadata holds: the UIMessage's `metadata` on the client. */
interface AiSdkUiMetadata {
  readonly finishReason: AiSdkFinishReason
  /** Named as the AI SDK's LanguageModelUsage. */
  readonly usage: {
    readonly inputTokens: number
    readonly outputTokens: number
    readonly totalTokens: number
    readonly reasoningTokens: number
  }
}

function aiSdkUiMetadata(finish: FinishReason, { input, output, reasoning }: Usage): AiSdkUiMetadata {
  return {
    finishReason: FINISH[finish],
    usage: { inputTokens: input, outputTokens: output, totalTokens: input + output, reasoningTokens: reasoning },
  }
}

/** A tool call's input as the client gets it: the arguments parsed (none at all: `{}`; not JSON: the text). */
function toolInput(args: string): unknown {
  if (args === '') return {}
  try {
    return JSON.parse(args) as unknown
  } catch {
    return args
  }
}

/** Why streamText would refuse a call, in the words of the AI SDK's errors; undefined for a good one. */
function callError(part: Extract<Part, { kind: 'tool_call' }>): string | undefined {
  // NoSuchToolError, checked first, as parseToolCall does; the server's tools are not known here.
  if (part.offered === false) return `Model tried to call unavailable tool '${part.name}'.`
  if (part.arguments === '') return undefined
  try {
    JSON.parse(part.arguments)
    return undefined
  } catch (error) {
    // InvalidToolInputError around a JSONParseError.
    const why = `JSON parsing failed: Text: ${part.arguments}.\nError message: ${(error as Error).message}`
    return `Invalid input for tool ${part.name}: ${why}`
  }
}

const chunk = (value: object): string => sseJsonData(JSON.stringify(value))

/**
 * The stream as timed frames. `start` and `start-step` go at the first byte (a profile's first-byte moment,
 * else as soon as the headers are out), as streamText sends `start` the moment the response begins; useChat stays `submitted` until a part opens (processUIMessageStream writes `start` with
 * `updateStatus: false`), so the time to first token shows as it would. Each part opens at its start and closes
 * at its end; finish-step, finish and [DONE] at the end.
 */
export const encodeAiSdkUi = (plan: TurnPlan, meta: AiSdkUiMeta): TimedFrame[] => [...aiSdkUiFrames(plan, meta)]

/** The frames one at a time, each made when it is pulled (src/app/player.ts plays them so). */
export function* aiSdkUiFrames(plan: TurnPlan, { messageId }: AiSdkUiMeta): Generator<TimedFrame, void> {
  const first = plan.firstByteAt ?? plan.headersAt ?? 0
  yield { at: first, text: chunk({ type: 'start', messageId }) + chunk({ type: 'start-step' }) }
  for (const { part, index, deltas, start, end } of plan.parts) {
    if (part.kind === 'tool_call') {
      const toolCallId = TOOL_CALL_PREFIX + part.id
      yield { at: start, text: chunk({ type: 'tool-input-start', toolCallId, toolName: part.name }) }
      for (const { text, at, last } of deltas)
        yield { at, last, text: chunk({ type: 'tool-input-delta', toolCallId, inputTextDelta: text }) }
      const input = toolInput(part.arguments)
      const errorText = callError(part)
      const done =
        errorText === undefined
          ? { type: 'tool-input-available', toolCallId, toolName: part.name, input }
          : { type: 'tool-input-error', toolCallId, toolName: part.name, input, errorText }
      yield { at: end, text: chunk(done) }
      continue
    }
    // Ids as @ai-sdk/anthropic gives them (the block index): unique within the message.
    const id = String(index)
    const kind = part.kind === 'reasoning' ? 'reasoning' : 'text'
    yield { at: start, text: chunk({ type: `${kind}-start`, id }) }
    // The hot path, written out: what chunk() gives for a delta, byte for byte (a test compares the two).
    const head = `{"type":"${kind}-delta","id":${JSON.stringify(id)},"delta":`
    for (const { text, at, last } of deltas) yield { at, last, text: sseJsonData(`${head}${JSON.stringify(text)}}`) }
    yield { at: end, text: chunk({ type: `${kind}-end`, id }) }
  }
  const metadata = aiSdkUiMetadata(plan.finish, plan.usage)
  const close = chunk({ type: 'finish-step' }) + chunk({ type: 'finish', messageMetadata: metadata }) + sseEvent({ data: '[DONE]' })
  yield { at: plan.end, text: close }
}

/** A UIMessage part, as the client's processUIMessageStream builds it. */
type AiSdkUiPart =
  | { readonly type: 'step-start' }
  | { readonly type: 'text' | 'reasoning'; readonly text: string; readonly state: 'done' }
  | { readonly type: `tool-${string}`; readonly toolCallId: string; readonly state: 'input-available'; readonly input: unknown }
  | {
      readonly type: `tool-${string}`
      readonly toolCallId: string
      readonly state: 'output-error'
      readonly rawInput: unknown
      readonly errorText: string
    }

export interface AiSdkUiMessage {
  readonly id: string
  readonly role: 'assistant'
  readonly metadata: AiSdkUiMetadata
  readonly parts: readonly AiSdkUiPart[]
}

/** The same answer not streamed: the UIMessage the client ends with once it has read the whole stream. */
export function foldAiSdkUi(plan: TurnPlan, { messageId }: AiSdkUiMeta): AiSdkUiMessage {
  const parts: AiSdkUiPart[] = [{ type: 'step-start' }]
  for (const part of plan.answer.parts) {
    if (part.kind === 'tool_call') {
      const call = { type: `tool-${part.name}` as const, toolCallId: TOOL_CALL_PREFIX + part.id }
      const input = toolInput(part.arguments)
      const errorText = callError(part)
      parts.push(
        errorText === undefined
          ? { ...call, state: 'input-available', input }
          : { ...call, state: 'output-error', rawInput: input, errorText },
      )
    } else {
      parts.push({ type: part.kind === 'reasoning' ? 'reasoning' : 'text', text: part.text, state: 'done' })
    }
  }
  return { id: messageId, role: 'assistant', metadata: aiSdkUiMetadata(plan.finish, plan.usage), parts }
}

/** A mid-stream error: the `error` chunk (`errorText`), which useChat shows as the chat's error. */
export function aiSdkUiStreamError(message: string): string {
  return chunk({ type: 'error', errorText: message })
}
