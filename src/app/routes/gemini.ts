/**
 * POST /v1beta/models/{model}:streamGenerateContent and :generateContent: the Gemini API, as @google/genai
 * calls it (`{baseUrl}/v1beta/models/{model}:streamGenerateContent?alt=sse`), and the same under /v1, which
 * @google/genai 3 calls by default (its apiVersion went from v1beta to v1). The model and the action share
 * one path segment, split at its last colon; Hono's `:call` parameter matches the whole segment, colon included.
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { TokensimError } from '../../core/errors.js'
import { foldGemini, geminiFrames, geminiJsonArrayFrames, geminiStreamError } from '../../wire/gemini.js'
import { renderGeminiError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { normalize, resultText, type Conversation, type Message } from '../../core/conversation.js'
import { countPrompt, faultTurn, resolveTurn } from '../vendor-turn.js'
import type { AppContext } from '../context.js'
import { routeGroup } from '../error-responses.js'
import { streamAnswer } from '../respond.js'
import { OwnIds, type Ids } from '../response-ids.js'
import { readHeaders } from '../params.js'

/**
 * A Content's parts: text (thoughts apart), a model's functionCall and the app's functionResponse make the
 * conversation; inline data, files, executable code and the rest are accepted and ignored.
 */
const PART = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  functionCall: z
    .looseObject({ id: z.string().optional(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() })
    .optional(),
  functionResponse: z
    .looseObject({ id: z.string().optional(), name: z.string(), response: z.record(z.string(), z.unknown()).optional() })
    .optional(),
})
const PARTS = z.array(PART, { error: 'must be a list of parts, e.g. [{"text":"Hi"}]' })
const CONTENTS = z
  .array(
    z.looseObject({
      // The API's own rule (https://ai.google.dev/api/caching#Content): "Must be either 'user' or 'model'", or unset.
      role: z.enum(['user', 'model'], { error: 'must be "user" or "model"' }).optional(),
      parts: PARTS,
    }),
    { error: 'must be a list of Content objects, e.g. [{"role":"user","parts":[{"text":"Hi"}]}]' },
  )
  .min(1, { error: 'must hold at least one Content' })
/** The offered functions, with their parameters as an OpenAPI schema or as JSON Schema. */
const DECLARATION = z.looseObject({ name: z.string(), parameters: z.unknown().optional(), parametersJsonSchema: z.unknown().optional() })
const TOOLS = z.array(z.looseObject({ functionDeclarations: z.array(DECLARATION).optional() })).optional()

/** What tokensim reads of the body; every other field the API takes (safetySettings, toolConfig, ...) is accepted and ignored. */
const BODY = z.looseObject({
  contents: CONTENTS,
  systemInstruction: z.looseObject({ role: z.string().optional(), parts: PARTS }).optional(),
  generationConfig: z
    .looseObject({
      thinkingConfig: z.looseObject({ includeThoughts: z.boolean().optional() }).optional(),
      // Counts thinking too, as the API's does.
      maxOutputTokens: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
    })
    .optional(),
  tools: TOOLS,
})

/** countTokens takes the contents, or a whole request under generateContentRequest (https://ai.google.dev/api/tokens). */
const COUNT_BODY = z.looseObject({
  contents: CONTENTS.optional(),
  generateContentRequest: z
    .looseObject({ contents: CONTENTS, systemInstruction: z.looseObject({ parts: PARTS }).optional(), tools: TOOLS })
    .optional(),
})

const ACTIONS = ['generateContent', 'streamGenerateContent', 'countTokens']

export function geminiRoute(app: Hono, context: AppContext): void {
  const group = routeGroup(renderGeminiError, context.routeGroups, 'google')
  group.post('/:version{v1beta|v1}/models/:call', async (c) => {
    const call = c.req.param('call')
    const colon = call.lastIndexOf(':')
    const action = colon < 0 ? '' : call.slice(colon + 1)
    if (!ACTIONS.includes(action)) {
      throw new TokensimError(
        'not_found',
        `No method ${JSON.stringify(action)} on models; tokensim serves :generateContent and :streamGenerateContent.`,
      )
    }
    const model = call.slice(0, colon)
    if (model === '')
      throw new TokensimError(
        'invalid_param',
        `The path must name a model, e.g. /${c.req.param('version')}/models/gemini-2.5-flash:generateContent.`,
        'model',
      )
    if (action === 'countTokens') {
      const body = await readBody(c, COUNT_BODY)
      const request = body.generateContentRequest ?? (body.contents === undefined ? undefined : { contents: body.contents })
      if (request === undefined) {
        throw new TokensimError('invalid_param', 'contents: must hold contents, or a generateContentRequest with contents', 'contents')
      }
      const tokens = await countPrompt(conversationOf(model, request), c.req.raw.signal)
      return c.json({ totalTokens: tokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: tokens }] })
    }
    const stream = action === 'streamGenerateContent'
    const alt = c.req.query('alt')
    if (stream && alt !== undefined && alt !== 'sse' && alt !== 'json') {
      throw new TokensimError('invalid_param', `alt: must be "sse" or "json", got ${JSON.stringify(alt)}.`, 'alt')
    }

    const body = await readBody(c, BODY)
    const input = { ...conversationOf(model, body), maxTokens: body.generationConfig?.maxOutputTokens }
    const { plan, faults } = await faultTurn(c, context, await resolveTurn(input, readHeaders(c.req), context, c.req.raw), stream)
    const includeThoughts = body.generationConfig?.thinkingConfig?.includeThoughts === true
    const optionsOf = (ids: Ids) => ({ id: ids.id('', 23), model, includeThoughts })
    const ids = new OwnIds()
    const options = optionsOf(ids)
    // The API pretty-prints its JSON responses with two spaces.
    if (!stream)
      return c.body(JSON.stringify(foldGemini(plan, options), null, 2), 200, { 'content-type': 'application/json; charset=UTF-8' })
    const error = (jsonArray: boolean) => (message: string) => geminiStreamError(message, jsonArray)
    const answer = { plan, options, ids, optionsOf }
    if (alt === 'sse') return streamAnswer(c, context, { ...answer, format: 'gemini-sse', encode: geminiFrames }, faults, error(false))
    // A streamed JSON array: no `: ping` comments, which would break the JSON (the heartbeat never comes due).
    const quiet = { ...context, heartbeat: Number.MAX_SAFE_INTEGER }
    return streamAnswer(c, quiet, { ...answer, format: 'gemini-json', encode: geminiJsonArrayFrames }, faults, error(true), {
      'content-type': 'application/json; charset=UTF-8',
    })
  })
  // Anything else under /v1beta answers in Google's shape too, so the SDK shows it as its own ApiError.
  group.all('/v1beta/*', (c) => {
    throw new TokensimError(
      'not_found',
      `No route for ${c.req.method} ${c.req.path}; tokensim serves POST /v1beta/models/{model}:generateContent and :streamGenerateContent.`,
    )
  })
  app.route('/', group)
}

interface Request {
  readonly contents: z.output<typeof CONTENTS>
  readonly systemInstruction?: { readonly parts: z.output<typeof PARTS> } | undefined
  readonly tools?: z.output<typeof TOOLS>
}

/**
 * The conversation as the SDK sends it: a model turn's text and functionCall parts are an earlier answer; a
 * user turn's functionResponse parts are the app's results (a `response` of `{output}` is the result, of
 * `{error}` a failure, as the API documents them), and its other parts, if any, a new user message after them.
 */
function conversationOf(model: string, request: Request): Conversation {
  const messages: Message[] =
    request.systemInstruction === undefined ? [] : [{ role: 'system', text: partsText(request.systemInstruction.parts) }]
  for (const content of request.contents) {
    if (content.role === 'model') {
      const toolCalls = content.parts.flatMap(({ functionCall: call }) =>
        call === undefined ? [] : [{ id: call.id ?? '', name: call.name, arguments: call.args ?? {} }],
      )
      messages.push({ role: 'assistant', text: partsText(content.parts), toolCalls })
      continue
    }
    const results = content.parts.flatMap(({ functionResponse: response }) => {
      if (response === undefined) return []
      const fields = response.response ?? {}
      const keys = Object.keys(fields)
      const isError = keys.length === 1 && keys[0] === 'error'
      const value = keys.length === 1 && (keys[0] === 'output' || isError) ? fields[keys[0]!] : fields
      return [{ id: response.id ?? '', name: response.name, content: resultText(value), isError }]
    })
    if (results.length > 0) messages.push({ role: 'tool', results })
    if (results.length === 0 || results.length < content.parts.length) messages.push({ role: 'user', text: partsText(content.parts) })
  }
  const declarations = (request.tools ?? []).flatMap((tool) => tool.functionDeclarations ?? [])
  const toolSchemas = new Map(declarations.map((f) => [f.name, f.parametersJsonSchema ?? f.parameters]))
  return { model, messages: normalize(messages), tools: declarations.map((f) => f.name), toolSchemas }
}

/** The text parts' text, thoughts left out. */
function partsText(parts: z.output<typeof PARTS>): string {
  return parts.map((part) => (part.thought === true ? '' : (part.text ?? ''))).join('')
}
