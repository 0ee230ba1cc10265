/** POST /v1/responses: OpenAI Responses, streamed (`stream: true`) and not. */
import type { Hono } from 'hono'
import { z } from 'zod'
import { TokensimError } from '../../core/errors.js'
import { renderOpenAIError } from '../../wire/errors.js'
import { encodeOpenAIResponses, foldOpenAIResponses, openAIResponsesStreamError, responseJson } from '../../wire/openai-responses.js'
import { readBody } from '../body.js'
import { resolveTurn, type ChatInput, type ChatMessage } from '../chat.js'
import type { AppContext } from '../context.js'
import { routeGroup } from '../errors.js'
import { faultTurn } from '../faults.js'
import { newId, streamFrames, unixSeconds } from '../respond.js'

/** A message's content: a string, or parts of which input_text and output_text count (images, files, audio do not). */
const CONTENT = z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))])

/**
 * An input item. Messages (`{role, content}`, with or without `type: "message"`) count; every other item
 * (function_call, function_call_output, reasoning, item_reference, ...) is accepted and ignored.
 */
const ITEM = z.looseObject({ type: z.string().optional(), role: z.string().optional(), content: z.unknown().optional() })

/** What tokensim reads of the body; every other field the API takes is accepted and ignored (some are echoed). */
const BODY = z.looseObject({
  model: z.string().min(1, { error: 'must name a model, e.g. "gpt-4o" or "tokensim-fast"' }),
  input: z.union([z.string(), z.array(ITEM)], { error: 'must be a string or an array of input items' }),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().nullish() }).nullish(),
  // The API's own lower bound for the limit.
  max_output_tokens: z.int({ error: 'must be a whole number' }).min(16, { error: 'must be at least 16' }).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  service_tier: z.string().nullish(),
  store: z.boolean().nullish(),
  temperature: z.number().nullish(),
  tool_choice: z.unknown().optional(),
  tools: z.array(z.unknown()).nullish(),
  top_p: z.number().nullish(),
})

type Body = z.output<typeof BODY>

export function openAIResponsesRoute(app: Hono, context: AppContext): void {
  const group = routeGroup(renderOpenAIError, context)
  group.post('/v1/responses', async (c) => {
    const body = await readBody(c, BODY)
    const input: ChatInput = { model: body.model, messages: messagesOf(body), maxTokens: body.max_output_tokens ?? undefined }
    const { plan, faults } = await faultTurn(
      c,
      context,
      resolveTurn(input, (name) => c.req.header(name), context),
      body.stream === true,
    )
    const options = {
      id: newId('resp_', 48),
      created: unixSeconds(),
      model: body.model,
      // The response object echoes the request's configuration fields (those ResponsesEcho names) as sent.
      echo: body,
      obfuscation: body.stream_options?.include_obfuscation !== false,
    }
    if (body.stream !== true) {
      return c.body(responseJson(foldOpenAIResponses(plan, options)), 200, { 'content-type': 'application/json' })
    }
    const error = openAIResponsesStreamError
    return streamFrames(c, context, encodeOpenAIResponses(plan, options), faults, error)
  })
  app.route('/', group)
}

/** `instructions` is the system prompt; a string `input` is one user message. */
function messagesOf(body: Body): ChatMessage[] {
  const messages: ChatMessage[] = []
  if (body.instructions != null) messages.push({ role: 'system', text: body.instructions })
  if (typeof body.input === 'string') return [...messages, { role: 'user', text: body.input }]
  body.input.forEach((item, index) => {
    if (item.role === undefined || (item.type !== undefined && item.type !== 'message')) return
    const content = CONTENT.safeParse(item.content)
    if (!content.success) {
      // Named as readBody names the fields it checks.
      const param = `input.${index}.content`
      throw new TokensimError('invalid_param', `${param}: must be a string or an array of content parts`, param)
    }
    messages.push({ role: item.role, text: contentText(content.data) })
  })
  return messages
}

function contentText(content: z.output<typeof CONTENT>): string {
  if (typeof content === 'string') return content
  return content.map((part) => (part.type === 'input_text' || part.type === 'output_text' ? (part.text ?? '') : '')).join('')
}
