/**
 * The log-normal latency distribution of a profile, declared by two figures people actually know about a model,
 * its median and its p99, and capped so that a draw never runs away. A draw is the inverse CDF of one uniform
 * from the seeded source, so each draw costs exactly one number of the random sequence and is a monotone
 * function of it (capping is clamping).
 */
import type { Random } from './random.js'
import type { LogNormal } from './types.js'

/** The standard normal's 99th percentile: sigma = ln(p99 / median) / Z99. */
const Z99 = 2.3263478740408408

/** The default cap, when a distribution gives no `max`: its 99.9th percentile. */
const DEFAULT_CAP_QUANTILE = 0.999

/** The spread of ln(draw): 0 for a constant (p99 = median, or median 0). */
function sigmaOf({ median, p99 }: LogNormal): number {
  return median > 0 && p99 > median ? Math.log(p99 / median) / Z99 : 0
}

/** The largest value a draw can take: `max` if given, else the 99.9th percentile. */
export function capOf(d: LogNormal): number {
  return d.max ?? uncapped(d, DEFAULT_CAP_QUANTILE)
}

/** The `p` quantile (0 < p < 1) of the capped distribution. */
export function quantile(d: LogNormal, p: number): number {
  return Math.min(uncapped(d, p), capOf(d))
}

/** The probability that a draw is at most `x`. */
export function cdf(d: LogNormal, x: number): number {
  if (x < 0) return 0
  if (x >= capOf(d)) return 1
  const sigma = sigmaOf(d)
  if (sigma === 0) return x >= d.median ? 1 : 0
  return x === 0 ? 0 : normalCdf(Math.log(x / d.median) / sigma)
}

/** One draw, in [0, cap]. */
export function draw(d: LogNormal, random: Random): number {
  const u = random()
  const sigma = sigmaOf(d)
  if (sigma === 0) return Math.min(d.median, capOf(d))
  return u === 0 ? 0 : Math.min(d.median * Math.exp(sigma * normalQuantile(u)), capOf(d))
}

/** The same shape around another median: p99 and max scale with it, so the spread (sigma) is kept. */
export function withMedian(d: LogNormal, median: number): LogNormal {
  if (d.median === 0) return { median, p99: median } // a point mass at 0 has no shape to keep: a constant
  const k = median / d.median
  return d.max === undefined ? { median, p99: d.p99 * k } : { median, p99: d.p99 * k, max: d.max * k }
}

function uncapped(d: LogNormal, p: number): number {
  const sigma = sigmaOf(d)
  return sigma === 0 ? d.median : d.median * Math.exp(sigma * normalQuantile(p))
}

/**
 * The standard normal's inverse CDF, by Peter Acklam's rational approximation: relative error below 1.2e-9
 * over (0, 1), with no loop, so a draw costs a few multiplications.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const low = 0.02425
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p))
    const x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    return p < low ? x : -x
  }
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  )
}

/** The standard normal's CDF, for the quantiles of a mixture (src/core/latency-stats.ts). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  // Numerical Recipes' erfcc (Chebyshev fit, relative error below 1.2e-7): ample for quantiles shown in ms.
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}
