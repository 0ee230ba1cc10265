import { describe, expect, it } from 'vitest'
import { createClock, createTimer, type Clock } from '../../src/app/clock.js'
import { until } from '../helpers/sse.js'

/** Runs `task` once at `due` on `clock`; returns a function that cancels it. */
function at(clock: Clock, due: number, task: () => void): () => void {
  const timer = createTimer(task)
  clock.schedule(timer, due)
  return () => clock.cancel(timer)
}

describe('createClock', () => {
  it('runs tasks in due order (ties in the order asked), on one timer', async () => {
    const clock = createClock()
    const ran: string[] = []
    const now = clock.now()
    for (const [name, offset] of [
      ['c', 30],
      ['a', 10],
      ['b', 20],
      ['b2', 20],
      ['d', 0],
    ] as const)
      at(clock, now + offset, () => ran.push(name))
    expect(clock.pending).toBe(5)
    await until(() => clock.pending === 0, 'all tasks to run')
    expect(ran).toEqual(['d', 'a', 'b', 'b2', 'c'])
  })

  it('never runs a task before it is due', async () => {
    const clock = createClock()
    const late: number[] = []
    const start = clock.now()
    for (let i = 0; i < 50; i++) {
      const due = start + (i % 10) * 3
      at(clock, due, () => late.push(clock.now() - due))
    }
    await until(() => late.length === 50, 'all tasks to run')
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0)
  })

  it('cancels a task, freeing its slot, and a second cancel does nothing', async () => {
    const clock = createClock()
    const ran: number[] = []
    const now = clock.now()
    const cancels = Array.from({ length: 100 }, (_, i) => at(clock, now + 5 + (i % 7), () => ran.push(i)))
    for (let i = 0; i < 100; i += 2) cancels[i]!()
    cancels[0]!()
    expect(clock.pending).toBe(50)
    await until(() => clock.pending === 0, 'the rest to run')
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1))
  })

  it('goes on running the other tasks when one throws', async () => {
    const errors: unknown[] = []
    const clock = createClock({ onError: (e) => errors.push(e) })
    const ran: string[] = []
    const now = clock.now()
    at(clock, now, () => {
      throw new Error('boom')
    })
    at(clock, now, () => ran.push('after'))
    at(clock, now + 10, () => ran.push('later'))
    await until(() => ran.length === 2, 'the other tasks to run')
    expect(errors).toHaveLength(1)
  })

  it('lets a running timer cancel, move or add timers of its own slot', () => {
    // Time stands still at 100 until the test moves it, so every timer below shares slot 100.
    let time = 100
    const clock = createClock({ now: () => time })
    const ran: string[] = []
    const victim = createTimer(() => ran.push('victim'))
    const moved = createTimer(() => ran.push('moved'))
    const added = createTimer(() => ran.push('added'))
    const first = createTimer(() => {
      ran.push('first')
      clock.cancel(victim)
      clock.schedule(moved, 200)
      clock.schedule(added, 100)
    })
    clock.schedule(first, 100)
    clock.schedule(victim, 100)
    clock.schedule(moved, 100)
    clock.schedule(
      createTimer(() => ran.push('last')),
      100,
    )
    expect(clock.pending).toBe(4)
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        // 'added' joined slot 100 while it ran: it is due, so it runs in the same tick, after those before it.
        expect(ran).toEqual(['first', 'last', 'added'])
        expect(clock.pending).toBe(1)
        time = 200
        clock.schedule(
          createTimer(() => undefined),
          0,
        )
        setTimeout(() => {
          expect(ran.at(-1)).toBe('moved')
          expect(clock.pending).toBe(0)
          resolve()
        }, 20)
      }, 20)
    })
  })

  it('keeps heap order through random inserts and cancels', () => {
    // A clock whose time stands still, so nothing runs while the heap is checked through `pending` and a drain.
    let time = 0
    const clock = createClock({ now: () => time })
    const ran: number[] = []
    const cancels = new Map<number, () => void>()
    let seed = 1
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 500; i++) {
      const due = Math.floor(rand() * 1000) + 1
      cancels.set(
        i,
        at(clock, due, () => ran.push(due)),
      )
      if (rand() < 0.3) {
        const victim = Math.floor(rand() * i)
        cancels.get(victim)?.()
        cancels.delete(victim)
      }
    }
    const left = clock.pending
    time = 10_000
    // Run everything now: cancel the timer the clock armed and drive it through a task due at once.
    return new Promise<void>((resolve) => {
      at(clock, 0, () => undefined)
      setTimeout(() => {
        expect(ran).toHaveLength(left)
        expect(ran).toEqual([...ran].sort((a, b) => a - b))
        resolve()
      }, 20)
    })
  })
})
