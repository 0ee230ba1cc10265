/** POST /v1/responses: OpenAI Responses. (Being built.) */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'

export function openAIResponsesRoute(_app: Hono, _context: AppContext): void {}
