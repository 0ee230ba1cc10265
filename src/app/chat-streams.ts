/**
 * The chats whose answer is still playing, by chat id, for `GET /api/chat/:id/stream` (useChat's `resume`).
 * An entry holds what makes the response's frames again (its plan, its faults and its message id: data, not
 * bytes; in the process that played it, the plan finds the answer's shared frames too) and when it started; it lives until the answer's last frame is due, whether or not its client is still
 * connected: a reload drops the connection, and the point of resuming is that the answer goes on meanwhile (as
 * with the AI SDK's resumable-stream).
 *
 * A resumed stream is the same bytes from the start, the ones already due at once and the rest on the
 * original schedule: ai's DefaultChatTransport treats a resumed stream as a replay (`resumeStreamIsReplay`
 * defaults to true, and processUIMessageStream resets the message on its first `start` chunk), and the page
 * that reconnects after a reload holds none of the answer, so the whole message is what it needs.
 *
 * With `--workers`, a resume may reach another process than the one playing the answer: that process asks the
 * others (src/app/peers.ts), and the one that has the chat answers with its entry, which is plain data, so
 * any process replays it. Its start is a wall-clock time for that reason: every process reads the same one.
 */
import type { TurnPlan } from '../core/types.js'
import { createTimer, type Clock, type Timer } from './clock.js'
import type { ResponseFaults } from './request-faults.js'

/** What replays a chat's answer, in any process. */
export interface ChatAnswer {
  readonly plan: TurnPlan
  readonly faults: ResponseFaults
  /** The message id the client gave (a continuation), if it did. */
  readonly given: string | undefined
  /** The response's own values as it drew them (its message id): a resume draws them again (OwnIds). */
  readonly ids: readonly string[]
  /** When its headers went out, in Unix ms. */
  readonly started: number
  /** How long after that its last frame is due, ms. */
  readonly duration: number
}

export interface ChatStreams {
  /** Records chat `id`'s answer (replacing an earlier answer of that chat). */
  add(id: string, answer: ChatAnswer): void
  /** Chat `id`'s answer while it plays, or undefined once it has ended (or was never here). */
  get(id: string): ChatAnswer | undefined
  readonly size: number
}

/** At most `limit` chats at once: past it, the oldest stops being resumable (its stream plays on). */
export function createChatStreams(clock: Clock, limit = 1000): ChatStreams {
  const active = new Map<string, { answer: ChatAnswer; timer: Timer }>()

  const remove = (id: string): void => {
    const entry = active.get(id)
    if (entry === undefined) return
    clock.cancel(entry.timer)
    active.delete(id)
  }

  return {
    add(id, answer) {
      remove(id)
      const timer = createTimer(() => {
        if (active.get(id)?.timer === timer) active.delete(id)
      })
      active.set(id, { answer, timer })
      clock.schedule(timer, clock.now() + answer.duration)
      for (const oldest of active.keys()) {
        if (active.size <= limit) break
        remove(oldest)
      }
    },
    get(id) {
      const entry = active.get(id)
      return entry !== undefined && Date.now() < entry.answer.started + entry.answer.duration ? entry.answer : undefined
    },
    get size() {
      return active.size
    },
  }
}
