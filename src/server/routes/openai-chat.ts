/** POST /v1/chat/completions: OpenAI Chat Completions, streamed (`stream: true`) and not. */
import type { Hono } from 'hono'
import { z } from 'zod'
import { encodeOpenAIChat, foldOpenAIChat, openAIChatStreamError } from '../../wire/openai-chat.js'
import { renderOpenAIError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { resolveTurn, type ChatInput } from '../chat.js'
import type { AppContext } from '../context.js'
import { routeGroup } from '../errors.js'
import { faultTurn } from '../faults.js'
import { newId, streamFrames, unixSeconds } from '../respond.js'

/** A message's content: a string, or parts of which the text ones count (images, audio and files are ignored). */
const CONTENT = z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()]).optional()

/** What tokensim reads of the body; every other field the API takes is accepted and ignored. */
const BODY = z.looseObject({
  model: z.string().min(1, { error: 'must name a model, e.g. "gpt-4o" or "tokensim-fast"' }),
  messages: z.array(z.looseObject({ role: z.string(), content: CONTENT })).min(1, { error: 'must hold at least one message' }),
  stream: z.boolean().nullish(),
  // max_tokens is the older name of max_completion_tokens; both limit the answer, reasoning included.
  max_tokens: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).nullish(),
  max_completion_tokens: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
})

export function openAIChatRoute(app: Hono, context: AppContext): void {
  const group = routeGroup(renderOpenAIError, context)
  group.post('/v1/chat/completions', async (c) => {
    const body = await readBody(c, BODY)
    const input: ChatInput = {
      model: body.model,
      messages: body.messages.map((m) => ({ role: m.role, text: contentText(m.content) })),
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    }
    const { plan, faults } = await faultTurn(
      c,
      context,
      resolveTurn(input, (name) => c.req.header(name), context),
      body.stream === true,
    )
    const meta = { id: newId('chatcmpl-', 29), created: unixSeconds(), model: body.model }
    if (body.stream !== true) return c.json(foldOpenAIChat(plan, meta))
    const frames = encodeOpenAIChat(plan, { ...meta, includeUsage: body.stream_options?.include_usage === true })
    return streamFrames(c, context, frames, faults, openAIChatStreamError)
  })
  app.route('/', group)
}

function contentText(content: z.output<typeof CONTENT>): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('')
}
