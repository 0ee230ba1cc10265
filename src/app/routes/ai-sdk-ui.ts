/**
 * POST /api/chat: the AI SDK UI message stream, the endpoint `useChat` calls through
 * `new DefaultChatTransport({ api })`; GET /api/chat/:id/stream: the chat's answer while it still plays, for
 * `useChat({ resume: true })` (DefaultChatTransport.reconnectToStream: 204 means "nothing to resume").
 *
 * Errors: HttpChatTransport turns any non-2xx response into `new Error(await response.text())` (ai,
 * src/ui/http-chat-transport.ts), so the body text is the message useChat's `error` shows: a JSON body in
 * tokensim's native (OpenAI) shape, whose text starts with the message and which `JSON.parse(error.message)`
 * reads back, as every other tokensim error.
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { aiSdkUiFrames, aiSdkUiStreamError, type AiSdkUiMeta } from '../../wire/ai-sdk-ui.js'
import { renderNativeError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { normalize, resultText, type Conversation, type Message, type ToolCall, type ToolResult } from '../../core/conversation.js'
import { faultTurn, resolveTurn } from '../vendor-turn.js'
import { createChatStreams, type ChatAnswer } from '../chat-streams.js'
import { isShifted } from '../encoded-frames.js'
import type { AppContext } from '../context.js'
import { routeGroup } from '../error-responses.js'
import { answerFrames, SSE_HEADERS } from '../respond.js'
import type { AnswerStream } from '../shared-frames.js'
import type { TurnPlan } from '../../core/types.js'
import { OwnIds, type Ids } from '../response-ids.js'
import { readHeaders } from '../params.js'

/** What streamText's toUIMessageStreamResponse sends besides the SSE headers (ai, UI_MESSAGE_STREAM_HEADERS). */
const UI_MESSAGE_STREAM_HEADERS: Readonly<Record<string, string>> = { ...SSE_HEADERS, 'x-vercel-ai-ui-message-stream': 'v1' }

/**
 * A UIMessage part: text, and tool parts (`tool-NAME`, `dynamic-tool`) in every state, make the conversation;
 * step-start divides an assistant message into steps; reasoning, files, sources and data parts are accepted
 * and ignored.
 */
const PART = z.looseObject({
  type: z.string(),
  text: z.unknown().optional(),
  toolCallId: z.unknown().optional(),
  toolName: z.unknown().optional(),
  state: z.unknown().optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.unknown().optional(),
  approval: z.unknown().optional(),
})

/** What tokensim reads of the body DefaultChatTransport sends; every other field (a `body` option's) is ignored. */
const BODY = z.looseObject({
  /** The chat id: what a resume asks for. */
  id: z.string().optional(),
  messages: z
    .array(z.looseObject({ id: z.string().optional(), role: z.enum(['system', 'user', 'assistant']), parts: z.array(PART) }))
    .min(1, { error: 'must hold at least one UIMessage' }),
  trigger: z.string().optional(),
  messageId: z.string().nullish(),
  /** Not part of the protocol, but a `body: { model }` option is the usual way to pick one (`tokensim-fast`). */
  model: z.string().optional(),
})

export function aiSdkUiRoute(app: Hono, context: AppContext): void {
  // Per app, as the app's other state: two apps in one process do not see each other's chats.
  const streams = createChatStreams(context.clock)
  const group = routeGroup(renderNativeError, context.routeGroups)

  group.post('/api/chat', async (c) => {
    const body = await readBody(c, BODY)
    const input: Conversation = { model: body.model ?? '', messages: messagesOf(body.messages), tools: [] }
    // Always streamed: an error-after or drop-after breaks the stream, never the request.
    const { plan, faults } = await faultTurn(c, context, await resolveTurn(input, readHeaders(c.req), context, c.req.raw), true)
    // As streamText with originalMessages (ai, getResponseUIMessageId): a continuation (the last message is the
    // assistant's, e.g. after a tool result) keeps that message's id; otherwise a new one.
    const last = body.messages.at(-1)!
    const given = last.role === 'assistant' && last.id !== undefined ? last.id : undefined
    const ids = new OwnIds()
    const frames = await answerFrames(context, answerStream(plan, given, ids), faults, aiSdkUiStreamError)
    if (body.id !== undefined) {
      const duration = isShifted(frames) ? Math.max(0, plan.end - frames.shift) : (frames.at.at(-1) ?? 0)
      streams.add(body.id, { plan, faults, given, ids: ids.values, started: Date.now(), duration })
    }
    // context.deliver rather than streamAnswer: the stream is also kept for a resume.
    return context.deliver(c, frames, { ...UI_MESSAGE_STREAM_HEADERS }, context)
  })

  // With --workers, the process that plays a chat answers the others' questions about it.
  context.peers?.on(CHAT_KIND, (id) => (typeof id === 'string' ? streams.get(id) : undefined))

  group.get('/api/chat/:id/stream', async (c) => {
    const id = c.req.param('id')
    const answer = streams.get(id) ?? (await askPeers(context, id))
    if (answer === undefined) return c.body(null, 204)
    // The whole answer from its start, re-timed: what is already due at once, the rest when the first stream sends it.
    const elapsed = Math.max(0, Date.now() - answer.started)
    // The same response again: its own message id, and the answer's shared frames where this process has them.
    const again = answerStream(answer.plan, answer.given, new OwnIds(answer.ids))
    const frames = await answerFrames(context, again, answer.faults, aiSdkUiStreamError)
    const resumed = isShifted(frames)
      ? { ...frames, shift: frames.shift + elapsed }
      : { ...frames, at: frames.at.map((at) => Math.max(0, at - elapsed)) }
    return context.deliver(c, resumed, { ...UI_MESSAGE_STREAM_HEADERS }, context)
  })

  app.route('/', group)
}

/** A response of `plan` as the AI SDK UI format encodes it, its message id the one the client gave or drawn. */
function answerStream(plan: TurnPlan, given: string | undefined, ids: OwnIds): AnswerStream<AiSdkUiMeta> {
  const optionsOf = (drawn: Ids): AiSdkUiMeta => ({ messageId: given === undefined ? drawn.id('msg-', 16) : drawn.given(given) })
  return { format: 'ai-sdk-ui', plan, options: optionsOf(ids), ids, optionsOf, encode: aiSdkUiFrames }
}

/** The question a process asks the others for a chat it does not play (src/app/peers.ts). */
const CHAT_KIND = 'chat-answer'

/** The answer of chat `id` from whichever other process plays it, if one does. */
async function askPeers(context: AppContext, id: string): Promise<ChatAnswer | undefined> {
  if (context.peers === undefined) return undefined
  const answers = await context.peers.ask(CHAT_KIND, id)
  return answers.find((answer): answer is ChatAnswer => typeof answer === 'object' && answer !== null)
}

type Part = z.output<typeof PART>

/**
 * UIMessages as a conversation. An assistant message holds every step of an answer: its text and tool parts up
 * to a step-start are one answer, and the results of those tools (`output-available`, `output-error`,
 * `output-denied`, whether run on the server or added by the app) come back after it; so a message whose last
 * step has results asks the model to go on from them.
 */
function messagesOf(uiMessages: z.output<typeof BODY>['messages']): Message[] {
  const messages: Message[] = []
  for (const message of uiMessages) {
    if (message.role !== 'assistant') {
      messages.push({ role: message.role, text: textOf(message.parts) })
      continue
    }
    let step: Part[] = []
    const flush = (): void => {
      if (step.length === 0) return
      const calls: ToolCall[] = []
      const results: ToolResult[] = []
      for (const part of step) {
        const name = toolName(part)
        if (name === undefined) continue
        const id = typeof part.toolCallId === 'string' ? part.toolCallId : ''
        calls.push({ id, name, arguments: part.input ?? {} })
        const result = resultOf(part)
        if (result !== undefined) results.push({ id, name, ...result })
      }
      messages.push({ role: 'assistant', text: textOf(step), toolCalls: calls })
      if (results.length > 0) messages.push({ role: 'tool', results })
      step = []
    }
    for (const part of message.parts) {
      if (part.type === 'step-start') flush()
      else step.push(part)
    }
    flush()
  }
  // Steps are split here, so consecutive answers stay apart: only results need their calls' names.
  return normalize(messages)
}

const textOf = (parts: readonly Part[]): string =>
  parts.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('')

/** A tool part's tool: `tool-NAME`, or a dynamic tool's `toolName`. */
function toolName(part: Part): string | undefined {
  if (part.type.startsWith('tool-')) return part.type.slice('tool-'.length)
  if (part.type === 'dynamic-tool' && typeof part.toolName === 'string') return part.toolName
  return undefined
}

function resultOf(part: Part): { content: string; isError: boolean } | undefined {
  switch (part.state) {
    case 'output-available':
      return { content: resultText(part.output), isError: false }
    case 'output-error':
      return { content: typeof part.errorText === 'string' ? part.errorText : 'error', isError: true }
    case 'output-denied': {
      const reason = (part.approval as { reason?: unknown } | undefined)?.reason
      return { content: typeof reason === 'string' ? reason : 'The user denied this tool call.', isError: true }
    }
    default:
      return undefined
  }
}
