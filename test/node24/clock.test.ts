/**
 * The shared clock (src/app/clock.ts) under Node 24, which warns of a timer set to a negative delay
 * (TimeoutNegativeWarning, on the server's stderr): a moment already past when the clock arms its timer is due at
 * once, a delay of 0. Under load the earliest due moment is often already past.
 */
import { expect, it } from 'vitest'
import { createClock, createTimer } from '../../src/app/clock.js'

it('arms its timer with no negative delay for a moment already past, and runs it', async () => {
  const warnings: string[] = []
  const onWarning = (warning: Error): void => void warnings.push(warning.name)
  process.on('warning', onWarning)
  try {
    const clock = createClock()
    const ran = await new Promise<boolean>((resolve) =>
      clock.schedule(
        createTimer(() => resolve(true)),
        clock.now() - 50,
      ),
    )
    // Node emits a warning on the next turn of the loop.
    await new Promise((resolve) => setImmediate(resolve))
    expect(ran).toBe(true)
  } finally {
    process.off('warning', onWarning)
  }
  expect(warnings).toEqual([])
})
