/** A capture as the timed frames the player plays: each read at its recorded offset, scaled by the replay's speed. */
import type { Capture } from '../core/captured-stream.js'
import type { TimedFrame } from './frames.js'

export interface ReplayOptions {
  /** 2 plays twice as fast, 0.5 at half speed. */
  readonly speed: number
  /** ms between the events of an untimed capture (before the speed applies). */
  readonly gap: number
}

export function captureFrames(capture: Capture, { speed, gap }: ReplayOptions): TimedFrame[] {
  // An empty response (a capture with no reads) is still one frame, so the player has something to end on.
  if (capture.reads.length === 0) return [{ at: 0, text: '' }]
  return capture.reads.map((read, index) => ({ at: (capture.timed ? read.t : index * gap) / speed, text: read.data }))
}
