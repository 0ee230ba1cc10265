import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRandom } from '../../src/core/random.js'
import { schedule, spread } from '../../src/core/schedule.js'

const timing = fc.record({
  ttft: fc.double({ min: 0, max: 60_000, noNaN: true }),
  delay: fc.double({ min: 0, max: 60_000, noNaN: true }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
})

describe('createRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = createRandom(1)
    const b = createRandom(1)
    const c = createRandom(2)
    const xs = Array.from({ length: 100 }, () => a())
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs)
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs)
  })

  it('draws in [0, 1) with a uniform-looking mean', () => {
    const r = createRandom(123)
    let sum = 0
    for (let i = 0; i < 100_000; i++) {
      const x = r()
      expect(x >= 0 && x < 1).toBe(true)
      sum += x
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2)
  })
})

describe('schedule', () => {
  it('without jitter is ttft then one delay per unit, exactly', () => {
    expect(schedule(4, { ttft: 100, delay: 20, jitter: 0 }, createRandom(0))).toEqual([100, 120, 140, 160])
    expect(schedule(0, { ttft: 100, delay: 20, jitter: 0 }, createRandom(0))).toEqual([])
  })

  it('is deterministic for a seed and monotonic, never negative, for any timing', () => {
    fc.assert(
      fc.property(timing, fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 300 }), (t, seed, count) => {
        const a = schedule(count, t, createRandom(seed))
        expect(schedule(count, t, createRandom(seed))).toEqual(a)
        expect(a).toHaveLength(count)
        for (let i = 0; i < a.length; i++) {
          expect(a[i]!).toBeGreaterThanOrEqual(i === 0 ? 0 : a[i - 1]!)
        }
      }),
      { numRuns: 200, seed: 11 },
    )
  })

  it('keeps each gap within delay x [1 - jitter, 1 + jitter]', () => {
    fc.assert(
      fc.property(timing, fc.integer({ min: 0, max: 1000 }), (t, seed) => {
        const a = schedule(50, t, createRandom(seed))
        const eps = 1e-6 * Math.max(1, t.delay, t.ttft)
        expect(a[0]!).toBeGreaterThanOrEqual(t.ttft * (1 - t.jitter) - eps)
        expect(a[0]!).toBeLessThanOrEqual(t.ttft * (1 + t.jitter) + eps)
        for (let i = 1; i < a.length; i++) {
          const gap = a[i]! - a[i - 1]!
          expect(gap).toBeGreaterThanOrEqual(t.delay * (1 - t.jitter) - eps)
          expect(gap).toBeLessThanOrEqual(t.delay * (1 + t.jitter) + eps)
        }
      }),
      { numRuns: 200, seed: 5 },
    )
  })

  it('keeps the mean rate with jitter: offsets are absolute, so errors do not pile up', () => {
    const a = schedule(10_001, { ttft: 0, delay: 20, jitter: 0.5 }, createRandom(9))
    // 10,000 gaps of mean 20 ms: within 1% of 200 s.
    expect(a.at(-1)! / 200_000).toBeCloseTo(1, 1)
  })

  it('spread clamps the jitter, so a draw is never negative nor above twice the mean', () => {
    const r = createRandom(4)
    for (let i = 0; i < 1000; i++) {
      const x = spread(10, 5, r)
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThanOrEqual(20)
    }
    expect(spread(10, -1, r)).toBe(10)
  })
})
