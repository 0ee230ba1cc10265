/** The reply library: the built-in canned replies plus the user's own, looked up by name. */
import { TokensimError } from './errors.js'
import type { Reply } from './types.js'

export interface ReplyLibrary {
  readonly replies: readonly Reply[]
  /** The reply of that name; an `unknown_reply` error naming the ones there are otherwise. */
  get(name: string): Reply
}

/** Later replies replace earlier ones of the same name, so a user's file can override a built-in reply. */
export function createReplyLibrary(...sources: ReadonlyArray<readonly Reply[]>): ReplyLibrary {
  const byName = new Map<string, Reply>()
  for (const source of sources) for (const reply of source) byName.set(reply.name, reply)
  const replies = [...byName.values()]
  return {
    replies,
    get(name) {
      const reply = byName.get(name)
      if (reply === undefined) {
        const known = replies.map((r) => r.name).join(', ')
        throw new TokensimError(
          'unknown_reply',
          `There is no reply named ${JSON.stringify(name)}; the replies are: ${known}. See GET /replies.`,
          'reply',
        )
      }
      return reply
    },
  }
}
