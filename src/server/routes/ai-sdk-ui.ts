/** POST /api/chat: the AI SDK UI message stream. (Being built.) */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'

export function aiSdkUiRoute(_app: Hono, _context: AppContext): void {}
