/**
 * POST /v1beta/models/{model}:streamGenerateContent and :generateContent: the Gemini API, as @google/genai
 * calls it (`{baseUrl}/v1beta/models/{model}:streamGenerateContent?alt=sse`), and the same under /v1, which
 * @google/genai 3 calls by default (its apiVersion went from v1beta to v1). The model and the action share
 * one path segment, split at its last colon; Hono's `:call` parameter matches the whole segment, colon included.
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { TokensimError } from '../../core/errors.js'
import { encodeGemini, encodeGeminiJsonArray, foldGemini, geminiStreamError } from '../../wire/gemini.js'
import { renderGeminiError } from '../../wire/errors.js'
import { readBody } from '../body.js'
import { resolveTurn, type ChatInput } from '../chat.js'
import type { AppContext } from '../context.js'
import { routeGroup } from '../errors.js'
import { faultTurn } from '../faults.js'
import { newId, streamFrames } from '../respond.js'

/** A Content's parts, of which the text ones count (inline data, files and function results are ignored). */
const PARTS = z.array(z.looseObject({ text: z.string().optional() }), { error: 'must be a list of parts, e.g. [{"text":"Hi"}]' })

/** What tokensim reads of the body; every other field the API takes (safetySettings, toolConfig, ...) is accepted and ignored. */
const BODY = z.looseObject({
  contents: z
    .array(
      z.looseObject({
        // The API's own rule (https://ai.google.dev/api/caching#Content): "Must be either 'user' or 'model'", or unset.
        role: z.enum(['user', 'model'], { error: 'must be "user" or "model"' }).optional(),
        parts: PARTS,
      }),
      { error: 'must be a list of Content objects, e.g. [{"role":"user","parts":[{"text":"Hi"}]}]' },
    )
    .min(1, { error: 'must hold at least one Content' }),
  systemInstruction: z.looseObject({ role: z.string().optional(), parts: PARTS }).optional(),
  generationConfig: z
    .looseObject({
      thinkingConfig: z.looseObject({ includeThoughts: z.boolean().optional() }).optional(),
      // Counts thinking too, as the API's does.
      maxOutputTokens: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
    })
    .optional(),
  tools: z.array(z.looseObject({})).optional(),
})

const ACTIONS = ['generateContent', 'streamGenerateContent']

export function geminiRoute(app: Hono, context: AppContext): void {
  const group = routeGroup(renderGeminiError, context, 'google')
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
    const stream = action === 'streamGenerateContent'
    const alt = c.req.query('alt')
    if (stream && alt !== undefined && alt !== 'sse' && alt !== 'json') {
      throw new TokensimError('invalid_param', `alt: must be "sse" or "json", got ${JSON.stringify(alt)}.`, 'alt')
    }

    const body = await readBody(c, BODY)
    const system = body.systemInstruction === undefined ? [] : [{ role: 'system', text: partsText(body.systemInstruction.parts) }]
    const input: ChatInput = {
      model,
      messages: [...system, ...body.contents.map((content) => ({ role: content.role ?? 'user', text: partsText(content.parts) }))],
      maxTokens: body.generationConfig?.maxOutputTokens,
    }
    const { plan, faults } = await faultTurn(
      c,
      context,
      resolveTurn(input, (name) => c.req.header(name), context),
      stream,
    )
    const options = { id: newId('', 23), model, includeThoughts: body.generationConfig?.thinkingConfig?.includeThoughts === true }
    // The API pretty-prints its JSON responses with two spaces.
    if (!stream)
      return c.body(JSON.stringify(foldGemini(plan, options), null, 2), 200, { 'content-type': 'application/json; charset=UTF-8' })
    const error = (jsonArray: boolean) => (message: string) => geminiStreamError(message, jsonArray)
    if (alt === 'sse') return streamFrames(c, context, encodeGemini(plan, options), faults, error(false))
    // A streamed JSON array: no `: ping` comments, which would break the JSON (the heartbeat never comes due).
    const quiet = { ...context, heartbeat: Number.MAX_SAFE_INTEGER }
    return streamFrames(c, quiet, encodeGeminiJsonArray(plan, options), faults, error(true), {
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

function partsText(parts: readonly { text?: string | undefined }[]): string {
  return parts.map((part) => part.text ?? '').join('')
}
