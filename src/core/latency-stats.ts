/**
 * What a profile's draws look like, computed from its distributions rather than sampled: the p50, p90 and p99
 * of the time to first unit and of the gap (the whole gap, stalls and bursts included), and of the headers and
 * first-byte moments where it declares them, and the largest value a draw can take. GET /profiles shows them, so a user can check a profile before streaming with it.
 */
import { capOf, cdf, quantile } from './distribution.js'
import type { LatencyShape, LogNormal } from './types.js'

export interface Quantiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  /** The cap: no draw is larger. */
  readonly max: number
}

export interface LatencyStats {
  readonly ttft: Quantiles
  readonly gap: Quantiles
  /** Of the declared distributions, as drawn: a stream clamps them to its first unit (headers <= first byte <= ttft). */
  readonly headers?: Quantiles
  readonly firstByte?: Quantiles
}

const LEVELS = [0.5, 0.9, 0.99] as const

export function latencyStats(shape: LatencyShape): LatencyStats {
  const ttft = LEVELS.map((p) => quantile(shape.ttft, p))
  const gap = LEVELS.map((p) => gapQuantile(shape, p))
  const gapMax = Math.max(capOf(shape.gap), shape.stall !== undefined ? capOf(shape.stall) : 0)
  return {
    ttft: quantiles(ttft, capOf(shape.ttft)),
    gap: quantiles(gap, gapMax),
    ...(shape.headers !== undefined ? { headers: ofDistribution(shape.headers) } : {}),
    ...(shape.firstByte !== undefined ? { firstByte: ofDistribution(shape.firstByte) } : {}),
  }
}

const ofDistribution = (d: LogNormal): Quantiles =>
  quantiles(
    LEVELS.map((p) => quantile(d, p)),
    capOf(d),
  )

function quantiles([p50, p90, p99]: number[], max: number): Quantiles {
  return { p50: p50!, p90: p90!, p99: p99!, max }
}

/** The `p` quantile of one gap: a mixture of 0 (a burst), a stall and an ordinary gap, by their chances. */
export function gapQuantile(shape: LatencyShape, p: number): number {
  const burst = shape.burst ?? 0
  const stall = shape.stall
  if (burst === 0 && stall === undefined) return quantile(shape.gap, p) // exact, in closed form
  const parts: Array<readonly [number, LogNormal]> = [[1 - burst - (stall?.chance ?? 0), shape.gap]]
  if (stall !== undefined) parts.push([stall.chance, stall])
  const mixture = (x: number): number => burst + parts.reduce((sum, [weight, d]) => sum + weight * cdf(d, x), 0)
  if (mixture(0) >= p) return 0
  // The smallest x with mixture(x) >= p, by bisection: the CDF is monotone and reaches 1 at the largest cap.
  let low = 0
  let high = Math.max(...parts.map(([, d]) => capOf(d)))
  for (let i = 0; i < 100 && high - low > 1e-9 * high; i++) {
    const mid = (low + high) / 2
    if (mixture(mid) >= p) high = mid
    else low = mid
  }
  return high
}
