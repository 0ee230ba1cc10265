/**
 * How a stream's frames reach the client. The web-streams delivery works on any runtime (and in
 * `app.request()`); src/node/deliver-node.ts writes straight to Node's response where there is one.
 */
import type { Context } from 'hono'
import { toBytes, type Frames } from './encoded-frames.js'
import { play, type PlayOptions, type Sink } from './player.js'

export type Deliver = (c: Context, frames: Frames, headers: Record<string, string>, options: PlayOptions) => Response

/** A Response whose body is a ReadableStream the player pushes into. */
export const deliverWebStream: Deliver = (_c, frames, headers, options) => {
  let stop: (() => void) | undefined
  let drained: (() => void) | undefined
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const sink: Sink = {
          write(chunks, from, to) {
            for (let i = from; i < to; i++) {
              const chunk = chunks[i]!
              controller.enqueue(typeof chunk === 'string' ? toBytes(chunk) : chunk)
            }
            return (controller.desiredSize ?? 0) > 0
          },
          onDrain(resume) {
            drained = resume
          },
          end: () => controller.close(),
        }
        stop = play(frames, sink, options)
      },
      pull() {
        const resume = drained
        drained = undefined
        resume?.()
      },
      cancel() {
        stop?.()
      },
    },
    // Up to 64 KiB queued before the schedule waits for the reader.
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  )
  return new Response(body, { headers })
}
