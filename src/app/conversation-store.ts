/**
 * Conversations a vendor API holds on its server, for the requests that go on from one by id instead of
 * sending it whole: the Responses API's `previous_response_id` and Anthropic's message threads
 * (`thread: {type: "continue", previous_message_id}`). Each answer's conversation (its input, its answer and
 * the tools offered) is kept by the answer's id. Bounded: at most `limit` conversations and `maxChars`
 * characters in all, the oldest dropped first. This is the one piece of conversation state tokensim keeps,
 * because those APIs keep it: it lives in the process that answered, so with `--workers` a client should send
 * the whole conversation instead (the stateless way, which every route takes).
 */
import { promptText, type Message } from '../core/conversation.js'

export interface StoredConversation {
  readonly messages: readonly Message[]
  readonly tools: readonly string[]
}

export interface ConversationStore {
  put(id: string, conversation: StoredConversation): void
  get(id: string): StoredConversation | undefined
}

export function createConversationStore(limit = 1000, maxChars = 32 * 1024 * 1024): ConversationStore {
  const stored = new Map<string, { conversation: StoredConversation; chars: number }>()
  let chars = 0
  return {
    put(id, conversation) {
      let size = 0
      for (const message of conversation.messages) size += promptText(message).length
      if (size > maxChars) return
      stored.set(id, { conversation, chars: size })
      chars += size
      for (const [oldest, entry] of stored) {
        if (stored.size <= limit && chars <= maxChars) break
        stored.delete(oldest)
        chars -= entry.chars
      }
    },
    get: (id) => stored.get(id)?.conversation,
  }
}
