/**
 * The page's buffering detector (web/buffering.js) in Node: a table of arrivals and scheduled offsets, the
 * bursts it finds in them, and the line the page shows for one. test/e2e/page-buffering.test.ts checks what the
 * page shows of it in a browser.
 */
import { describe, expect, it } from 'vitest'
import { BUFFERING_DEFAULTS, createBufferingDetector, describeBurst, findBursts } from '../../web/buffering.js'

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
/** `n` events `gap` ms apart after `ttft`, each arriving `lag` ms after it was sent. */
const paced = (n: number, ttft: number, gap: number, lag = 20) => range(n).map((i) => ({ t: ttft + i * gap, at: ttft + i * gap + lag }))

describe('the buffering detector', () => {
  it('finds a stream held back and let go at once', () => {
    // 40 events 25 ms apart, held back and let go at once
    const bursts = findBursts(range(40).map((i) => ({ t: i * 25, at: 1000 + i * 0.05 })))
    expect(bursts).toEqual([{ first: 0, count: 40, scheduledMs: 975, arrivalMs: expect.closeTo(1.95, 5), waitMs: 1000 }])
  })

  it('finds each flush of a proxy that flushes every 30 events', () => {
    const bursts = findBursts(range(60).map((i) => ({ t: i * 25, at: (i < 30 ? 750 : 1500) + (i % 30) * 0.04 })))
    expect(bursts.map((b) => [b.first, b.count, b.scheduledMs])).toEqual([
      [0, 30, 725],
      [30, 30, 725],
    ])
  })

  it('finds nothing in what only looks like a heap', () => {
    const cases: Record<string, { t: number; at: number }[]> = {
      paced: paced(200, 450, 25),
      // dense: 1 ms apart after a long first token, arriving as paced as sent
      'dense, long ttft': paced(600, 3000, 1),
      // the main thread busy for 200 ms: a frame's worth of events arrive in a heap
      'busy main thread': range(100).map((i) => ({ t: i * 10, at: i * 10 >= 300 && i * 10 < 500 ? 500 + i * 0.01 : i * 10 + 5 })),
      // a scheduled burst (a profile's): many events due at once, arriving at once
      'scheduled burst': range(30).map(() => ({ t: 300, at: 320 })),
      // too few events to tell
      'five events': range(5).map((i) => ({ t: i * 200, at: 1000 + i * 0.1 })),
      // vendor events carry no offset
      'no offsets': range(40).map((i) => ({ t: Number.NaN, at: 1000 + i * 0.05 })),
    }
    for (const [name, events] of Object.entries(cases)) expect(findBursts(events), name).toEqual([])
  })

  it('holds to its thresholds: one event fewer, or a span a little short, is not a burst', () => {
    const { minEvents, minScheduledMs } = BUFFERING_DEFAULTS
    const heap = (n: number, span: number) => range(n).map((i) => ({ t: (i * span) / (n - 1), at: 2 * span + i * 0.05 }))
    expect(findBursts(heap(minEvents, minScheduledMs))).toHaveLength(1)
    expect(findBursts(heap(minEvents - 1, minScheduledMs))).toEqual([])
    expect(findBursts(heap(minEvents, minScheduledMs - 1))).toEqual([])
  })

  it('tells as it goes, event by event, the burst an event completes', () => {
    const detector = createBufferingDetector(0)
    const seen = range(40).map((i) => detector.push(i * 25, 1000 + i * 0.05))
    const first = seen.findIndex((burst) => burst !== null)
    expect(first).toBeGreaterThanOrEqual(BUFFERING_DEFAULTS.minEvents - 1)
    expect(seen.at(-1)).toMatchObject({ first: 0, count: 40 })
  })

  it('says what it found in one line', () => {
    expect(describeBurst({ first: 0, count: 40, scheduledMs: 975, arrivalMs: 1.95, waitMs: 1000 })).toBe(
      '40 events sent over 975 ms arrived within 2 ms, after 1.0 s of silence: something between the server and the ' +
        'browser (a proxy, compression, a dev-server middleware) buffers the stream.',
    )
  })
})
