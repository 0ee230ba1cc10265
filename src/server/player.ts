/**
 * Plays encoded frames to a sink on the shared clock: each frame when it is due, the frames that fell due
 * together in one write, a `: ping` comment in any silence longer than the heartbeat. The same player drives
 * the Node fast path (writes straight to the socket's response) and the web-streams path (other runtimes and
 * `app.request()`), each behind a Sink.
 *
 * Backpressure: when the sink says its buffer is full, the stream's schedule pauses until the sink drains;
 * frames then due go out together, late but never lost, in batches of at most 64 KiB, so the unsent bytes held
 * per stream stay bounded by the sink's buffer plus one batch, whatever the reader does.
 */
import { sseComment } from '../wire/sse.js'
import { createTimer, type Clock } from './clock.js'
import type { EncodedFrames } from './frames.js'
import type { StreamRegistry } from './streams.js'

export interface Sink {
  /** Writes the chunks; false when the buffer is full and `onDrain` will be called once it empties. */
  write(chunks: readonly Uint8Array[]): boolean
  onDrain(resume: () => void): void
  /** Ends the response normally. */
  end(): void
}

export interface PlayOptions {
  readonly clock: Clock
  readonly registry: StreamRegistry
  /** Longest silence in ms before a `: ping` comment. */
  readonly heartbeat: number
}

/** The most bytes written in one go; beyond it the player waits for the sink to take the batch. */
const BATCH_BYTES = 64 * 1024

const encoder = new TextEncoder()
const PING = [encoder.encode(sseComment('ping'))]

/** Starts playing; the returned function stops it at once (the client went away) and is safe to call twice. */
export function play(frames: EncodedFrames, sink: Sink, { clock, registry, heartbeat }: PlayOptions): () => void {
  const start = clock.now()
  let lastWrite = start
  let next = 0
  let ended = false
  /** Whether the timer is armed for a heartbeat rather than for the next frame. */
  let pinging = false
  const batch: Uint8Array[] = []

  const stop = (): void => {
    if (ended) return
    ended = true
    clock.cancel(timer)
    unregister()
  }

  const resume = (): void => {
    if (!ended) step()
  }

  const step = (): void => {
    const now = clock.now()
    // Write what is due, a batch of at most BATCH_BYTES at a time, while the sink takes it: a stream that
    // falls due all at once (delay=0, or a reader that paused) never queues more than one batch in memory.
    while (start + frames.at[next]! <= now) {
      batch.length = 0
      let bytes = 0
      while (next < frames.at.length && start + frames.at[next]! <= now && bytes < BATCH_BYTES) {
        const frame = frames.bytes[next++]!
        batch.push(frame)
        bytes += frame.length
      }
      lastWrite = now
      const flowing = sink.write(batch)
      if (next === frames.at.length) {
        stop()
        sink.end()
        return
      }
      if (!flowing) return sink.onDrain(resume)
    }
    const due = start + frames.at[next]!
    const ping = lastWrite + heartbeat
    if (ping < due) {
      pinging = true
      clock.schedule(timer, ping)
    } else {
      pinging = false
      clock.schedule(timer, due)
    }
  }

  const timer = createTimer(() => {
    if (pinging) {
      lastWrite = clock.now()
      if (!sink.write(PING)) return sink.onDrain(resume)
    }
    step()
  })

  const unregister = registry.add({
    end(reason) {
      if (ended) return
      stop()
      sink.write([encoder.encode(sseComment(reason))])
      sink.end()
    },
  })

  step()
  return stop
}
