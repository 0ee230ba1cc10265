import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planStream } from '../../src/core/stream-plan.js'

/** A plan with its events read into an array. */
const read = (p: ReturnType<typeof planStream>) => ({ ...p, events: [...p.events] })

const options = { unit: 'char' as const, timing: { ttft: 50, delay: 10, jitter: 0.5 }, seed: 3, chunk: 1 }

describe('plan', () => {
  it('resuming after unit k is the rest of the same plan, shifted to start at unit k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        (units, chunk, pick) => {
          const whole = read(planStream(units, { ...options, chunk, after: -1 }))
          // Resume where an event ended, as EventSource does (its Last-Event-ID is the last unit of an event).
          const cut = whole.events[pick % whole.events.length]!
          const resumed = read(planStream(units, { ...options, chunk, after: cut.last }))
          const rest = whole.events.filter((e) => e.first > cut.last)
          expect(resumed.events.map((e) => e.text)).toEqual(rest.map((e) => e.text))
          expect(resumed.events.map((e) => e.at)).toEqual(rest.map((e) => e.at - cut.at))
          expect(whole.events.map((e) => e.text).join('')).toBe(units.join(''))
          // The count and the first offset, known without reading the events, agree with them.
          for (const p of [whole, resumed]) expect([p.count, p.firstAt]).toEqual([p.events.length, p.events[0]?.at])
        },
      ),
      { numRuns: 300, seed: 8 },
    )
  })

  it('is the same for the same input and seed', () => {
    const units = ['a', 'b', 'c', 'd']
    expect(read(planStream(units, { ...options, after: -1 }))).toEqual(read(planStream(units, { ...options, after: -1 })))
    expect(read(planStream(units, { ...options, after: -1 })).events).not.toEqual(
      read(planStream(units, { ...options, seed: 4, after: -1 })).events,
    )
  })

  it('groups units into events of `chunk`, each due when its last unit is', () => {
    const p = read(planStream(['a', 'b', 'c', 'd', 'e'], { ...options, timing: { ttft: 10, delay: 5, jitter: 0 }, chunk: 2, after: -1 }))
    expect(p.events).toEqual([
      { first: 0, last: 1, text: 'ab', at: 15 },
      { first: 2, last: 3, text: 'cd', at: 25 },
      { first: 4, last: 4, text: 'e', at: 30 },
    ])
    expect(p.end).toBe(30)
    expect(p.total).toBe(5)
  })

  it('has no events for an empty reply or a resume after the last unit', () => {
    expect(read(planStream([], { ...options, after: -1 })).events).toEqual([])
    expect(read(planStream(['a', 'b'], { ...options, after: 1 }))).toMatchObject({ events: [], count: 0, end: 0, total: 2 })
  })

  it('refuses a resume point outside the reply and a chunk below 1', () => {
    expect(() => planStream(['a'], { ...options, after: 1 })).toThrow(RangeError)
    expect(() => planStream(['a'], { ...options, after: -2 })).toThrow(RangeError)
    expect(() => planStream(['a'], { ...options, chunk: 0, after: -1 })).toThrow(RangeError)
  })
})
