/** POST /v1/messages: Anthropic Messages, streamed (`stream: true`) and not. */
import type { Context, Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import { TokensimError } from '../../core/errors.js'
import { anthropicStreamError, encodeAnthropicMessages, foldAnthropicMessages, shapeAnthropicTurn } from '../../wire/anthropic-messages.js'
import { renderAnthropicError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { resolveTurn, type ChatInput } from '../chat.js'
import type { AppContext } from '../context.js'
import { asTokensimError, routeGroup } from '../errors.js'
import { faultTurn } from '../faults.js'
import { newId, streamFrames, unixSeconds, type StreamError } from '../respond.js'

/**
 * The API validates bodies with pydantic and says so in its messages (`max_tokens: Field required`, seen in
 * its 400s); these are the same words for the issues zod finds.
 */
function says(expected: string) {
  return (issue: { code: string; input?: unknown }) => (issue.input === undefined ? 'Field required' : `Input should be ${expected}`)
}

/** Text blocks count; image, document, tool_use, tool_result, thinking and other blocks are accepted and ignored. */
const BLOCK = z.looseObject({ type: z.string({ error: says('a valid string') }), text: z.unknown() })
const CONTENT = z.union([z.string(), z.array(BLOCK)], { error: says('a valid string or a valid list') })

/** What tokensim reads of the body (https://docs.anthropic.com/en/api/messages); every other field is accepted and ignored. */
const BODY = z.looseObject({
  model: z.string({ error: says('a valid string') }).min(1, { error: 'String should have at least 1 character' }),
  // Required by the API, which answers its absence with a 400 `max_tokens: Field required`.
  max_tokens: z.int({ error: says('a valid integer') }).min(1, { error: 'Input should be greater than or equal to 1' }),
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
  stream: z.boolean({ error: says('a valid boolean') }).optional(),
  thinking: z
    .looseObject({
      type: z.enum(['enabled', 'disabled', 'adaptive'], { error: "Input should be 'enabled', 'disabled' or 'adaptive'" }),
      budget_tokens: z
        .int({ error: says('a valid integer') })
        .min(1024, { error: 'Input should be greater than or equal to 1024' })
        .optional(),
    })
    .optional(),
  tools: z.array(z.looseObject({ name: z.string({ error: says('a valid string') }) }), { error: says('a valid list') }).optional(),
})

export function anthropicMessagesRoute(app: Hono, context: AppContext): void {
  const group = routeGroup((error) => renderError(error, requestId()), context, 'anthropic')
  group.post('/v1/messages', async (c) => {
    // The API names every response, errors included, with a `request-id` header (the SDK's `_request_id` and
    // APIError.requestID); an error body repeats it as `request_id`.
    const id = requestId()
    c.header('request-id', id)
    try {
      return await answer(c, context, id)
    } catch (error) {
      const { status, body, headers } = renderError(asTokensimError(error), id)
      return c.json(body, status as ContentfulStatusCode, headers)
    }
  })
  app.route('/', group)
}

async function answer(c: Context, context: AppContext, id: string): Promise<Response> {
  const body = await readBody(c, BODY)
  if (body.messages.length === 0) throw new TokensimError('invalid_param', 'messages: at least one message is required', null)
  if (body.thinking?.type === 'enabled') {
    const budget = body.thinking.budget_tokens
    if (budget === undefined) throw new TokensimError('invalid_param', 'thinking.enabled.budget_tokens: Field required', null)
    if (body.max_tokens <= budget)
      throw new TokensimError('invalid_param', '`max_tokens` must be greater than `thinking.budget_tokens`.', null)
  }
  const system = body.system === undefined ? [] : [{ role: 'system', text: contentText(body.system) }]
  const input: ChatInput = {
    model: body.model,
    messages: [...system, ...body.messages.map((m) => ({ role: m.role, text: contentText(m.content) }))],
  }
  const thinking = body.thinking?.type === 'enabled' || body.thinking?.type === 'adaptive'
  const turn = resolveTurn(input, (name) => c.req.header(name), context)
  const shaped = { ...turn, plan: shapeAnthropicTurn(turn.plan, { thinking, maxTokens: body.max_tokens }) }
  const { plan, faults } = await faultTurn(c, context, shaped, body.stream === true)
  const meta = { id: newId('msg_01', 22), created: unixSeconds(), model: body.model, thinking }
  if (body.stream !== true) return c.json(foldAnthropicMessages(plan, meta))
  const error: StreamError = (message, _kept, internal) => anthropicStreamError(message, internal ? 'api_error' : 'overloaded_error')
  return streamFrames(c, context, encodeAnthropicMessages(plan, meta), faults, error, { 'request-id': id })
}

function contentText(content: z.output<typeof CONTENT>): string {
  if (typeof content === 'string') return content
  return content.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('')
}

/** Errors in Anthropic's shape, with a `request_id` as the API adds. */
function renderError(error: TokensimError, id: string) {
  const { status, body, headers } = renderAnthropicError(error)
  return { status, body: { ...body, request_id: id }, headers }
}

/** A request id in the API's form (`req_011CYfUGm894GvnVxoN9fNaL`). */
const requestId = (): string => newId('req_011', 21)
