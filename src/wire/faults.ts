/**
 * Faults on the wire: a stream's timed frames with a fault plan's silences and cut applied, the same way for
 * every format. A frame that carries units of the answer says which (`last`); a silence after unit N delays
 * every frame after the one that carries unit N, and a cut after unit N keeps the frames up to that one and
 * drops the rest, closing events included, so a client sees the answer stop mid-way: then the format's own
 * in-stream error (error-after) or nothing at all (drop-after: the connection closes).
 */
import type { FaultPlan } from '../core/faults.js'
import type { TimedFrame } from './frames.js'

export interface FaultedFrames {
  readonly frames: readonly TimedFrame[]
  /** How the response ends: normally, or by closing the connection abruptly (drop-after). */
  readonly ending: 'end' | 'drop'
}

/**
 * `error(kept)` renders the format's in-stream error given how many frames went before it (Responses numbers
 * its events). Truncation is not done here: a truncated answer ends normally, with the finish reason for it,
 * so it is cut in the plan before encoding (truncateTurn).
 */
export function applyFaults(frames: readonly TimedFrame[], { stalls, cut }: FaultPlan, error: (kept: number) => string): FaultedFrames {
  let out = frames
  for (const { after, ms } of stalls) {
    const carrier = out.findIndex((f) => f.last !== undefined && f.last >= after)
    if (carrier < 0 || carrier === out.length - 1 || ms === 0) continue
    out = out.map((frame, i) => (i > carrier ? { ...frame, at: frame.at + ms } : frame))
  }
  if (cut === undefined || cut.how === 'truncate') return { frames: out, ending: 'end' }
  const carrier = out.findIndex((f) => f.last !== undefined && f.last >= cut.after)
  if (carrier < 0) return { frames: out, ending: 'end' } // the answer is shorter: nothing to cut
  const kept = out.slice(0, carrier + 1)
  // The fault strikes when the next frame was due: the client waits as it would for the next unit.
  const at = out[carrier + 1]?.at ?? out[carrier]!.at
  if (cut.how === 'error') return { frames: [...kept, { at, text: error(kept.length) }], ending: 'end' }
  return { frames: [...kept, { at, text: '' }], ending: 'drop' }
}
