/** GET /replies: the canned replies a stream can ask for by name, with their lengths. */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'

export function repliesRoute(app: Hono, context: AppContext): void {
  // Per library (a reload makes a new one): counted on first use, not at start, as tokenizing every reply costs
  // a few ms the server need not spend.
  const listings = new WeakMap<object, unknown>()
  app.get('/replies', (c) => {
    const { library, units } = context
    let listing = listings.get(library)
    listing ??= {
      replies: library.replies.map((reply) => ({
        name: reply.name,
        description: reply.description,
        chars: reply.text.length,
        words: units.ofReply(reply.name, 'word').length,
        tokens: units.ofReply(reply.name, 'token').length,
      })),
    }
    listings.set(library, listing)
    return c.json(listing)
  })
}
