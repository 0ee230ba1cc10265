/** POST /v1/messages: Anthropic Messages, streamed (`stream: true`) and not. */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { TokensimError } from '../../core/errors.js'
import {
  anthropicStreamError,
  anthropicMessagesFrames,
  foldAnthropicMessages,
  shapeAnthropicTurn,
  toolUseId,
} from '../../wire/anthropic-messages.js'
import { renderAnthropicError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { answerMessage, normalize, type Conversation, type Message } from '../../core/conversation.js'
import { countPrompt, faultTurn, resolveTurn } from '../vendor-turn.js'
import type { AppContext } from '../context.js'
import { createConversationStore, type ConversationStore, type StoredConversation } from '../conversation-store.js'
import { errorResponse, routeGroup } from '../error-responses.js'
import { streamAnswer, type StreamError } from '../respond.js'
import { newId, OwnIds, type Ids } from '../response-ids.js'
import { derivedPlan } from '../plan-cache.js'
import { readHeaders } from '../params.js'

/**
 * The API validates bodies with pydantic and says so in its messages (`max_tokens: Field required`, seen in
 * its 400s); these are the same words for the issues zod finds.
 */
function says(expected: string) {
  return (issue: { code: string; input?: unknown }) => (issue.input === undefined ? 'Field required' : `Input should be ${expected}`)
}

/**
 * A content block. Text, tool_use and tool_result blocks make the conversation; image, document, thinking,
 * redacted_thinking, search_result and server tool blocks are accepted and ignored. The fields tokensim reads
 * are checked as the API checks them.
 */
const BLOCK = z.looseObject({ type: z.string({ error: says('a valid string') }) })
const TEXT_BLOCK = z.looseObject({ text: z.string({ error: says('a valid string') }) })
const TOOL_USE = z.looseObject({
  id: z.string({ error: says('a valid string') }),
  name: z.string({ error: says('a valid string') }),
  input: z.unknown(),
})
const TOOL_RESULT = z.looseObject({
  tool_use_id: z.string({ error: says('a valid string') }),
  content: z.union([z.string(), z.array(BLOCK)], { error: says('a valid string or a valid list') }).optional(),
  is_error: z.boolean({ error: says('a valid boolean') }).nullish(),
})
const CONTENT = z.union([z.string(), z.array(BLOCK)], { error: says('a valid string or a valid list') })

/**
 * What tokensim reads of a count_tokens body, and of a Messages body besides `max_tokens` and `stream`
 * (https://docs.anthropic.com/en/api/messages); every other field is accepted and ignored.
 */
const COUNT_BODY = z.looseObject({
  model: z.string({ error: says('a valid string') }).min(1, { error: 'String should have at least 1 character' }),
  messages: z.array(
    z.looseObject({
      // The SDK's MessageParam also takes a `system` role (SystemMessageParam), so the server does too.
      role: z.enum(['user', 'assistant', 'system'], {
        error: (issue) => (issue.input === undefined ? 'Field required' : "Input should be 'user', 'assistant' or 'system'"),
      }),
      content: CONTENT,
    }),
    { error: says('a valid list') },
  ),
  system: z.union([z.string(), z.array(BLOCK)], { error: says('a valid string or a valid list') }).optional(),
  thinking: z
    .looseObject({
      type: z.enum(['enabled', 'disabled', 'adaptive'], { error: "Input should be 'enabled', 'disabled' or 'adaptive'" }),
      budget_tokens: z
        .int({ error: says('a valid integer') })
        .min(1024, { error: 'Input should be greater than or equal to 1024' })
        .optional(),
    })
    .optional(),
  tools: z
    .array(z.looseObject({ name: z.string({ error: says('a valid string') }), input_schema: z.unknown().optional() }), {
      error: says('a valid list'),
    })
    .optional(),
})

const BODY = COUNT_BODY.extend({
  // A message thread: the API holds the conversation under the answer's id, and a later request that continues
  // it sends only its new messages.
  thread: z
    .union(
      [
        z.looseObject({ type: z.literal('create') }),
        z.looseObject({ type: z.literal('continue'), previous_message_id: z.string({ error: says('a valid string') }) }),
      ],
      { error: "Input should be {type: 'create'} or {type: 'continue', previous_message_id}" },
    )
    .nullish(),
  // Required by the API, which answers its absence with a 400 `max_tokens: Field required`.
  max_tokens: z.int({ error: says('a valid integer') }).min(1, { error: 'Input should be greater than or equal to 1' }),
  stream: z.boolean({ error: says('a valid boolean') }).optional(),
})

export function anthropicMessagesRoute(app: Hono, context: AppContext): void {
  const group = routeGroup((error) => renderError(error, requestId()), context.routeGroups, 'anthropic')
  const threads = createConversationStore()
  // The API names every response, errors included, with a `request-id` header (the SDK's `_request_id` and
  // APIError.requestID); an error body repeats it as `request_id`.
  const named = (handle: (c: Context, id: string) => Promise<Response>) => async (c: Context) => {
    const id = requestId()
    c.header('request-id', id)
    try {
      return await handle(c, id)
    } catch (error) {
      return errorResponse(c, (tokensimError) => renderError(tokensimError, id), error)
    }
  }
  group.post(
    '/v1/messages',
    named((c, id) => answer(c, context, threads, id)),
  )
  // messages.countTokens: the prompt's o200k_base tokens, as the answer's usage counts them.
  group.post(
    '/v1/messages/count_tokens',
    named(async (c) => c.json({ input_tokens: await countPrompt(conversationOf(await readBody(c, COUNT_BODY)), c.req.raw.signal) })),
  )
  app.route('/', group)
}

async function answer(c: Context, context: AppContext, threads: ConversationStore, id: string): Promise<Response> {
  const body = await readBody(c, BODY)
  if (body.messages.length === 0) throw new TokensimError('invalid_param', 'messages: at least one message is required', null)
  if (body.thinking?.type === 'enabled') {
    const budget = body.thinking.budget_tokens
    if (budget === undefined) throw new TokensimError('invalid_param', 'thinking.enabled.budget_tokens: Field required', null)
    if (body.max_tokens <= budget)
      throw new TokensimError('invalid_param', '`max_tokens` must be greater than `thinking.budget_tokens`.', null)
  }
  let previous: StoredConversation | undefined
  if (body.thread?.type === 'continue') {
    previous = threads.get(body.thread.previous_message_id)
    if (previous === undefined) {
      const message = `previous_message_id: no thread holds a message with id ${JSON.stringify(body.thread.previous_message_id)}`
      throw new TokensimError('thread_not_found', message, 'thread.previous_message_id')
    }
  }
  const input = conversationOf(body, previous)
  const thinking = body.thinking?.type === 'enabled' || body.thinking?.type === 'adaptive'
  const turn = await resolveTurn(input, readHeaders(c.req), context, c.req.raw)
  // max_tokens on the conversation too: --rate-limit counts it (src/app/request-rate-limits.ts); the plan is cut here.
  const conversation = { ...turn.conversation, maxTokens: body.max_tokens }
  const shape = { thinking, maxTokens: body.max_tokens }
  const shapedPlan = derivedPlan(shapeAnthropicTurn(turn.plan, shape), turn.plan, `anthropic ${JSON.stringify(shape)}`)
  const shaped = { ...turn, conversation, plan: shapedPlan }
  const { plan, faults } = await faultTurn(c, context, shaped, body.stream === true)
  const optionsOf = (ids: Ids) => ({ id: ids.id('msg_01', 22), created: ids.created(), model: body.model, thinking })
  const ids = new OwnIds()
  const options = optionsOf(ids)
  if (body.thread != null)
    threads.put(options.id, { messages: [...input.messages, answerMessage(plan.answer, toolUseId)], tools: input.tools })
  if (body.stream !== true) return c.json(foldAnthropicMessages(plan, options))
  const error: StreamError = (message, _kept, internal) => anthropicStreamError(message, internal ? 'api_error' : 'overloaded_error')
  const answer = { format: 'anthropic-messages', plan, options, ids, optionsOf, encode: anthropicMessagesFrames }
  return streamAnswer(c, context, answer, faults, error, { 'request-id': id })
}

/**
 * The conversation as the SDK sends it: an assistant message's text and tool_use blocks are an earlier answer;
 * a user message's tool_result blocks are the app's results, named by their call's id, and its other blocks,
 * if any, a new user message after them.
 */
function conversationOf(body: z.output<typeof COUNT_BODY>, previous?: StoredConversation): Conversation {
  const messages: Message[] = body.system === undefined ? [] : [{ role: 'system', text: contentText(body.system, 'system') }]
  // A continued thread: what it holds, its system prompt unless this request sends one, then the new messages.
  if (previous !== undefined) messages.push(...previous.messages.filter((m) => body.system === undefined || m.role !== 'system'))
  body.messages.forEach((m, i) => {
    const where = `messages.${i}.content`
    if (m.role === 'system') messages.push({ role: 'system', text: contentText(m.content, where) })
    else if (m.role === 'assistant') {
      const blocks = typeof m.content === 'string' ? [] : m.content
      const toolCalls = blocks.flatMap((block, b) =>
        block.type === 'tool_use'
          ? [checked(TOOL_USE, block, `${where}.${b}`)].map((u) => ({ id: u.id, name: u.name, arguments: u.input }))
          : [],
      )
      messages.push({ role: 'assistant', text: contentText(m.content, where), toolCalls })
    } else {
      const blocks = typeof m.content === 'string' ? [] : m.content
      const results = blocks.flatMap((block, b) => {
        if (block.type !== 'tool_result') return []
        const result = checked(TOOL_RESULT, block, `${where}.${b}`)
        const content = result.content === undefined ? '' : contentText(result.content, `${where}.${b}.content`)
        return [{ id: result.tool_use_id, name: '', content, isError: result.is_error === true }]
      })
      if (results.length > 0) messages.push({ role: 'tool', results })
      if (results.length === 0 || results.length < blocks.length) messages.push({ role: 'user', text: contentText(m.content, where) })
    }
  })
  const tools = body.tools?.map((tool) => tool.name) ?? previous?.tools ?? []
  const toolSchemas = new Map(body.tools?.map((tool) => [tool.name, tool.input_schema]))
  return { model: body.model, messages: normalize(messages), tools, toolSchemas }
}

/** The text blocks' text, joined; each text block's `text` checked. */
function contentText(content: z.output<typeof CONTENT>, where: string): string {
  if (typeof content === 'string') return content
  let text = ''
  content.forEach((block, b) => {
    if (block.type === 'text') text += checked(TEXT_BLOCK, block, `${where}.${b}`).text
  })
  return text
}

/** A block read against its schema; a field at fault is a 400 naming its path, as readBody names the body's. */
function checked<T>(schema: z.ZodType<T>, block: unknown, where: string): T {
  const result = schema.safeParse(block)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = [where, ...(issue?.path ?? []).map(String)].join('.')
  throw new TokensimError('invalid_param', `${path}: ${issue?.message ?? 'does not fit the block schema'}`, path)
}

/** Errors in Anthropic's shape, with a `request_id` as the API adds. */
function renderError(error: TokensimError, id: string) {
  const { status, body, headers } = renderAnthropicError(error)
  return { status, body: { ...body, request_id: id }, headers }
}

/** A request id in the API's form (`req_011CYfUGm894GvnVxoN9fNaL`). */
const requestId = (): string => newId('req_011', 21)
