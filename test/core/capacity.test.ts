/**
 * The capacity model (src/core/capacity.ts): a table of its numbers, and properties over any timing, length and
 * load: the same timing at or below capacity, later first units and longer streams as the load grows, and never
 * a negative number nor one past the server's limits.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applySlowdown, NO_SLOWDOWN, slowdown, underLoad } from '../../src/core/capacity.js'
import { capOf } from '../../src/core/distribution.js'
import { planStream } from '../../src/core/stream-plan.js'
import { PROFILES, profileTiming } from '../../src/core/profiles.js'
import type { ProfileTiming, Timing, UniformTiming } from '../../src/core/types.js'

const LIMITS = { maxDelay: 60_000, maxDuration: 3_600_000 }
const uniform = (ttft: number, delay: number, jitter = 0): UniformTiming => ({ ttft, delay, jitter })

describe('slowdown: the table', () => {
  // 10 units at ttft 100, delay 20: D = 100 + 20 x 9 = 280 ms unloaded.
  it.each([
    // open, capacity -> wait, factor
    [1, 2, 0, 1],
    [2, 2, 0, 1], // at capacity: nothing changes
    [3, 2, 140, 1.5], // 1 in line: D / 2; load 3/2
    [6, 2, 560, 3], // 4 in line: 4 x 280 / 2; load 3
    [7, 2, 700, 3.5],
    [11, 10, 28, 1.1],
    [40, 10, 840, 4],
  ])('%i streams open, capacity %i: wait %d ms, gaps x %d', (open, capacity, wait, factor) => {
    const s = slowdown(uniform(100, 20), 10, open, capacity, LIMITS)
    expect(s.wait).toBeCloseTo(wait, 9)
    expect(s.factor).toBeCloseTo(factor, 9)
  })

  it('the uniform timing: ttft plus the wait, delay times the load, jitter kept', () => {
    expect(underLoad(uniform(100, 20, 0.3), 10, 6, 2, LIMITS)).toEqual({ ttft: 660, delay: 60, jitter: 0.3 })
  })

  it('the same object at or below capacity, and with no capacity to speak of', () => {
    const timing = uniform(100, 20)
    expect(underLoad(timing, 10, 2, 2, LIMITS)).toBe(timing)
    expect(slowdown(timing, 10, 5, 0, LIMITS)).toBe(NO_SLOWDOWN)
  })

  it('a profile: its medians move (D counts them), its spread, stalls, bursts and start moments stay', () => {
    const flaky = PROFILES.find((p) => p.name === 'flaky')!
    const timing = profileTiming(flaky, {}) as ProfileTiming
    // D = 700 + 30 x 99 = 3670; 2 in line at capacity 4: wait 2 x 3670 / 4 = 1835; load 1.5.
    const loaded = underLoad(timing, 100, 6, 4, LIMITS) as ProfileTiming
    expect(loaded.ttft.median).toBeCloseTo(700 + 1835, 9)
    expect(loaded.ttft.p99 / loaded.ttft.median).toBeCloseTo(timing.ttft.p99 / timing.ttft.median, 9)
    expect(loaded.gap.median).toBeCloseTo(45, 9)
    expect(loaded.gap.p99).toBeCloseTo(225, 9)
    expect([loaded.stall, loaded.burst, loaded.headers, loaded.name]).toEqual([timing.stall, timing.burst, timing.headers, 'flaky'])
  })

  it('an instant profile stays instant: nothing to queue behind', () => {
    const instant = profileTiming(PROFILES[0]!, {})
    expect(underLoad(instant, 100, 50, 1, LIMITS)).toBe(instant)
  })

  it('clamps: ttft to --max-delay, the delay to --max-delay, the stream to --max-duration', () => {
    const limits = { maxDelay: 1000, maxDuration: 5000 }
    // D = 100 + 50 x 9 = 550; 98 in line at capacity 2: a wait of 26,950 ms, held to 1000 - 100.
    // Load 50, but the stream may play 5000 ms: 100 + 900 + 50 x 9 x factor = 5000, a factor of 4000 / 450.
    expect(slowdown(uniform(100, 50), 10, 100, 2, limits)).toEqual({ wait: 900, factor: expect.closeTo(4000 / 450, 9) })
    // A delay of 400 at load 5 would be 2000 ms: held to 1000.
    expect(slowdown(uniform(0, 400), 2, 10, 2, limits).factor).toBeCloseTo(2.5, 9)
    // Already past --max-duration unloaded: no wait, no slower.
    expect(slowdown(uniform(0, 100), 100, 10, 2, limits)).toEqual({ wait: 0, factor: 1 })
  })
})

/** Any timing: the uniform model, or a built-in profile with its knobs. */
const timing: fc.Arbitrary<Timing> = fc.oneof(
  fc
    .record({
      ttft: fc.double({ min: 0, max: 5000, noNaN: true }),
      delay: fc.double({ min: 0, max: 500, noNaN: true }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map((t) => uniform(t.ttft, t.delay, t.jitter)),
  fc
    .record({ profile: fc.constantFrom(...PROFILES), ttft: fc.option(fc.double({ min: 0, max: 5000, noNaN: true }), { nil: undefined }) })
    .map(({ profile, ttft }) => profileTiming(profile, { ttft })),
)
const limits = fc.record({ maxDelay: fc.integer({ min: 1, max: 120_000 }), maxDuration: fc.integer({ min: 1, max: 7_200_000 }) })
const units = fc.integer({ min: 0, max: 5000 })
const capacity = fc.integer({ min: 1, max: 64 })

/** The typical ttft, delay and duration of a timing, as the model counts them. */
function typical(t: Timing, count: number): { ttft: number; delay: number; end: number } {
  const [ttft, delay] = t.kind === 'profile' ? [t.ttft.median, t.gap.median] : [t.ttft, t.delay]
  return { ttft, delay, end: ttft + delay * Math.max(count - 1, 0) }
}

describe('slowdown: properties', () => {
  it('is the identity at or below capacity', () => {
    fc.assert(
      fc.property(timing, units, capacity, fc.integer({ min: 0, max: 64 }), limits, (t, n, cap, open, lim) => {
        fc.pre(open <= cap)
        expect(underLoad(t, n, open, cap, lim)).toBe(t)
      }),
    )
  })

  it('is monotonic in the load: ttft and the whole stream never shorter with one more stream open', () => {
    fc.assert(
      fc.property(timing, units, capacity, fc.integer({ min: 0, max: 500 }), limits, (t, n, cap, open, lim) => {
        const [a, b] = [underLoad(t, n, open, cap, lim), underLoad(t, n, open + 1, cap, lim)].map((x) => typical(x, n))
        expect(b!.ttft).toBeGreaterThanOrEqual(a!.ttft - 1e-9)
        expect(b!.end).toBeGreaterThanOrEqual(a!.end - 1e-9)
        // The gaps too, until the whole stream is held at --max-duration (then the wait takes the room first).
        if (b!.end < Math.max(lim.maxDuration, typical(t, n).end) - 1e-6) expect(b!.delay).toBeGreaterThanOrEqual(a!.delay - 1e-9)
      }),
    )
  })

  it('never speeds a stream up, never goes negative, and stays within the limits (or where it was unloaded)', () => {
    fc.assert(
      fc.property(timing, units, capacity, fc.integer({ min: 0, max: 100_000 }), limits, (t, n, cap, open, lim) => {
        const s = slowdown(t, n, open, cap, lim)
        expect(s.wait).toBeGreaterThanOrEqual(0)
        expect(s.factor).toBeGreaterThanOrEqual(1)
        expect(Number.isFinite(s.wait) && Number.isFinite(s.factor)).toBe(true)
        const before = typical(t, n)
        const after = typical(applySlowdown(t, s, lim), n)
        expect(after.ttft).toBeLessThanOrEqual(Math.max(before.ttft, lim.maxDelay) + 1e-6)
        expect(after.delay).toBeLessThanOrEqual(Math.max(before.delay, lim.maxDelay) + 1e-6)
        expect(after.end).toBeLessThanOrEqual(Math.max(before.end, lim.maxDuration) * (1 + 1e-9) + 1e-6)
        const loaded = applySlowdown(t, s, lim)
        if (loaded.kind === 'profile' && t.kind === 'profile' && loaded !== t) {
          expect(capOf(loaded.ttft)).toBeLessThanOrEqual(Math.max(capOf(t.ttft), lim.maxDelay, loaded.ttft.median))
        }
      }),
    )
  })

  it('is deterministic: a loaded plan is the same plan every time, and later than the unloaded one', () => {
    fc.assert(
      fc.property(timing, fc.integer({ min: 1, max: 200 }), capacity, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (t, n, cap, seed) => {
        const words = Array.from({ length: n }, (_, i) => `w${i} `)
        const loaded = underLoad(t, n, cap * 3, cap, LIMITS)
        const options = { unit: 'word', seed, chunk: 1, after: -1 } as const
        const a = planStream(words, { ...options, timing: loaded })
        const b = planStream(words, { ...options, timing: loaded })
        expect([...a.events]).toEqual([...b.events])
        // The uniform model draws the same numbers loaded or not, so each unit is no earlier than it was.
        if (t.kind !== 'profile') {
          const base = [...planStream(words, { ...options, timing: t }).events]
          ;[...a.events].forEach((e, i) => expect(e.at).toBeGreaterThanOrEqual(base[i]!.at - 1e-9))
        }
      }),
    )
  })
})
