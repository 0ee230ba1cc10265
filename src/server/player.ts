/**
 * Plays timed frames as a byte stream on the shared clock. The stream is pulled: a frame is written when the
 * reader asks for more and the frame is due, so a reader that stops reading stops the schedule too (the
 * next frames go out late, together, never lost). Frames that fall due together are written together, and
 * a silence longer than the heartbeat is broken by a `: ping` comment that keeps proxies from closing it.
 */
import { sseComment } from '../wire/sse.js'
import type { TimedFrame } from '../wire/frames.js'
import type { Clock } from './clock.js'
import type { StreamRegistry } from './streams.js'

export interface PlayOptions {
  readonly clock: Clock
  readonly registry: StreamRegistry
  /** Longest silence in ms before a `: ping` comment. */
  readonly heartbeat: number
}

const encoder = new TextEncoder()
const PING = encoder.encode(sseComment('ping'))

export function play(frames: readonly TimedFrame[], { clock, registry, heartbeat }: PlayOptions): ReadableStream<Uint8Array> {
  const bytes = frames.map((frame) => encoder.encode(frame.text))
  let next = 0
  let start = 0
  let lastWrite = 0
  let cancelWait: (() => void) | undefined
  let wake: (() => void) | undefined
  let unregister: (() => void) | undefined
  let ended = false

  const finish = (): void => {
    ended = true
    cancelWait?.()
    cancelWait = undefined
    unregister?.()
    wake?.()
    wake = undefined
  }

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        start = lastWrite = clock.now()
        unregister = registry.add({
          end(reason) {
            if (ended) return
            controller.enqueue(encoder.encode(sseComment(reason)))
            controller.close()
            finish()
          },
        })
      },
      pull(controller) {
        return new Promise<void>((resolve) => {
          wake = resolve
          const step = (): void => {
            cancelWait = undefined
            if (ended) return
            const now = clock.now()
            if (start + frames[next]!.at <= now) {
              while (next < frames.length && start + frames[next]!.at <= now) controller.enqueue(bytes[next++]!)
              lastWrite = now
              if (next === frames.length) {
                controller.close()
                finish()
              }
              wake = undefined
              resolve()
              return
            }
            const due = start + frames[next]!.at
            const ping = lastWrite + heartbeat
            if (ping < due) {
              cancelWait = clock.at(ping, () => {
                cancelWait = undefined
                controller.enqueue(PING)
                lastWrite = ping
                wake = undefined
                resolve()
              })
            } else {
              cancelWait = clock.at(due, step)
            }
          }
          step()
        })
      },
      cancel() {
        finish()
      },
    },
    // Pull only when the reader asks: then a frame is written at its due time, not queued ahead of it.
    { highWaterMark: 0 },
  )
}
