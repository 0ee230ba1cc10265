/** The bounded stores: conversations kept for previous_response_id and threads, and the runtime rules' scopes. */
import { describe, expect, it } from 'vitest'
import type { Scenario } from '../../src/core/scenarios.js'
import { createConversationStore } from '../../src/app/conversation-store.js'
import { createScenarioStore, MAX_SCOPES } from '../../src/app/scenario-store.js'

const said = (text: string) => ({ messages: [{ role: 'user' as const, text }], tools: [] })
const rule = (name: string): Scenario => ({ name, match: {}, answers: [{ text: name }] })

describe('createConversationStore', () => {
  it('keeps at most `limit` conversations, dropping the oldest', () => {
    const store = createConversationStore(2)
    store.put('a', said('1'))
    store.put('b', said('2'))
    store.put('c', said('3'))
    expect([store.get('a'), store.get('b')?.messages, store.get('c')?.messages]).toEqual([
      undefined,
      said('2').messages,
      said('3').messages,
    ])
  })

  it('keeps at most `maxChars` of text in all, and never one larger than that', () => {
    const store = createConversationStore(100, 10)
    store.put('a', said('12345'))
    store.put('b', said('12345'))
    store.put('c', said('123'))
    expect(store.get('a')).toBeUndefined()
    expect(store.get('b')).toBeDefined()
    store.put('huge', said('x'.repeat(11)))
    expect(store.get('huge')).toBeUndefined()
    expect(store.get('c')).toBeDefined()
  })
})

describe('createScenarioStore', () => {
  it("puts a scope's rules before the server's, and drops the scope changed longest ago past MAX_SCOPES", async () => {
    const store = createScenarioStore([rule('server')])
    await store.set('first', [rule('first')])
    expect(store.rules('first').map((r) => r.name)).toEqual(['first', 'server'])
    expect(store.rules('other').map((r) => r.name)).toEqual(['server'])
    for (let i = 0; i < MAX_SCOPES; i++) await store.set(`scope-${i}`, [rule(String(i))])
    expect(store.scoped('first')).toEqual([])
    expect(store.scoped('scope-0').map((r) => r.name)).toEqual(['0'])
    await store.set('scope-0', [])
    expect(store.rules('scope-0').map((r) => r.name)).toEqual(['server'])
  })

  it('hands each change to the other processes and waits for them', async () => {
    const shared: unknown[] = []
    const store = createScenarioStore([], async (change) => void shared.push(change))
    await store.set('s', [rule('x')])
    expect(shared).toEqual([{ scope: 's', rules: [rule('x')] }])
    const other = createScenarioStore([])
    other.apply(shared[0] as { scope: string; rules: Scenario[] })
    expect(other.scoped('s')).toEqual([rule('x')])
  })
})
