/**
 * The draws of a profile's latency: its time to first unit, and each gap, which is a burst (0), a stall or an
 * ordinary gap. Every draw comes from the random source passed in, so the same seed gives the same stream.
 */
import { draw } from './distribution.js'
import type { Random } from './random.js'
import type { LatencyShape } from './types.js'

/** The time to the first unit, in [0, the ttft cap]. */
export function drawTtft(shape: LatencyShape, random: Random): number {
  return draw(shape.ttft, random)
}

/**
 * One gap between two units. One uniform picks what it is (only when the profile has stalls or bursts: a
 * profile without them uses exactly one number per gap), then the chosen distribution draws it.
 */
export function drawGap(shape: LatencyShape, random: Random): number {
  const burst = shape.burst ?? 0
  const stall = shape.stall
  if (burst > 0 || stall !== undefined) {
    const u = random()
    if (u < burst) return 0
    if (stall !== undefined && u < burst + stall.chance) return draw(stall, random)
  }
  return draw(shape.gap, random)
}
