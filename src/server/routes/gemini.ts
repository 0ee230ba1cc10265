/** POST /v1beta/models/{model}:streamGenerateContent and :generateContent: Gemini. (Being built.) */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'

export function geminiRoute(_app: Hono, _context: AppContext): void {}
