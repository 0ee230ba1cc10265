/**
 * Profile latency: the draws are deterministic per seed, never negative, never past their caps, and many seeded
 * draws of every built-in profile have the median and p99 it declares (and that GET /profiles computes).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { capOf, draw, normalCdf, normalQuantile, quantile, withMedian } from '../../src/core/distribution.js'
import { drawGap, drawTtft } from '../../src/core/latency.js'
import { gapQuantile, latencyStats } from '../../src/core/latency-stats.js'
import { createProfileSet, PROFILES, profileTiming, type Profile } from '../../src/core/profiles.js'
import { createRandom, type Random } from '../../src/core/random.js'
import { schedule } from '../../src/core/schedule.js'
import type { LatencyShape, LogNormal } from '../../src/core/types.js'

const logNormal: fc.Arbitrary<LogNormal> = fc
  .record({
    median: fc.double({ min: 0, max: 60_000, noNaN: true }),
    ratio: fc.double({ min: 1, max: 20, noNaN: true }),
    capRatio: fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: undefined }),
  })
  .map(({ median, ratio, capRatio }) => {
    const p99 = median * ratio
    return capRatio === undefined ? { median, p99 } : { median, p99, max: p99 * capRatio }
  })

const shape: fc.Arbitrary<LatencyShape> = fc
  .record({
    ttft: logNormal,
    gap: logNormal,
    stall: fc.option(fc.tuple(logNormal, fc.double({ min: 0.001, max: 0.4, noNaN: true })), { nil: undefined }),
    burst: fc.option(fc.double({ min: 0, max: 0.5, noNaN: true }), { nil: undefined }),
  })
  .map(({ ttft, gap, stall, burst }) => ({
    ttft,
    gap,
    ...(stall !== undefined ? { stall: { ...stall[0], chance: stall[1] } } : {}),
    ...(burst !== undefined ? { burst } : {}),
  }))

/** The empirical `p` quantile of sorted values. */
const empirical = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

const sample = (n: number, next: (random: Random) => number, seed = 1): number[] => {
  const random = createRandom(seed)
  return Array.from({ length: n }, () => next(random)).sort((a, b) => a - b)
}

describe('the normal distribution', () => {
  it('has the quantiles of the tables, and its CDF inverts them', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9)
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 8)
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8)
    for (const p of [1e-6, 0.01, 0.2, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6)
  })
})

describe('profile draws', () => {
  it('are deterministic per seed, never negative and never past their caps', () => {
    fc.assert(
      fc.property(shape, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (s, seed) => {
        const draws = (r: Random) => [drawTtft(s, r), ...Array.from({ length: 200 }, () => drawGap(s, r))]
        const a = draws(createRandom(seed))
        expect(draws(createRandom(seed))).toEqual(a)
        const gapCap = Math.max(capOf(s.gap), s.stall !== undefined ? capOf(s.stall) : 0)
        expect(a[0]!).toBeGreaterThanOrEqual(0)
        expect(a[0]!).toBeLessThanOrEqual(capOf(s.ttft))
        for (const gap of a.slice(1)) {
          expect(gap).toBeGreaterThanOrEqual(0)
          expect(gap).toBeLessThanOrEqual(gapCap)
        }
      }),
      { numRuns: 300, seed: 21 },
    )
  })

  it('cap at p99.9 by default, and at max when one is given', () => {
    const d = { median: 100, p99: 400 }
    expect(capOf(d)).toBeCloseTo(100 * Math.exp((Math.log(4) / 2.3263478740408408) * 3.090232306167813), 4)
    expect(capOf({ ...d, max: 500 })).toBe(500)
    expect(draw({ ...d, max: 500 }, () => 0.999_999_9)).toBe(500)
    expect(draw(d, () => 0)).toBe(0)
    expect(draw({ median: 7, p99: 7 }, () => 0.3)).toBe(7) // p99 = median: a constant
    expect(draw({ median: 0, p99: 0 }, () => 0.3)).toBe(0)
  })

  it('in a schedule are deterministic per seed, non-decreasing and within the caps', () => {
    fc.assert(
      fc.property(shape, fc.nat(), fc.integer({ min: 0, max: 300 }), (s, seed, count) => {
        const timing = { kind: 'profile' as const, name: 'p', ...s }
        const a = schedule(count, timing, createRandom(seed))
        expect(schedule(count, timing, createRandom(seed))).toEqual(a)
        expect(a).toHaveLength(count)
        if (count > 0) expect(a[0]!).toBeLessThanOrEqual(capOf(s.ttft))
        for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!)
      }),
      { numRuns: 200, seed: 8 },
    )
  })
})

describe('every built-in profile', () => {
  const N = 40_000

  it.each(PROFILES.map((p) => [p.name, p] as const))('%s: the draws have the declared median and p99', (_, profile) => {
    for (const d of [profile.ttft, profile.gap, ...(profile.stall !== undefined ? [profile.stall] : [])]) {
      const draws = sample(N, (r) => draw(d, r))
      expect(Math.abs(empirical(draws, 0.5) - d.median)).toBeLessThanOrEqual(d.median * 0.03)
      expect(Math.abs(empirical(draws, 0.99) - d.p99)).toBeLessThanOrEqual(d.p99 * 0.06)
    }
  })

  it.each(PROFILES.map((p) => [p.name, p] as const))(
    '%s: a schedule has the p50, p90 and p99 that GET /profiles computes',
    (_, profile) => {
      const stats = latencyStats(profile)
      const timing = profileTiming(profile, {})
      const offsets = schedule(N + 1, timing, createRandom(3))
      const gaps = offsets
        .slice(1)
        .map((at, i) => at - offsets[i]!)
        .sort((a, b) => a - b)
      for (const [p, expected] of [
        [0.5, stats.gap.p50],
        [0.9, stats.gap.p90],
        [0.99, stats.gap.p99],
      ] as const) {
        expect(Math.abs(empirical(gaps, p) - expected), `gap p${p * 100}`).toBeLessThanOrEqual(expected * 0.06 + 1e-9)
      }
      // One ttft per stream: many seeds.
      const ttfts = Array.from({ length: 4000 }, (_, seed) => schedule(1, timing, createRandom(seed))[0]!).sort((a, b) => a - b)
      for (const [p, expected] of [
        [0.5, stats.ttft.p50],
        [0.9, stats.ttft.p90],
      ] as const) {
        expect(Math.abs(empirical(ttfts, p) - expected), `ttft p${p * 100}`).toBeLessThanOrEqual(expected * 0.06 + 1e-9)
      }
    },
  )

  it('computed quantiles are the declared ones when there are no stalls or bursts', () => {
    for (const profile of PROFILES.filter((p) => p.stall === undefined && p.burst === undefined)) {
      const stats = latencyStats(profile)
      expect(stats.ttft.p50).toBeCloseTo(profile.ttft.median, 6)
      expect(stats.ttft.p99).toBeCloseTo(profile.ttft.p99, 4)
      expect(stats.gap.p99).toBeCloseTo(profile.gap.p99, 4)
    }
    // The mixture of a flaky profile: a fifth of the gaps are 0, so its median is below the ordinary gap's.
    const flaky = PROFILES.find((p) => p.name === 'flaky')!
    expect(gapQuantile(flaky, 0.5)).toBeLessThan(flaky.gap.median)
    expect(gapQuantile(flaky, 0.1)).toBe(0)
    expect(gapQuantile(flaky, 0.99)).toBeGreaterThan(quantile(flaky.gap, 0.99)) // the stalls
  })

  it('include the names the models already had, and a reasoning and a flaky profile', () => {
    expect(PROFILES.map((p) => p.name)).toEqual(['instant', 'fast', 'typical', 'slow', 'reasoning', 'flaky'])
    const reasoning = PROFILES.find((p) => p.name === 'reasoning')!
    const typical = PROFILES.find((p) => p.name === 'typical')!
    expect(reasoning.ttft.median).toBeGreaterThan(typical.ttft.median * 10)
    expect(reasoning.gap.median).toBeLessThan(typical.gap.median)
  })
})

describe('profileTiming: the knobs given with a profile', () => {
  const typical = PROFILES.find((p) => p.name === 'typical')!

  it('ttft and delay set the medians and keep the spread; stalls and bursts stay', () => {
    const flaky = PROFILES.find((p) => p.name === 'flaky')!
    const t = profileTiming(flaky, { ttft: 1400, delay: 60 })
    expect(t).toMatchObject({ kind: 'profile', name: 'flaky', stall: flaky.stall, burst: flaky.burst })
    if (t.kind !== 'profile') throw new Error('a profile timing')
    expect(t.ttft).toEqual({ median: 1400, p99: 10_000 })
    expect(t.gap).toEqual({ median: 60, p99: 300 })
    expect(withMedian({ median: 10, p99: 30, max: 50 }, 20)).toEqual({ median: 20, p99: 60, max: 100 })
    expect(withMedian({ median: 0, p99: 0 }, 20)).toEqual({ median: 20, p99: 20 }) // instant + delay: a metronome
  })

  it('jitter asks for the uniform model, at the knobs given or the profile medians', () => {
    expect(profileTiming(typical, { jitter: 0 })).toEqual({ ttft: 450, delay: 25, jitter: 0 })
    expect(profileTiming(typical, { jitter: 0.5, delay: 10 })).toEqual({ ttft: 450, delay: 10, jitter: 0.5 })
  })

  it('no knobs: the profile as it is', () => {
    const { description: _, ...shape } = typical
    expect(profileTiming(typical, {})).toEqual({ kind: 'profile', ...shape })
  })
})

describe('createProfileSet', () => {
  it("keeps the built-ins' order, replaces one of the same name in place and adds new ones after", () => {
    const mine = (name: string): Profile => ({ name, description: 'mine', ttft: { median: 1, p99: 1 }, gap: { median: 2, p99: 2 } })
    const set = createProfileSet([mine('zippy'), mine('fast')])
    expect(set.names).toEqual(['instant', 'fast', 'typical', 'slow', 'reasoning', 'flaky', 'zippy'])
    expect(set.get('fast')?.description).toBe('mine')
    expect(set.ofModel('tokensim-zippy')?.name).toBe('zippy')
    expect(set.ofModel('zippy')).toBeUndefined()
    expect(set.ofModel('gpt-4o')).toBeUndefined()
  })
})
