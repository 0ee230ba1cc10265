/** GET and DELETE /journal through a real socket: what an agent loop sent and got back, filters, bounds, and every process's entries. */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JournalEntry } from '../../src/app/journal.js'
import { killChildren, startCli } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }

let server: RunningServer
beforeAll(async () => {
  server = await startServer({
    scenarios: [
      {
        name: 'weather',
        match: { contains: 'weather' },
        answers: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }],
      },
      { name: 'report', match: { toolResult: 'get_weather' }, answers: [{ text: 'It is {{result.get_weather.temp}} °C.' }] },
    ],
  })
})
afterAll(async () => {
  await server.close()
  await killChildren()
})

const journal = async (url: string, query = '', headers: Record<string, string> = {}) =>
  ((await (await fetch(`${url}/journal${query}`, { headers })).json()) as { limit: number; entries: JournalEntry[] }).entries

describe('/journal', () => {
  it('shows what an agent loop sent, which rule answered each step, and how each stream ended', async () => {
    const scope = 'journal-loop'
    const client = new OpenAI({
      baseURL: `${server.url}/v1`,
      apiKey: 'any',
      maxRetries: 0,
      defaultHeaders: { ...fast, 'x-tokensim-scope': scope },
    })
    const runner = client.chat.completions.runTools({
      model: 'gpt-4o',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'weather in Paris?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'weather',
            parameters: { type: 'object' },
            parse: JSON.parse,
            function: () => '{"temp":21}',
          },
        },
      ],
    })
    expect(await runner.finalContent()).toBe('It is 21 °C.')
    const entries = await journal(server.url, '', { 'x-tokensim-scope': scope })
    expect(entries).toHaveLength(2)
    const [first, second] = entries as [JournalEntry, JournalEntry]
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      route: 'openai-chat',
      scope,
      status: 200,
      model: 'gpt-4o',
      tools: ['get_weather'],
      step: 'user',
      turn: 1,
      rule: { name: 'weather', time: 1 },
      knobs: fast,
      faults: {},
      stream: true,
      outcome: 'complete',
      conversation: [
        { role: 'system', text: 'Be brief.' },
        { role: 'user', text: 'weather in Paris?' },
      ],
    })
    expect(first.bytes).toBeGreaterThan(100)
    expect(first.frames).toBeGreaterThan(3)
    expect(first.scheduled).toEqual({ headers_ms: 0, first_byte_ms: 0, first_text_ms: 0, end_ms: expect.any(Number) })
    expect(first.ended_ms).toBeGreaterThanOrEqual(0)
    expect(second).toMatchObject({ step: 'tool_results', rule: { name: 'report', time: 1 }, outcome: 'complete' })
    expect(second.conversation?.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }],
    })
    expect(second.conversation?.at(-1)).toMatchObject({
      role: 'tool',
      results: [{ name: 'get_weather', content: '{"temp":21}', is_error: false }],
    })
    expect(second.at).toBeGreaterThanOrEqual(first.at)
  })

  it('records refused requests, faults and a client that left; filters by route, scope and since; clears', async () => {
    const scope = 'journal-misc'
    const headers = { 'content-type': 'application/json', 'x-tokensim-scope': scope }
    const since = Date.now()
    const bad = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers, body: '{"model":"x"}' })
    expect(bad.status).toBe(400)
    // A stream whose client leaves after its first bytes.
    const abort = new AbortController()
    const slow = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'x-tokensim-delay': '50', 'x-tokensim-fault': 'stall-after:2:100' },
      body: JSON.stringify({ model: 'tokensim-fast', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: abort.signal,
    })
    await slow.body!.getReader().read()
    abort.abort()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await fetch(`${server.url}/stream?text=hi&delay=0&ttft=0`, { headers: { 'x-tokensim-scope': scope } }).then((r) => r.text())

    const entries = await journal(server.url, `?scope=${scope}&since=${since}`)
    expect(entries.map((e) => [e.route, e.status])).toEqual([
      ['anthropic-messages', 400],
      ['openai-chat', 200],
      ['stream', 200],
    ])
    expect(entries[1]).toMatchObject({ outcome: 'stopped', faults: { 'x-tokensim-fault': 'stall-after:2:100' }, model: 'tokensim-fast' })
    expect(entries[2]).toMatchObject({ outcome: 'complete', knobs: { text: 'hi', delay: '0', ttft: '0' } })
    expect(await journal(server.url, `?scope=${scope}&route=stream`)).toHaveLength(1)
    expect(await journal(server.url, `?scope=${scope}&since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([])

    const bad400 = await fetch(`${server.url}/journal?since=yesterday`)
    expect(bad400.status).toBe(400)
    expect(await bad400.json()).toMatchObject({ error: { param: 'since' } })

    const cleared = await fetch(`${server.url}/journal?scope=${scope}`, { method: 'DELETE' })
    expect(await cleared.json()).toEqual({ cleared: 3 })
    expect(await journal(server.url, `?scope=${scope}`)).toEqual([])
  })

  it('keeps at most --journal entries, the newest, and none with 0', async () => {
    for (const [limit, kept] of [
      [3, 3],
      [0, 0],
    ] as const) {
      const small = await startServer({ journal: limit })
      try {
        for (let i = 0; i < 5; i++) await fetch(`${small.url}/stream?text=${i}&delay=0&ttft=0`).then((r) => r.text())
        const entries = await journal(small.url)
        expect(entries).toHaveLength(kept)
        if (kept > 0) expect(entries.map((e) => e.path === '/stream' && (e.knobs as { text: string }).text)).toEqual(['2', '3', '4'])
      } finally {
        await small.close()
      }
    }
  })
})

describe('/journal with --workers 2', () => {
  it("holds every process's entries", { timeout: 60_000 }, async () => {
    const { url } = await startCli(['--workers', '2'])
    const count = 12
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        fetch(`${url}/stream?text=${i}&delay=0&ttft=0`, { headers: { connection: 'close', 'x-tokensim-scope': 'workers' } }).then((r) =>
          r.text(),
        ),
      ),
    )
    const entries = await journal(url, '?scope=workers')
    expect(entries.map((e) => (e.knobs as { text: string }).text).sort()).toEqual(Array.from({ length: count }, (_, i) => String(i)).sort())
    expect(await (await fetch(`${url}/journal?scope=workers`, { method: 'DELETE' })).json()).toEqual({ cleared: count })
  })
})
