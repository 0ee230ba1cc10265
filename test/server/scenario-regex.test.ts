/**
 * Scenario rules' regular expressions run on a linear-time engine (RE2), through a real socket: a pattern
 * that backtracks for seconds in JavaScript answers within milliseconds, in every place a rule matches text
 * (the user's message, a tool's result, the system prompt); matching still ignores case on Unicode; and what
 * only a backtracking engine runs is refused when the rule is set, naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'

const fast = { 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
/** Takes JavaScript's RegExp 2.8 s on 29 letters and a `!`, and doubles with each letter more. */
const CATASTROPHIC = '^(\\w+\\s?)+\\?$'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({
    scenarios: [
      { name: 'question', match: { matches: CATASTROPHIC }, answers: [{ text: 'A question.' }] },
      { name: 'result', match: { resultMatches: CATASTROPHIC }, answers: [{ text: 'A result.' }] },
      { name: 'system', match: { systemMatches: CATASTROPHIC, after: 'any' }, answers: [{ text: 'A system prompt.' }] },
      { name: 'accents', match: { matches: '^é+\\u00e9$' }, answers: [{ text: 'Accents.' }] },
    ],
  })
})
afterAll(() => server.close())

/** The text of a chat completion, and how long it took to answer. */
async function ask(messages: unknown[]): Promise<{ text: string; ms: number }> {
  const started = performance.now()
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: fast,
    body: JSON.stringify({ model: 'gpt-4o', messages }),
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { choices: { message: { content: string } }[] }
  return { text: body.choices[0]!.message.content, ms: performance.now() - started }
}

const call = { id: 'call_1', type: 'function', function: { name: 'search', arguments: '{}' } }

describe('scenario regular expressions', () => {
  it.each([29, 40, 10_000])(
    'a pattern that backtracks answers within 200 ms on %i letters and a "!"',
    { timeout: 20_000 },
    async (letters) => {
      const hostile = `${'a'.repeat(letters)}!`
      // Warm: the first request compiles the rules' expressions and loads the routes.
      await ask([{ role: 'user', content: 'warm up?' }])
      for (const messages of [
        [{ role: 'user', content: hostile }],
        [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: 'call_1', content: hostile },
        ],
        [
          { role: 'system', content: hostile },
          { role: 'user', content: 'hi' },
        ],
      ]) {
        const { text, ms } = await ask(messages)
        // None of the three rules fits, so the default answer: what matters is how soon.
        expect(text).not.toMatch(/^A (question|result|system prompt)\.$/)
        expect(ms, `${letters} letters`).toBeLessThan(200)
      }
    },
  )

  it('the same rules still match what they should, ignoring case, on Unicode', async () => {
    expect((await ask([{ role: 'user', content: 'IS this A question?' }])).text).toBe('A question.')
    expect((await ask([{ role: 'user', content: 'ÉÉé' }])).text).toBe('Accents.')
    expect(
      (
        await ask([
          { role: 'system', content: 'Why?' },
          { role: 'user', content: 'hi' },
        ])
      ).text,
    ).toBe('A system prompt.')
  })

  it('a rule with a backreference or a lookaround is refused when set, naming the rule', async () => {
    for (const [match, feature] of [
      [{ matches: '(\\w+) \\1' }, /a backreference \(\\1\)/],
      [{ matches: 'a(?!b)' }, /a lookahead \(\(\?!\)/],
    ] as const) {
      const response = await fetch(`${server.url}/scenarios`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-tokensim-scope': 'regex-test' },
        body: JSON.stringify([{ name: 'echoed', match, text: 'x' }]),
      })
      expect(response.status).toBe(400)
      const { error } = (await response.json()) as { error: { message: string } }
      expect(error.message).toMatch(/^PUT \/scenarios: rule "echoed" \(#1\): match\.matches: /)
      expect(error.message).toMatch(feature)
      expect(error.message).toMatch(/linear-time engine \(RE2\), which has no backreferences or lookarounds/)
    }
  })
})
