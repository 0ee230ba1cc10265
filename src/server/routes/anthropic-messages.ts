/** POST /v1/messages: Anthropic Messages. (Being built.) */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'

export function anthropicMessagesRoute(_app: Hono, _context: AppContext): void {}
