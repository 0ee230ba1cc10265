/** POST /v1/responses: OpenAI Responses, streamed (`stream: true`) and not. */
import type { Hono } from 'hono'
import { z } from 'zod'
import { TokensimError } from '../../core/errors.js'
import { renderOpenAIError } from '../../wire/errors.js'
import {
  foldOpenAIResponses,
  openAIResponsesFrames,
  type ResponsesEcho,
  openAIResponsesStreamError,
  responseJson,
} from '../../wire/openai-responses.js'
import { readBody } from '../body.js'
import { answerMessage, normalize, type Conversation, type Message } from '../../core/conversation.js'
import { faultTurn, resolveTurn } from '../vendor-turn.js'
import type { AppContext } from '../context.js'
import { routeGroup, setOpenAIRequestId } from '../error-responses.js'
import { createConversationStore, type ConversationStore } from '../conversation-store.js'
import { streamAnswer } from '../respond.js'
import { OwnIds, type Ids } from '../response-ids.js'
import { readHeaders } from '../params.js'

/** A message's content: a string, or parts of which input_text and output_text count (images, files, audio do not). */
const CONTENT = z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))])

/**
 * An input item: a message (`{role, content}`, with or without `type: "message"`), an earlier answer's
 * `function_call` (or `custom_tool_call`), the app's `function_call_output` (or `custom_tool_call_output`);
 * every other item (reasoning, item_reference, web_search_call, ...) is accepted and ignored.
 */
const ITEM = z.looseObject({ type: z.string().optional(), role: z.string().optional(), content: z.unknown().optional() })
const CALL = z.looseObject({ call_id: z.string(), name: z.string(), arguments: z.string().optional(), input: z.string().optional() })
const OUTPUT = z.looseObject({
  call_id: z.string(),
  output: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]),
})

/** An offered tool: a function or custom tool names itself (a function declares its `parameters`); built-in tools (web_search, ...) by their type. */
const TOOL = z.looseObject({ type: z.string().optional(), name: z.string().optional(), parameters: z.unknown().optional() })

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
  tools: z.array(TOOL).nullish(),
  top_p: z.number().nullish(),
})

/** The configuration fields a response echoes (ResponsesEcho), as the request sent them. */
function echoOf(body: Body): ResponsesEcho {
  const { instructions, max_output_tokens, metadata, parallel_tool_calls, previous_response_id, service_tier, store } = body
  const { temperature, tool_choice, tools, top_p } = body
  const echo = { instructions, max_output_tokens, metadata, parallel_tool_calls, previous_response_id, service_tier, store }
  return { ...echo, temperature, tool_choice, tools, top_p }
}

type Body = z.output<typeof BODY>

/** A tool call's `call_id`, as the encoder writes it. */
const CALL_ID = (id: string): string => `call_${id}`

export function openAIResponsesRoute(app: Hono, context: AppContext): void {
  const group = routeGroup(renderOpenAIError, context.routeGroups)
  const stored = createConversationStore()
  group.post('/v1/responses', async (c) => {
    setOpenAIRequestId(c)
    const body = await readBody(c, BODY)
    const input: Conversation = {
      model: body.model,
      messages: messagesOf(body, stored),
      tools: (body.tools ?? []).flatMap((tool) => tool.name ?? tool.type ?? []),
      toolSchemas: new Map((body.tools ?? []).flatMap((tool) => (tool.name === undefined ? [] : [[tool.name, tool.parameters]]))),
      maxTokens: body.max_output_tokens ?? undefined,
    }
    const { plan, faults } = await faultTurn(
      c,
      context,
      await resolveTurn(input, readHeaders(c.req), context, c.req.raw),
      body.stream === true,
    )
    // The response object echoes the request's configuration fields (those ResponsesEcho names) as sent.
    const echo = echoOf(body)
    const obfuscation = body.stream_options?.include_obfuscation !== false
    const optionsOf = (ids: Ids) => ({
      id: ids.id('resp_', 48),
      created: ids.created(),
      completed: ids.created(Math.floor(plan.end / 1000)),
      model: body.model,
      echo,
      obfuscation,
    })
    const ids = new OwnIds()
    const options = optionsOf(ids)
    // As the API keeps a response unless `store: false`: the conversation and its answer, for previous_response_id.
    if (body.store !== false) {
      const messages = [...input.messages.filter((m) => m.role !== 'system'), answerMessage(plan.answer, CALL_ID)]
      stored.put(options.id, { messages, tools: input.tools })
    }
    if (body.stream !== true) {
      return c.body(responseJson(foldOpenAIResponses(plan, options)), 200, { 'content-type': 'application/json' })
    }
    const answer = { format: 'openai-responses', plan, options, ids, optionsOf, encode: openAIResponsesFrames }
    return streamAnswer(c, context, answer, faults, openAIResponsesStreamError)
  })
  app.route('/', group)
}

/**
 * `instructions` is the system prompt (an earlier response's are not carried over, as in the API); then the
 * conversation of `previous_response_id`, if any; a string `input` is one user message.
 */
function messagesOf(body: Body, stored: ConversationStore): Message[] {
  const messages: Message[] = []
  if (body.instructions != null) messages.push({ role: 'system', text: body.instructions })
  if (body.previous_response_id != null) {
    const previous = stored.get(body.previous_response_id)
    if (previous === undefined) {
      // The API's own answer, word for word.
      const message = `Previous response with id '${body.previous_response_id}' not found.`
      throw new TokensimError('previous_response_not_found', message, 'previous_response_id')
    }
    messages.push(...previous.messages)
  }
  if (typeof body.input === 'string') return normalize([...messages, { role: 'user', text: body.input }])
  body.input.forEach((item, index) => {
    // Named as readBody names the fields it checks.
    const fail = (field: string, why: string): never => {
      const param = `input.${index}${field}`
      throw new TokensimError('invalid_param', `${param}: ${why}`, param)
    }
    const read = <T>(schema: z.ZodType<T>): T => {
      const result = schema.safeParse(item)
      if (result.success) return result.data
      const issue = result.error.issues[0]
      return fail(issue?.path.length ? `.${issue.path.join('.')}` : '', issue?.message ?? 'does not fit the item schema')
    }
    switch (item.type) {
      case 'function_call':
      case 'custom_tool_call': {
        const call = read(CALL)
        messages.push({
          role: 'assistant',
          text: '',
          toolCalls: [{ id: call.call_id, name: call.name, arguments: call.arguments ?? call.input ?? '' }],
        })
        return
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const output = read(OUTPUT)
        const content = typeof output.output === 'string' ? output.output : contentText(output.output)
        messages.push({ role: 'tool', results: [{ id: output.call_id, name: '', content, isError: false }] })
        return
      }
      default: // a message, or an item type that carries no turn (read below)
    }
    if (item.role === undefined || (item.type !== undefined && item.type !== 'message')) return
    const content = CONTENT.safeParse(item.content)
    if (!content.success) fail('.content', 'must be a string or an array of content parts')
    const text = contentText(content.data!)
    switch (item.role) {
      case 'assistant':
        messages.push({ role: 'assistant', text, toolCalls: [] })
        break
      case 'system':
      case 'developer':
        messages.push({ role: 'system', text })
        break
      default:
        messages.push({ role: 'user', text })
    }
  })
  return normalize(messages)
}

function contentText(content: z.output<typeof CONTENT>): string {
  if (typeof content === 'string') return content
  return content.map((part) => (part.type === 'input_text' || part.type === 'output_text' ? (part.text ?? '') : '')).join('')
}
