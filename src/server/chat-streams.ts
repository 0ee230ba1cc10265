/**
 * The chats whose answer is still playing, by chat id, for `GET /api/chat/:id/stream` (useChat's `resume`).
 * An entry holds what makes the response's frames again (its plan) and when it started; it lives until the answer's last frame is
 * due on the shared clock, whether or not its client is still connected: a reload drops the connection, and the
 * point of resuming is that the answer goes on meanwhile (as with the AI SDK's resumable-stream).
 *
 * A resumed stream is the same bytes from the start, the ones already due at once and the rest on the
 * original schedule: ai's DefaultChatTransport treats a resumed stream as a replay (`resumeStreamIsReplay`
 * defaults to true, and processUIMessageStream resets the message on its first `start` chunk), and the page
 * that reconnects after a reload holds none of the answer, so the whole message is what it needs.
 */
import { createTimer, type Clock, type Timer } from './clock.js'
import { isLazy, type Frames } from './frames.js'

interface ActiveStream {
  /** The answer's frames from its start, made anew for each client: its plan, not its bytes, is what is kept. */
  readonly replay: () => Frames
  readonly started: number
  readonly timer: Timer
}

export interface ChatStreams {
  /**
   * Records chat `id`'s answer, started now (replacing an earlier answer of that chat): `replay` makes its
   * frames from the start, and it lasts `duration` ms.
   */
  add(id: string, replay: () => Frames, duration: number): void
  /** The frames still to come of chat `id`'s answer, re-timed from now, or undefined once it has ended. */
  resume(id: string): Frames | undefined
  readonly size: number
}

/** At most `limit` chats at once: past it, the oldest stops being resumable (its stream plays on). */
export function createChatStreams(clock: Clock, limit = 1000): ChatStreams {
  const active = new Map<string, ActiveStream>()

  const remove = (id: string): void => {
    const entry = active.get(id)
    if (entry === undefined) return
    clock.cancel(entry.timer)
    active.delete(id)
  }

  return {
    add(id, replay, duration) {
      remove(id)
      const started = clock.now()
      const timer = createTimer(() => {
        if (active.get(id)?.timer === timer) active.delete(id)
      })
      active.set(id, { replay, started, timer })
      clock.schedule(timer, started + duration)
      for (const oldest of active.keys()) {
        if (active.size <= limit) break
        remove(oldest)
      }
    },
    resume(id) {
      const entry = active.get(id)
      if (entry === undefined) return undefined
      const elapsed = clock.now() - entry.started
      // Already due: at once, in order; the rest when the original stream sends them.
      const frames = entry.replay()
      if (isLazy(frames)) return { ...frames, shift: frames.shift + elapsed }
      return { ...frames, at: frames.at.map((at) => Math.max(0, at - elapsed)) }
    },
    get size() {
      return active.size
    },
  }
}
