/**
 * Faults on the wire: a stream's timed frames with a fault plan's silences and cut applied, the same way for
 * every format. A frame that carries units of the answer says which (`last`); a silence after unit N delays
 * every frame after the one that carries unit N, and a cut after unit N keeps the frames up to that one and
 * drops the rest, closing events included, so a client sees the answer stop mid-way: then the format's own
 * in-stream error (error-after) or nothing at all (drop-after). Either way the response then ends, and the
 * connection closes: on Node a stream's body is delimited by the connection's close, so a drop is exactly
 * what a client sees when a flaky proxy cuts it (on web-stream runtimes the chunked body ends without the
 * format's end marker).
 */
import type { FaultPlan } from '../core/faults.js'
import { createRandom } from '../core/random.js'
import type { TimedFrame } from './frames.js'

/**
 * `error(kept)` renders the format's in-stream error given how many frames went before it (Responses numbers
 * its events). Truncation is not done here: a truncated answer ends normally, with the finish reason for it,
 * so it is cut in the plan before encoding (truncateTurn).
 */
export function applyFaults(frames: readonly TimedFrame[], plan: FaultPlan, error: (kept: number) => string): TimedFrame[] {
  const cut = cutAndStall(frames, plan, error)
  return plan.coalesce === undefined ? cut : coalesce(cut, plan.coalesce)
}

/**
 * Every frame moved to the next of a series of flush moments spaced MS x [0.5, 1.5] apart (the spacing drawn
 * from a source seeded by MS, so a run repeats): the player then writes all frames of a moment in one write, as
 * a proxy that buffers delivers them. Offsets never move earlier.
 */
function coalesce(frames: readonly TimedFrame[], ms: number): TimedFrame[] {
  const random = createRandom(ms)
  let flush = 0
  return frames.map((frame) => {
    while (flush < frame.at) flush += ms * (0.5 + random())
    return { ...frame, at: flush }
  })
}

function cutAndStall(frames: readonly TimedFrame[], { stalls, cut }: FaultPlan, error: (kept: number) => string): TimedFrame[] {
  let out = [...frames]
  for (const { after, ms } of stalls) {
    const carrier = out.findIndex((f) => f.last !== undefined && f.last >= after)
    if (carrier < 0 || carrier === out.length - 1 || ms === 0) continue
    out = out.map((frame, i) => (i > carrier ? { ...frame, at: frame.at + ms } : frame))
  }
  if (cut === undefined || cut.how === 'truncate') return out
  const carrier = out.findIndex((f) => f.last !== undefined && f.last >= cut.after)
  if (carrier < 0) return out // the answer is shorter: nothing to cut
  const kept = out.slice(0, carrier + 1)
  // The fault strikes when the next frame was due: the client waits as it would for the next unit.
  const at = out[carrier + 1]?.at ?? out[carrier]!.at
  return [...kept, { at, text: cut.how === 'error' ? error(kept.length) : '' }]
}
