/** GET /replies: the canned replies a stream can ask for by name, with their lengths. */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'

export function repliesRoute(app: Hono, { library, units }: AppContext): void {
  let listing: unknown
  app.get('/replies', (c) => {
    // Counted on first use, not at start: tokenizing every reply costs a few ms the server need not spend.
    listing ??= {
      replies: library.replies.map((reply) => ({
        name: reply.name,
        description: reply.description,
        chars: reply.text.length,
        words: units.ofReply(reply.name, 'word').length,
        tokens: units.ofReply(reply.name, 'token').length,
      })),
    }
    return c.json(listing)
  })
}
