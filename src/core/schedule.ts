/**
 * schedule: the latency model -> when each unit is due. Offsets are absolute (ms after the response starts:
 * ttft, then ttft plus the sum of the gaps before it), so a player that falls behind under load catches up on
 * the next tick instead of adding its lateness to every later unit. A uniform timing spreads each gap around
 * its mean; a profile draws each from its distributions (src/core/latency.ts).
 */
import { drawGap, drawStart, drawTtft } from './latency.js'
import { createRandom, type Random } from './random.js'
import type { StartMoments, Timing } from './types.js'

/**
 * What every plan is made from, /stream's and a vendor answer's alike: the due offset of each of `count` units
 * and the start moments, drawn from `seed` in that order, so the same seed gives the same stream on every route.
 */
export function timeline(count: number, timing: Timing, seed: number): { offsets: number[]; moments: StartMoments } {
  const random = createRandom(seed)
  const offsets = schedule(count, timing, random)
  return { offsets, moments: scheduleStart(timing, offsets[0] ?? 0, random) }
}

/** Throws unless `chunk`, the units per event, is a whole number of at least 1. */
export function checkChunk(chunk: number): void {
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`chunk must be a whole number of at least 1, got ${chunk}`)
}

/**
 * Units `from` to `to - 1` in groups of `chunk` (the last may be shorter), each as the indexes of its first and
 * last unit: what one event or delta carries.
 */
export function* chunks(from: number, to: number, chunk: number): Generator<readonly [first: number, last: number], void> {
  for (let first = from; first < to; first += chunk) yield [first, Math.min(first + chunk, to) - 1]
}

/** The due offset of each of `count` units, non-decreasing; the same random source gives the same offsets. */
export function schedule(count: number, timing: Timing, random: Random): number[] {
  const offsets = new Array<number>(count)
  if (count === 0) return offsets
  const [first, gap] =
    timing.kind === 'profile'
      ? [() => drawTtft(timing, random), () => drawGap(timing, random)]
      : [() => spread(timing.ttft, timing.jitter, random), () => spread(timing.delay, timing.jitter, random)]
  let at = first()
  for (let i = 0; i < count; i++) {
    if (i > 0) at += gap()
    offsets[i] = at
  }
  return offsets
}

/**
 * When the headers and the first byte are due, given the first unit's offset: a profile's draws (taken from the
 * same source after the units'), none for the uniform model.
 */
function scheduleStart(timing: Timing, firstUnit: number, random: Random): StartMoments {
  return timing.kind === 'profile' ? drawStart(timing, firstUnit, random) : {}
}

/**
 * One draw of `mean` x [1 - jitter, 1 + jitter], uniform, so the mean rate is the one asked for. Jitter is
 * clamped to [0, 1], so a draw can never go negative, nor beyond twice the mean.
 */
export function spread(mean: number, jitter: number, random: Random): number {
  const j = Math.min(Math.max(jitter, 0), 1)
  if (j === 0 || mean === 0) return mean
  return mean * (1 + j * (2 * random() - 1))
}
