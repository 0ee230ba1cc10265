/**
 * The page's live figures (web/stats.js) in Node: what a stream's events make of its three start moments, its
 * rate, counts and reconnects, the gaps the measured distribution reads (per unit, a reconnect's left out), the
 * arrivals the export writes, and how the figures and the reply's summary line read.
 */
import { describe, expect, it } from 'vitest'
import { formatCount, formatMs, formatRate, formatSeconds, StreamStats, summary } from '../../web/stats.js'

describe('the live figures', () => {
  it('take the start moments, the rate and the gaps per unit from the events as they arrive', () => {
    const stats = new StreamStats(1000)
    expect(stats.snapshot(1000)).toEqual({
      headers: null,
      firstByte: null,
      ttft: null,
      tps: null,
      elapsed: 0,
      units: 0,
      total: null,
      reconnects: 0,
    })
    stats.opened(1100)
    stats.opened(1150) // only the first connection's
    stats.byte(1300)
    expect(stats.token(1, 1400, false, 0, 350)).toBe(400) // since Send, for the first
    expect(stats.token(3, 1460, false, 1, 380)).toBe(60) // 60 ms before 3 units: 20 ms a unit
    stats.reconnects += 1
    expect(stats.token(2, 2460, true, 4, 400)).toBe(1000) // a reconnect's gap is left out
    stats.token(1, 2470)
    stats.total = 7
    stats.end(3400)
    const end = stats.snapshot(9999) // frozen at its end
    expect(end).toEqual({ headers: 100, firstByte: 300, ttft: 400, tps: 7 / 2, elapsed: 2400, units: 7, total: 7, reconnects: 1 })
    expect(stats.gaps).toEqual([20, 10])
    expect(stats.arrivals).toEqual([
      { index: 0, units: 1, at: 400, t: 350, resumed: false },
      { index: 1, units: 3, at: 460, t: 380, resumed: false },
      { index: 4, units: 2, at: 1460, t: 400, resumed: true },
      { index: 6, units: 1, at: 1470, t: Number.NaN, resumed: false },
    ])
    expect(summary(end, 'token')).toBe('7 tokens · TTFT 400 ms · 3.5 tokens/s · 2.4 s · 1 reconnect')
  })

  it('take the headers as come by the first event when their opening went unseen', () => {
    const stats = new StreamStats(0)
    stats.byte(250)
    expect(stats.snapshot(300)).toMatchObject({ headers: 250, firstByte: 250, ttft: null })
  })

  it('read as the page shows them', () => {
    expect([formatMs(null), formatMs(412.6), formatMs(9_999), formatMs(12_345)]).toEqual(['—', '413 ms', '9999 ms', '12.3 s'])
    expect([formatRate(null), formatRate(42.25), formatRate(123.4)]).toEqual(['—', '42.3', '123'])
    expect([formatSeconds(2449), formatCount(5, null), formatCount(5, 34)]).toEqual(['2.4 s', '5', '5 / 34'])
    const one = { headers: null, firstByte: null, ttft: null, tps: null, elapsed: 100, units: 1, total: null, reconnects: 0 }
    expect(summary(one, 'word')).toBe('1 word · 0.1 s')
  })
})
