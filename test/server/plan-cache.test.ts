/** The plan cache: one plan per answer and knobs, each request's own ids and prompt tokens, bounded, failures not kept. */
import { describe, expect, it } from 'vitest'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { createPlanCache } from '../../src/app/plan-cache.js'

const options = { unit: 'word', timing: { ttft: 0, delay: 10, jitter: 0 }, seed: 0, chunk: 1, inputTokens: 0 } as const
const withCall = (id: string): Answer => ({
  parts: [
    { kind: 'text', text: 'Let me look.' },
    { kind: 'tool_call', id, name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
})

describe('the plan cache', () => {
  it('plans an answer once for the same knobs, and gives each request its own tool call ids and prompt tokens', async () => {
    const cache = createPlanCache()
    let made = 0
    const make = (answer: Answer) => async () => (made++, planTurn(answer, options))
    const a = await cache.get(withCall('one'), 'k', 5, make(withCall('one')))
    const b = await cache.get(withCall('two'), 'k', 7, make(withCall('two')))
    expect(made).toBe(1)
    expect(a.parts[1]!.part).toMatchObject({ kind: 'tool_call', id: 'one' })
    expect(b.parts[1]!.part).toMatchObject({ kind: 'tool_call', id: 'two' })
    expect(b.answer.parts[1]).toMatchObject({ id: 'two' })
    expect([a.usage.input, b.usage.input]).toEqual([5, 7])
    // The deltas are shared, not copied.
    expect(b.parts[0]!.deltas).toBe(a.parts[0]!.deltas)
    // Other knobs, another text, another call: planned again.
    await cache.get(withCall('three'), 'other', 0, make(withCall('three')))
    await cache.get({ parts: [{ kind: 'text', text: 'Let me look!' }, withCall('x').parts[1]!] }, 'k', 0, make(withCall('x')))
    expect(made).toBe(3)
  })

  it('keeps at most `entries` plans, and a plan that failed is not kept', async () => {
    const cache = createPlanCache({ entries: 2 })
    const answer = (text: string): Answer => ({
      parts: [
        { kind: 'reasoning', text: `think ${text}` },
        { kind: 'text', text },
      ],
    })
    for (const text of ['a', 'b', 'c', 'd']) await cache.get(answer(text), 'k', 0, async () => planTurn(answer(text), options))
    expect(cache.size).toBe(2)
    await expect(cache.get(answer('e'), 'k', 0, async () => Promise.reject(new Error('too long')))).rejects.toThrow('too long')
    expect(cache.size).toBe(2)
    let made = 0
    await cache.get(answer('e'), 'k', 0, async () => (made++, planTurn(answer('e'), options)))
    expect(made).toBe(1)
  })
})
