/** POST /v1/chat/completions: OpenAI Chat Completions, streamed (`stream: true`) and not. */
import type { Hono } from 'hono'
import { z } from 'zod'
import { foldOpenAIChat, openAIChatFrames, openAIChatStreamError } from '../../wire/openai-chat.js'
import { renderOpenAIError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { normalize, type Conversation, type Message } from '../../core/conversation.js'
import { faultTurn, resolveTurn } from '../vendor-turn.js'
import type { AppContext } from '../context.js'
import { routeGroup, setOpenAIRequestId } from '../error-responses.js'
import { streamAnswer } from '../respond.js'
import { OwnIds, type Ids } from '../response-ids.js'
import { readHeaders } from '../params.js'

/** A message's content: a string, or parts of which the text ones count (images, audio, files and refusals do not). */
const CONTENT = z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()]).optional()

/** An earlier answer's tool call: a function call, or a custom tool's call with its raw input. */
const TOOL_CALL = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
  custom: z.looseObject({ name: z.string(), input: z.string() }).optional(),
})

/** The roles the API takes, with its own message for any other. */
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const

const MESSAGE = z.looseObject({
  role: z.enum(ROLES, {
    error: (issue) =>
      `Invalid value: ${JSON.stringify(issue.input)}. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
  }),
  content: CONTENT,
  tool_calls: z.array(TOOL_CALL).nullish(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
})

/** An offered tool: `{type: "function", function: {name, parameters}}` or `{type: "custom", custom: {name}}`. */
const TOOL = z.looseObject({
  function: z.looseObject({ name: z.string(), parameters: z.unknown().optional() }).optional(),
  custom: z.looseObject({ name: z.string() }).optional(),
})

/** What tokensim reads of the body; every other field the API takes is accepted and ignored. */
const BODY = z.looseObject({
  model: z.string().min(1, { error: 'must name a model, e.g. "gpt-4o" or "tokensim-fast"' }),
  messages: z.array(MESSAGE).min(1, { error: 'must hold at least one message' }),
  tools: z.array(TOOL).nullish(),
  stream: z.boolean().nullish(),
  // max_tokens is the older name of max_completion_tokens; both limit the answer, reasoning included.
  max_tokens: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).nullish(),
  max_completion_tokens: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
})

type Body = z.output<typeof BODY>

export function openAIChatRoute(app: Hono, context: AppContext): void {
  const group = routeGroup(renderOpenAIError, context.routeGroups)
  group.post('/v1/chat/completions', async (c) => {
    setOpenAIRequestId(c)
    const body = await readBody(c, BODY)
    const input = conversationOf(body)
    const { plan, faults } = await faultTurn(
      c,
      context,
      await resolveTurn(input, readHeaders(c.req), context, c.req.raw),
      body.stream === true,
    )
    const includeUsage = body.stream_options?.include_usage === true
    const optionsOf = (ids: Ids) => ({ id: ids.id('chatcmpl-', 29), created: ids.created(), model: body.model, includeUsage })
    const ids = new OwnIds()
    const options = optionsOf(ids)
    if (body.stream !== true) return c.json(foldOpenAIChat(plan, options))
    const answer = { format: 'openai-chat', plan, options, ids, optionsOf, encode: openAIChatFrames }
    return streamAnswer(c, context, answer, faults, openAIChatStreamError)
  })
  app.route('/', group)
}

/**
 * The conversation as the SDK sends it: system and developer messages are the system prompt; an assistant
 * message carries its tool calls, and each `tool` message one result, named by its call's id (the legacy
 * `function` role names its function instead).
 */
function conversationOf(body: Body): Conversation {
  const messages = body.messages.map((m): Message => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', text: contentText(m.content) }
      case 'user':
        return { role: 'user', text: contentText(m.content) }
      case 'assistant':
        return {
          role: 'assistant',
          text: contentText(m.content),
          toolCalls: (m.tool_calls ?? []).map((call) => ({
            id: call.id,
            name: call.function?.name ?? call.custom?.name ?? '',
            arguments: call.function?.arguments ?? call.custom?.input ?? '',
          })),
        }
      case 'tool':
        return { role: 'tool', results: [{ id: m.tool_call_id ?? '', name: '', content: contentText(m.content), isError: false }] }
      case 'function':
        return { role: 'tool', results: [{ id: '', name: m.name ?? '', content: contentText(m.content), isError: false }] }
    }
  })
  const tools = (body.tools ?? []).flatMap((tool) => tool.function?.name ?? tool.custom?.name ?? [])
  const toolSchemas = new Map((body.tools ?? []).flatMap((tool) => (tool.function ? [[tool.function.name, tool.function.parameters]] : [])))
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined
  return { model: body.model, messages: normalize(messages), tools, toolSchemas, maxTokens }
}

function contentText(content: z.output<typeof CONTENT>): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('')
}
