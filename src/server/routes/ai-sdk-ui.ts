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
import { aiSdkUiStreamError, encodeAiSdkUi } from '../../wire/ai-sdk-ui.js'
import { renderNativeError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { resolveTurn, type ChatInput } from '../chat.js'
import { createChatStreams } from '../chat-streams.js'
import type { AppContext } from '../context.js'
import { routeGroup } from '../errors.js'
import { faultTurn } from '../faults.js'
import { encodeFaulted, newId, SSE_HEADERS } from '../respond.js'

/** What streamText's toUIMessageStreamResponse sends besides the SSE headers (ai, UI_MESSAGE_STREAM_HEADERS). */
export const UI_MESSAGE_STREAM_HEADERS: Readonly<Record<string, string>> = { ...SSE_HEADERS, 'x-vercel-ai-ui-message-stream': 'v1' }

/** A UIMessage part: the text ones count; files, reasoning, tools and data parts are accepted and ignored. */
const PART = z.looseObject({ type: z.string(), text: z.unknown().optional() })

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
  const group = routeGroup(renderNativeError, context)

  group.post('/api/chat', async (c) => {
    const body = await readBody(c, BODY)
    const input: ChatInput = {
      model: body.model ?? '',
      messages: body.messages.map((m) => ({
        role: m.role,
        text: m.parts.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join(''),
      })),
    }
    // Always streamed: an error-after or drop-after breaks the stream, never the request.
    const { plan, faults } = await faultTurn(
      c,
      context,
      resolveTurn(input, (name) => c.req.header(name), context),
      true,
    )
    // As streamText with originalMessages (ai, getResponseUIMessageId): a continuation (the last message is the
    // assistant's, e.g. after a tool result) keeps that message's id; otherwise a new one.
    const last = body.messages.at(-1)!
    const messageId = last.role === 'assistant' && last.id !== undefined ? last.id : newId('msg-', 16)
    const frames = encodeFaulted(encodeAiSdkUi(plan, { messageId }), faults, aiSdkUiStreamError)
    if (body.id !== undefined) streams.add(body.id, frames)
    // context.deliver rather than streamFrames: the encoded frames are shared with a resumed stream.
    return context.deliver(c, frames, { ...UI_MESSAGE_STREAM_HEADERS }, context)
  })

  group.get('/api/chat/:id/stream', (c) => {
    const frames = streams.resume(c.req.param('id'))
    if (frames === undefined) return c.body(null, 204)
    return context.deliver(c, frames, { ...UI_MESSAGE_STREAM_HEADERS }, context)
  })

  app.route('/', group)
}
