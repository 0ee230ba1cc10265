/** The open streams of one app, so that shutdown can end each cleanly and tests can see none is left behind. */
import { TokensimError } from '../core/errors.js'

export interface OpenStream {
  /** Ends the stream now with a clean close (a final comment, so EventSource clients reconnect elsewhere). */
  end(reason: string): void
  /** How many of its frames it has sent. */
  readonly sent?: number
  /** How many bytes of its frames it has sent. */
  readonly sentBytes?: number
  /** Whether it sent its last frame. */
  readonly complete?: boolean
}

export interface StreamRegistry {
  /**
   * Adds a stream until `delete`. (No unregister function is handed back: a server holds one entry per open
   * stream, and a closure each would cost more than the entry.)
   */
  add(stream: OpenStream): void
  delete(stream: OpenStream): void
  readonly size: number
  /** Ends every open stream (the ones added later are not affected). */
  endAll(reason: string): void
  /** Shutdown: ends every open stream, and every one added from now on as soon as it is added; aborts `closing`. */
  shutDown?(reason: string): void
  /**
   * Aborted by `shutDown`: shutdown has begun. A request still waiting for its headers (slow-headers, a profile's
   * headers moment) wakes up and is refused (src/app/request-faults.ts), and so is one that arrives later
   * (src/app/guard.ts). The registries that wrap the app's (per client, journal) have none of their own.
   */
  readonly closing?: AbortSignal
  /**
   * Calls `wake` once when shutdown begins; the result forgets it. What a request waiting for its headers
   * listens with: a thousand of them each listening on `closing` would have Node warn of a leak at the
   * eleventh (EventTarget's MaxListenersExceededWarning), and this app imports nothing from `node:` to raise
   * that limit with.
   */
  onClosing?(wake: () => void): () => void
}

export function createStreamRegistry(): StreamRegistry {
  const open = new Set<OpenStream>()
  const closing = new AbortController()
  const waking = new Set<() => void>()
  let reason = ''
  return {
    add(stream) {
      open.add(stream)
      // A stream that starts after shutdown began (its request was past every check when it did) is ended as
      // soon as it is set up, with the same final comment, rather than started after shutdown.
      if (closing.signal.aborted) queueMicrotask(() => stream.end(reason))
    },
    delete(stream) {
      open.delete(stream)
    },
    get size() {
      return open.size
    },
    endAll(why) {
      for (const stream of [...open]) stream.end(why)
    },
    shutDown(why) {
      reason = why
      if (!closing.signal.aborted) {
        closing.abort()
        for (const wake of [...waking]) wake()
        waking.clear()
      }
      this.endAll(why)
    },
    closing: closing.signal,
    onClosing(wake) {
      waking.add(wake)
      return () => waking.delete(wake)
    },
  }
}

/** What a request gets once shutdown has begun: a 503 in its route's shape, to retry on the next server. */
export const shuttingDown = (): TokensimError =>
  new TokensimError('shutting_down', 'tokensim is shutting down; retry on the next server.', null, { retryAfter: 1 })
