/** GET /replies: the canned replies a stream can ask for by name, with their lengths. */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'
import { memoized } from '../memo.js'

export function repliesRoute(app: Hono, context: AppContext): void {
  // Per unit source (a reload makes a new one, with its library): counted on first use, not at start, as
  // tokenizing every reply costs a few ms the server need not spend.
  const listing = memoized(async (units: AppContext['units']) => ({
    replies: await Promise.all(
      context.library.replies.map(async (reply) => ({
        name: reply.name,
        description: reply.description,
        chars: reply.text.length,
        words: (await units.ofReply(reply.name, 'word')).length,
        tokens: (await units.ofReply(reply.name, 'token')).length,
      })),
    ),
  }))
  app.get('/replies', async (c) => c.json(await listing(context.units)))
}
