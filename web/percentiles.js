/**
 * The measured distribution of a run: the p50, p90 and p99 (and the largest) of the gaps the browser saw,
 * to read next to what a profile declares (GET /profiles `stats`, which the server computes from the
 * distributions themselves). Pure (no DOM, no clock): fed numbers, it gives numbers, so a table of cases can
 * test it.
 *
 * A sample's quantile is taken by linear interpolation between the two closest ranks (Hyndman and Fan's
 * type 7: what NumPy's `percentile`, R's `quantile` and a spreadsheet's PERCENTILE.INC give): the p-quantile
 * of n sorted values sits at rank p * (n - 1). It is defined for a single value (every quantile is that value)
 * and moves smoothly as values arrive, so live figures do not jump between neighbours; with few values the
 * p99 is, honestly, about the largest.
 */

/**
 * @typedef {object} Measured
 * @property {number} count  values measured
 * @property {number} p50
 * @property {number} p90
 * @property {number} p99
 * @property {number} max
 */

/**
 * The p-quantile (0 ≤ p ≤ 1) of values sorted in ascending order; NaN for none.
 * @param {ArrayLike<number>} sorted
 * @param {number} p
 */
export function quantile(sorted, p) {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const rank = Math.min(Math.max(p, 0), 1) * (n - 1)
  const below = Math.floor(rank)
  const low = /** @type {number} */ (sorted[below])
  const high = /** @type {number} */ (sorted[Math.min(below + 1, n - 1)])
  return low + (high - low) * (rank - below)
}

/**
 * The p50, p90, p99 and max of values in any order (ones that are not finite numbers left out); null when
 * there are none.
 * @param {Iterable<number>} values
 * @returns {Measured | null}
 */
export function measure(values) {
  const sorted = Float64Array.from([...values].filter(Number.isFinite)).sort()
  const count = sorted.length
  if (count === 0) return null
  return {
    count,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: /** @type {number} */ (sorted[count - 1]),
  }
}
