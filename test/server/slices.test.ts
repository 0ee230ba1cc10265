import { describe, expect, it } from 'vitest'
import { promptTokens, type Conversation } from '../../src/core/conversation.js'
import { countPrompt } from '../../src/server/chat.js'
import { sumInSlices } from '../../src/server/slices.js'

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
