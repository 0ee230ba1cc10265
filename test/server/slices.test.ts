import { describe, expect, it } from 'vitest'
import { promptTokens, type Conversation } from '../../src/core/conversation.js'
import { countPrompt } from '../../src/app/vendor-turn.js'
import { eachInSlices, sumInSlices, takeInSlices } from '../../src/app/slices.js'

describe('sumInSlices', () => {
  it('sums what promptTokens sums, and lets timers run between slices', async () => {
    let cjk = ''
    for (let i = 0; i < 60_000; i++) cjk += String.fromCharCode(0x4e00 + ((i * 7919) % 20_000))
    const conversation = {
      messages: [
        { role: 'user', text: cjk },
        { role: 'user', text: 'and some words after it' },
      ],
    } as unknown as Conversation
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const counted = await countPrompt(conversation)
    clearInterval(timer)
    expect(counted).toBe(promptTokens(conversation))
    expect(ticks).toBeGreaterThan(0)
  })

  it('stops counting once its signal aborts', async () => {
    const controller = new AbortController()
    let taken = 0
    function* counts(): Generator<number> {
      for (;;) {
        taken++
        if (taken === 3) controller.abort()
        yield 1
      }
    }
    // A slice of 0 ms: a turn after every count.
    expect(await sumInSlices(counts(), controller.signal, 0)).toBe(3)
  })
})

describe('takeInSlices and eachInSlices', () => {
  /** Items that each take `ms` of the thread, counted as they are taken. */
  function* busy(count: number, ms: number, taken: { n: number }): Generator<number> {
    for (let i = 0; i < count; i++) {
      const until = performance.now() + ms
      while (performance.now() < until);
      taken.n++
      yield i
    }
  }

  it('take the items in order, at most `most`, and let timers run between slices', async () => {
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const taken = { n: 0 }
    // 200 items of 0.2 ms: 40 ms of work, cut into 10 ms slices (the clock is read every 64 items: 12.8 ms).
    const items = await takeInSlices(busy(1000, 0.2, taken), 200)
    clearInterval(timer)
    expect(items).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(taken.n).toBe(200) // not one more than asked for
    expect(ticks).toBeGreaterThan(0)

    const seen: number[] = []
    await eachInSlices(busy(150, 0.2, { n: 0 }), (item) => seen.push(item))
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i))
  })

  it('takeInSlices stops once its signal aborts, with what it took', async () => {
    const controller = new AbortController()
    const taken = { n: 0 }
    const started = takeInSlices(busy(100_000, 0.05, taken), Infinity, controller.signal, 0)
    controller.abort()
    const items = await started
    expect(items.length).toBeLessThan(100_000)
    expect(items.length).toBe(taken.n)
  })
})
