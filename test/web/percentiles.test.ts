/**
 * The page's measured percentiles (web/percentiles.js) in Node: a sample's quantile is the linear interpolation
 * between its two closest ranks, as NumPy's `percentile` gives it, and `measure` leaves out what is not a
 * finite number.
 */
import { describe, expect, it } from 'vitest'
import { measure, quantile } from '../../web/percentiles.js'

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

/** A measurement to six places (the interpolation's last bits), its max as is. */
const close = (q: ReturnType<typeof measure>) =>
  q && { count: q.count, p50: +q.p50.toFixed(6), p90: +q.p90.toFixed(6), p99: +q.p99.toFixed(6), max: q.max }

describe('the measured percentiles', () => {
  it('measures nothing in an empty sample, and one value as every quantile', () => {
    expect(measure([])).toBeNull()
    expect(measure([7])).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 })
  })

  it('interpolates between the closest ranks, as NumPy does', () => {
    expect(close(measure([1, 2, 3, 4]))).toEqual({ count: 4, p50: 2.5, p90: 3.7, p99: 3.97, max: 4 })
    expect(close(measure(range(100)))).toEqual({ count: 100, p50: 50.5, p90: 90.1, p99: 99.01, max: 100 })
    expect(close(measure([30, 10, 20]))).toEqual({ count: 3, p50: 20, p90: 28, p99: 29.8, max: 30 })
    // bursts (gaps of 0) and a stall
    expect(close(measure([0, 0, 0, 100]))).toEqual({ count: 4, p50: 0, p90: 70, p99: 97, max: 100 })
  })

  it('leaves out what is not a finite number, and takes any iterable', () => {
    expect(close(measure([Number.NaN, 2, Number.POSITIVE_INFINITY, 4]))).toEqual({ count: 2, p50: 3, p90: 3.8, p99: 3.98, max: 4 })
    expect(measure(new Set([3, 1, 2]))).toEqual(measure([1, 2, 3]))
  })

  it('takes the quantile of a sorted sample, clamped to its ends', () => {
    expect(quantile([], 0.5)).toBeNaN()
    expect(quantile([1, 2], -1)).toBe(1)
    expect(quantile([1, 2], 2)).toBe(2)
    expect(quantile([0, 10], 0.25)).toBe(2.5)
    expect(quantile(Float64Array.from([0, 10, 20]), 0.5)).toBe(10)
  })
})
