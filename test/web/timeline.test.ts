/**
 * The page's timeline scale and its stall rule, as pure functions run in Node: web/timeline.js timelineBars
 * (the scale's top, each column's height as a share of the plot, which bars are cut and which are stalls) and
 * web/stall-indicator.js (the threshold a silence must pass, and what a stream's arrivals say of its stalls).
 * The page draws exactly these numbers; test/e2e/live.test.ts checks the drawing in a browser.
 */
import { describe, expect, it } from 'vitest'
import { STALL_FLOOR_MS, stallThreshold, StallWatch } from '../../web/stall-indicator.js'
import { CAP_FACTOR, timelineBars } from '../../web/timeline.js'

type Gap = Parameters<typeof timelineBars>[0][number]

/** A stream's gaps: its first event after `first` ms, then `gaps`. */
const stream = (first: number, gaps: readonly number[]): Gap[] => [
  { gap: first, kind: 'first' },
  ...gaps.map((gap) => ({ gap, kind: 'gap' as const })),
]

/** A repeatable spread of gaps around `median` (no randomness: the same every run). */
const spread = (n: number, median: number): number[] => Array.from({ length: n }, (_, i) => median * (0.6 + (0.8 * ((i * 37) % 101)) / 100))

describe('timelineBars: the timeline scale', () => {
  it('keeps the scale of a steady stream to its tallest gap: nothing cut, nothing a stall', () => {
    const gaps = stream(120, [10, 20, 30, 40, 50])
    const { max, bars } = timelineBars(gaps, { columns: 100 })
    expect(max).toBe(50)
    expect(bars.map((b) => b.height)).toEqual([1, 0.2, 0.4, 0.6, 0.8, 1])
    expect(bars.map((b) => b.clipped)).toEqual([true, false, false, false, false, false]) // the first event's wait, cut
    expect(bars.some((b) => b.stall)).toBe(false)
  })

  it('does not let one 4 s stall flatten the other gaps: the stall is cut at the top and marked', () => {
    const gaps = stream(450, [...spread(20, 25), 4000, ...spread(80, 25)])
    const { max, bars, threshold } = timelineBars(gaps, { columns: 500 })
    expect(threshold).toBe(500) // 3 × the median gap (25) is less than the 500 ms floor
    const stall = bars[21]
    expect(stall).toMatchObject({ gap: 4000, height: 1, clipped: true, stall: true, kind: 'gap' })
    expect(max).toBeLessThanOrEqual(100) // twice the p99 of the other gaps (~35 ms), rounded up: not 4000
    const others = bars.filter((b) => b.kind === 'gap' && !b.stall)
    expect(others.length).toBe(100)
    // every other gap keeps a readable height: at least 15 ms of 25 is 15 % of the plot, where 4 s would leave 0.4 %
    for (const bar of others) {
      expect(bar.clipped).toBe(false)
      expect(bar.height).toBeCloseTo(bar.gap / max, 9)
      expect(bar.height).toBeGreaterThan(0.14)
    }
    expect(bars.filter((b) => b.stall)).toHaveLength(1)
  })

  it('scales to twice the p99 of the gaps that are not stalls, rounded up to a round number', () => {
    const gaps = stream(0, [...Array.from({ length: 99 }, () => 20), 30, 5000])
    const { max, bars } = timelineBars(gaps, { columns: 1000 })
    // p99 of the 100 normal gaps (99 × 20, one 30) is 20.1; twice that is 40.2, rounded up to 50
    expect(CAP_FACTOR).toBe(2)
    expect(max).toBe(50)
    expect(bars.at(-1)).toMatchObject({ gap: 5000, clipped: true, stall: true })
    expect(bars.at(-2)).toMatchObject({ gap: 30, clipped: false, height: 0.6 })
  })

  it('reaches past the configured mean gap, drawn as a line', () => {
    const { max } = timelineBars(stream(100, [10, 10, 10]), { columns: 10, reference: 100 })
    expect(max).toBe(150) // 1.25 × 100 rounded up
  })

  it('draws a lone first event to its own height', () => {
    const { max, bars } = timelineBars(stream(640, []), { columns: 10 })
    expect(max).toBe(800)
    expect(bars).toEqual([{ gap: 640, kind: 'first', height: 0.8, clipped: false, stall: false, from: 0, to: 1 }])
  })

  it('shares columns once events no longer fit: a column shows its tallest gap and keeps a stall and the first event', () => {
    const gaps = stream(300, [...spread(499, 10), 2000, ...spread(500, 10)])
    const { bars, max } = timelineBars(gaps, { columns: 100 })
    expect(bars).toHaveLength(100)
    expect(bars[0]).toMatchObject({ kind: 'first', from: 0, to: 10 })
    expect(bars.reduce((n, b) => n + (b.to - b.from), 0)).toBe(gaps.length) // every event in one column
    const stalls = bars.filter((b) => b.stall)
    expect(stalls).toHaveLength(1)
    expect(stalls[0]).toMatchObject({ gap: 2000, clipped: true, height: 1 })
    expect(stalls[0]!.from).toBeLessThanOrEqual(500)
    expect(stalls[0]!.to).toBeGreaterThan(500)
    expect(max).toBeLessThanOrEqual(40)
  })

  it('marks the gap after a reconnect, which is neither a stall nor part of the scale', () => {
    const gaps: Gap[] = [...stream(100, [20, 20, 20]), { gap: 1500, kind: 'resume' }, { gap: 20, kind: 'gap' }]
    const { max, bars } = timelineBars(gaps, { columns: 10 })
    expect(max).toBe(20)
    expect(bars[4]).toMatchObject({ kind: 'resume', stall: false, clipped: true, height: 1 })
  })

  it('marks every stall of a flaky stream, whose stalls do not set the scale', () => {
    const gaps = stream(
      700,
      Array.from({ length: 300 }, (_, i) => (i % 30 === 29 ? 1500 + i : 30)),
    )
    const { max, bars } = timelineBars(gaps, { columns: 400 })
    expect(bars.filter((b) => b.stall)).toHaveLength(10)
    expect(max).toBe(60)
  })
})

describe('the stall rule', () => {
  it('takes three times the median gap, and at least 500 ms', () => {
    expect(STALL_FLOOR_MS).toBe(500)
    expect(stallThreshold(null)).toBe(500)
    expect(stallThreshold(25)).toBe(500)
    expect(stallThreshold(200)).toBe(600)
    expect(stallThreshold(1000)).toBe(3000)
  })

  it('reports a silence once it passes the threshold, and records it when the next unit comes', () => {
    const watch = new StallWatch(25)
    expect(watch.silence(10_000)).toBeNull() // nothing arrived yet: a wait for the first token is not a stall
    let at = 300
    for (let i = 0; i <= 20; i++) {
      expect(watch.arrive(at)).toBeNull()
      at += 25
    }
    const last = at - 25 // unit 20 came here
    expect(watch.median()).toBe(25)
    expect(watch.silence(last + 499)).toBeNull()
    expect(new StallWatch(25).silence(1e6)).toBeNull()
    expect(watch.silence(last + 500)).toBe(500)
    expect(watch.silence(last + 2100)).toBe(2100)
    expect(watch.arrive(last + 4000)).toEqual({ ms: 4000, after: 20 })
    expect(watch.silence(last + 4100)).toBeNull()
    expect(watch.stalls).toEqual([{ ms: 4000, after: 20 }])
  })

  it('counts every unit of an event, so a stall names the last unit before it', () => {
    const watch = new StallWatch()
    watch.arrive(0, 5) // units 0-4
    watch.arrive(100, 5) // units 5-9
    expect(watch.arrive(1000, 5)).toEqual({ ms: 900, after: 9 })
  })

  it('follows the stream: a slow steady stream is not stalled by its own gaps', () => {
    const watch = new StallWatch()
    expect(watch.arrive(0)).toBeNull()
    expect(watch.silence(60_000)).toBeNull() // no gap to go by yet, and none expected
    for (let i = 1; i < 10; i++) expect(watch.arrive(i * 1000)).toBeNull() // 1 s gaps
    expect(watch.silence(9000 + 2500)).toBeNull()
    expect(watch.silence(9000 + 3000)).toBe(3000)
  })
})
