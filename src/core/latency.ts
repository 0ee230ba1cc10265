/**
 * The draws of a profile's latency: its time to first unit, and each gap, which is a burst (0), a stall or an
 * ordinary gap. Every draw comes from the random source passed in, so the same seed gives the same stream.
 */
import { draw } from './distribution.js'
import type { Random } from './random.js'
import type { LatencyShape, StartMoments } from './types.js'

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

/**
 * When the headers and the first byte go out, given the first unit's offset. Drawn after every unit's draws and
 * only when the shape declares them, so the units' offsets are the same with or without them; clamped so the
 * moments keep their order (headers <= first byte <= first unit) whatever a knob did to ttft.
 */
export function drawStart(shape: LatencyShape, firstUnit: number, random: Random): StartMoments {
  const headers = shape.headers === undefined ? undefined : draw(shape.headers, random)
  const drawn = shape.firstByte === undefined ? undefined : draw(shape.firstByte, random)
  const firstByteAt = drawn === undefined ? undefined : Math.min(drawn, firstUnit)
  const headersAt = headers === undefined ? undefined : Math.min(headers, firstByteAt ?? firstUnit)
  return { ...(headersAt !== undefined ? { headersAt } : {}), ...(firstByteAt !== undefined ? { firstByteAt } : {}) }
}
