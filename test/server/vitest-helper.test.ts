/**
 * tokensim/vitest as a suite uses it: useTokensim starts tokensim for the file, each test talks to it with the
 * openai SDK in a scope of its own, sets its rules and reads its journal. Concurrent tests prove the scopes apart.
 */
import OpenAI from 'openai'
import { useTokensim } from 'tokensim/vitest'
import { describe, expect, it } from 'vitest'

const sim = useTokensim({ delay: 0, ttft: 0 })

/** The openai SDK pointed at tokensim, in the running test's scope. */
const openai = (headers: Readonly<Record<string, string>> = sim.headers): OpenAI =>
  new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'any', defaultHeaders: headers, maxRetries: 0 })

const WEATHER = [
  {
    name: 'weather',
    match: { contains: 'weather' },
    text: 'Let me check.',
    tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
  },
  { name: 'report', match: { tool_result: 'get_weather' }, text: 'It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.' },
]

/** The scopes the tests before the last used, which it checks were cleared. */
const used: string[] = []

describe('useTokensim', () => {
  it('streams a scripted answer to the openai SDK, and the journal shows the request in the test scope', async () => {
    used.push(sim.scope)
    await sim.scenarios.set([{ name: 'hello', match: { contains: 'hello' }, text: 'Hi from the script.' }])
    const stream = await openai().chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'hello there' }],
    })
    let text = ''
    let chunks = 0
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      chunks++
    }
    expect(text).toBe('Hi from the script.')
    expect(chunks).toBeGreaterThan(2)
    expect(sim.scope).toMatch(/^vitest:/)
    expect(sim.headers).toEqual({ 'x-tokensim-scope': sim.scope })
    const entries = await sim.journal()
    expect(entries.map((entry) => [entry.route, entry.scope, entry.status, entry.rule?.name, entry.stream])).toEqual([
      ['openai-chat', sim.scope, 200, 'hello', true],
    ])
  })

  it("runs an agent loop with a tool through the SDK's runTools, two steps in the test's journal", async () => {
    used.push(sim.scope)
    await sim.scenarios.set(WEATHER)
    const calls: unknown[] = []
    const runner = openai().chat.completions.runTools({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: "A city's weather",
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            parse: JSON.parse,
            function: (args: { city: string }) => {
              calls.push(args)
              return { temp: 21 }
            },
          },
        },
      ],
    })
    expect(await runner.finalContent()).toBe('It is 21 °C in Paris.')
    expect(calls).toEqual([{ city: 'Paris' }])
    const entries = await sim.journal({ route: 'openai-chat' })
    expect(entries.map((entry) => [entry.scope, entry.step, entry.rule?.name])).toEqual([
      [sim.scope, 'user', 'weather'],
      [sim.scope, 'tool_results', 'report'],
    ])
    // The server saw the other tests' requests too; the scoped journal left them out.
    const all = (await (await fetch(`${sim.url}/journal?route=openai-chat`)).json()) as { entries: { scope: string | null }[] }
    expect(all.entries.length).toBeGreaterThan(entries.length)
    expect(new Set(all.entries.map((entry) => entry.scope)).size).toBeGreaterThan(1)
  })

  it('adds, lists and clears rules, and a bad rule rejects with the server message', async () => {
    await sim.scenarios.set('- name: first\n  match: { contains: one }\n  text: One.\n')
    await sim.scenarios.add([{ name: 'second', match: { contains: 'two' }, text: 'Two.' }])
    expect((await sim.scenarios.list()).map((rule) => rule.name)).toEqual(['first', 'second'])
    const answer = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'two' }] })
    expect(answer.choices[0]?.message.content).toBe('Two.')
    await expect(sim.scenarios.add([{ name: 'broken', match: { matches: '(' } }])).rejects.toThrow(
      /POST \/scenarios \(scope vitest:.*\): HTTP 400: .*rule "broken".*match\.matches/,
    )
    expect((await sim.scenarios.list()).length).toBe(2)
    await sim.scenarios.clear()
    expect(await sim.scenarios.list()).toEqual([])
  })

  const attempts: string[] = []
  it("runs a retried test in a fresh scope, the failed try's rules cleared", { retry: 1 }, async () => {
    attempts.push(sim.scope)
    if (attempts.length === 1) {
      await sim.scenarios.set([{ match: { contains: 'again' }, text: 'From the first try.' }])
      throw new Error('the first try fails on purpose')
    }
    expect(attempts[1]).not.toBe(attempts[0])
    expect(attempts[1]).toMatch(/^vitest:[^:]+:0\.1:/)
    expect(await sim.scenarios.list()).toEqual([])
    const listed = await (await fetch(`${sim.url}/scenarios`, { headers: { 'x-tokensim-scope': attempts[0]! } })).json()
    expect(listed).toMatchObject({ scope: attempts[0], scenarios: [] })
  })

  describe('two tests at once', () => {
    // Each test sets its rule, waits until the other has set its own, then asks: each gets its own answer.
    const ready: Record<string, () => void> = {}
    const both = Promise.all(['a', 'b'].map((name) => new Promise<void>((resolve) => (ready[name] = resolve))))
    const seen: Record<string, string> = {}

    for (const name of ['a', 'b']) {
      it.concurrent(`test ${name} sees only its own rules and journal`, async (context) => {
        const own = sim.for(context)
        await own.scenarios.set([{ name: `rule-${name}`, match: { contains: 'ping' }, text: `pong from ${name}` }])
        ready[name]!()
        await both
        expect(() => sim.scope, 'sim.scope while two tests run').toThrow(/sim\.for\(context\)/)
        const answer = await openai(own.headers).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ping' }] })
        context.expect(answer.choices[0]?.message.content).toBe(`pong from ${name}`)
        const entries = await own.journal()
        context.expect(entries.map((entry) => [entry.scope, entry.rule?.name])).toEqual([[own.scope, `rule-${name}`]])
        seen[name] = own.scope
      })
    }

    it('gave the two tests different scopes', () => {
      expect(seen.a).toBeDefined()
      expect(seen.b).toBeDefined()
      expect(seen.a).not.toBe(seen.b)
    })
  })

  it("cleared each earlier test's rules when it ended, and gives each test its own scope", async () => {
    expect(new Set([...used, sim.scope]).size).toBe(3)
    for (const scope of used) {
      const listed = await (await fetch(`${sim.url}/scenarios`, { headers: { 'x-tokensim-scope': scope } })).json()
      expect(listed).toMatchObject({ scope, scenarios: [] })
    }
    expect(await sim.journal()).toEqual([])
  })
})
