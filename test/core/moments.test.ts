/**
 * The moments before the first unit (src/core/latency.ts drawStart): drawn only where a profile declares them and
 * after every unit's draws, so the units' offsets are the same with or without them; always ordered
 * headers <= first byte <= first unit; the same for the same seed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planStream } from '../../src/core/stream-plan.js'
import { PROFILES, profileTiming } from '../../src/core/profiles.js'
import { planTurn } from '../../src/core/turn.js'
import type { LogNormal, ProfileTiming } from '../../src/core/types.js'

const logNormal: fc.Arbitrary<LogNormal> = fc
  .tuple(fc.double({ min: 0, max: 5000, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true }))
  .map(([median, ratio]) => ({ median, p99: median * ratio }))

const timing: fc.Arbitrary<ProfileTiming> = fc
  .record({
    ttft: logNormal,
    gap: logNormal,
    headers: fc.option(logNormal, { nil: undefined }),
    firstByte: fc.option(logNormal, { nil: undefined }),
  })
  .map(({ ttft, gap, headers, firstByte }) => ({
    kind: 'profile',
    name: 'p',
    ttft,
    gap,
    ...(headers !== undefined ? { headers } : {}),
    ...(firstByte !== undefined ? { firstByte } : {}),
  }))

const units = ['a', 'b', 'c', 'd', 'e']
const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 })
const options = (t: ProfileTiming, s: number) => ({ unit: 'char', timing: t, seed: s, chunk: 1, after: -1 }) as const

describe('start moments', () => {
  it('are ordered headers <= first byte <= first unit, in plan and planTurn, whatever the draws', () => {
    fc.assert(
      fc.property(timing, seed, (t, s) => {
        for (const p of [
          planStream(units, options(t, s)),
          planTurn({ parts: [{ kind: 'text', text: 'abcde' }] }, { ...options(t, s), inputTokens: 0 }),
        ]) {
          const first = 'events' in p ? p.firstAt! : p.start
          expect(p.headersAt !== undefined).toBe(t.headers !== undefined)
          expect(p.firstByteAt !== undefined).toBe(t.firstByte !== undefined)
          expect(p.headersAt ?? 0).toBeGreaterThanOrEqual(0)
          expect(p.headersAt ?? 0).toBeLessThanOrEqual(p.firstByteAt ?? first)
          expect(p.firstByteAt ?? first).toBeLessThanOrEqual(first)
        }
      }),
    )
  })

  it('are the same for the same seed', () => {
    fc.assert(
      fc.property(timing, seed, (t, s) => {
        const a = planStream(units, options(t, s))
        const b = planStream(units, options(t, s))
        expect([a.headersAt, a.firstByteAt]).toEqual([b.headersAt, b.firstByteAt])
      }),
    )
  })

  it("leave the units' offsets as they were, and a plan without them exactly as before", () => {
    fc.assert(
      fc.property(timing, seed, (t, s) => {
        const { headers: _h, firstByte: _f, ...bare } = t
        const without = planStream(units, options(bare, s))
        expect([...planStream(units, options(t, s)).events]).toEqual([...without.events])
        expect(Object.keys(without)).not.toContain('headersAt')
        expect(Object.keys(without)).not.toContain('firstByteAt')
      }),
    )
    const uniform = planTurn(
      { parts: [{ kind: 'text', text: 'hi' }] },
      { unit: 'char', timing: { ttft: 5, delay: 1, jitter: 0 }, seed: 0, chunk: 1, inputTokens: 0 },
    )
    expect(Object.keys(uniform)).toEqual(['answer', 'parts', 'finish', 'usage', 'start', 'end'])
  })

  it('are absent from a resumed stream, which goes on at once', () => {
    const reasoning = profileTiming(
      PROFILES.find((p) => p.name === 'reasoning')!,
      {},
    )
    const resumed = planStream(units, { unit: 'char', timing: reasoning, seed: 3, chunk: 1, after: 1 })
    expect([resumed.headersAt, resumed.firstByteAt]).toEqual([undefined, undefined])
  })

  it('set three distinct moments for the reasoning profile: headers and first byte early, text late', () => {
    const reasoning = profileTiming(
      PROFILES.find((p) => p.name === 'reasoning')!,
      {},
    )
    const p = planStream(units, { unit: 'char', timing: reasoning, seed: 1, chunk: 1, after: -1 })
    expect(p.headersAt!).toBeGreaterThan(0)
    expect(p.firstByteAt!).toBeGreaterThan(p.headersAt!)
    expect(p.firstByteAt!).toBeLessThan(1000)
    expect(p.firstAt!).toBeGreaterThan(2000)
  })

  it('clamp to a ttft a knob set lower than the headers', () => {
    const reasoning = profileTiming(
      PROFILES.find((p) => p.name === 'reasoning')!,
      { ttft: 0 },
    )
    const p = planStream(units, { unit: 'char', timing: reasoning, seed: 1, chunk: 1, after: -1 })
    expect([p.headersAt, p.firstByteAt, p.firstAt!]).toEqual([0, 0, 0])
  })
})
