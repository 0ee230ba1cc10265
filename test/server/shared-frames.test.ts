/**
 * Encode once, play many, on the vendor routes (src/app/shared-frames.ts): an answer asked for again plays
 * from frames encoded once for all its responses, each response's own ids written into them. Through a real
 * socket, the same request three times on every route: the first plays as it is made, the next two from the
 * shared frames; the three bodies are the same byte for byte but for their own ids and times, and no response
 * carries another's ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Deliver } from '../../src/app/deliver.js'
import { deliverNode } from '../../src/node/deliver-node.js'
import { isLazy, isShared } from '../../src/app/encoded-frames.js'
import { createPlanCache } from '../../src/app/plan-cache.js'
import { OwnIds, type Ids } from '../../src/app/response-ids.js'
import { createSharedFrames } from '../../src/app/shared-frames.js'
import { planTurn } from '../../src/core/turn.js'
import type { Answer } from '../../src/core/types.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { TEST_SCENARIOS } from '../helpers/scenarios.js'

/** How each request's frames were played, by its x-test-tag header. */
const played = new Map<string, string>()
const deliver: Deliver = (c, frames, headers, options) => {
  const tag = c.req.header('x-test-tag')
  if (tag !== undefined) played.set(tag, isShared(frames) ? 'shared' : isLazy(frames) ? 'made as it plays' : 'encoded')
  return deliverNode(c, frames, headers, options)
}

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ deliver, scenarios: TEST_SCENARIOS })
})
afterAll(() => server.close())

const fast = { 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const say = (text: string) => [{ role: 'user' as const, content: text }]
const gemini = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] })
const ui = (text: string) => ({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }] })

/** Route, path, body; each asked for a text answer, a tool call (the weather scenario) and reasoning (think). */
const routes: Array<[string, string, (text: string) => unknown]> = [
  [
    'OpenAI chat',
    '/v1/chat/completions',
    (text) => ({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: say(text) }),
  ],
  ['OpenAI Responses', '/v1/responses', (text) => ({ model: 'gpt-4o', stream: true, input: text, temperature: 0.5 })],
  ['Anthropic', '/v1/messages', (text) => ({ model: 'claude-x', max_tokens: 4000, stream: true, messages: say(text) })],
  ['Gemini (SSE)', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', gemini],
  ['Gemini (JSON array)', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', gemini],
  ['AI SDK UI', '/api/chat', ui],
]

/** Each field that is a response's own (an id, a time), its value blanked. */
const OWN_FIELD = /"([A-Za-z_]*(?:id|Id)|created(?:_at)?|completed_at)": ?("[^"]*"|\d+)/g
const blanked = (text: string) => text.replace(OWN_FIELD, '"$1":_')
/** The values of a response's id fields. */
const idsOf = (text: string) => new Set([...text.matchAll(OWN_FIELD)].filter((m) => /id$|Id$/.test(m[1]!)).map((m) => m[2]!))

describe('an answer asked for again plays from frames shared by its responses', { timeout: 30_000 }, () => {
  describe.each(routes)('%s', (name, path, body) => {
    it.each(['hi', 'what is the weather?', 'think first'])(
      '%s: the same bytes but its own ids, from the second response on',
      async (text) => {
        const bodies: string[] = []
        const kinds: string[] = []
        for (let i = 0; i < 3; i++) {
          const tag = `${name} ${text} ${i}`
          const response = await fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { ...fast, 'x-test-tag': tag },
            body: JSON.stringify(body(text)),
          })
          expect(response.status).toBe(200)
          bodies.push(await response.text())
          kinds.push(played.get(tag)!)
        }
        expect(kinds).toEqual(['made as it plays', 'shared', 'shared'])
        expect(blanked(bodies[1]!)).toBe(blanked(bodies[0]!))
        expect(blanked(bodies[2]!)).toBe(blanked(bodies[0]!))
        // Every response has ids, and its own: none of them in another response (the AI SDK's text part ids are
        // numbers, the same in every response: left out).
        const ids = bodies.map((b) => new Set([...idsOf(b)].filter((id) => !/^"\d+"$/.test(id))))
        expect(ids[0]!.size).toBeGreaterThan(0)
        for (const [a, b] of [
          [0, 1],
          [0, 2],
          [1, 2],
        ] as const)
          expect([...ids[a]!].filter((id) => ids[b]!.has(id))).toEqual([])
      },
    )
  })

  it('an id the client gave (an AI SDK continuation, with characters JSON escapes) is written as the client gave it', async () => {
    const request = {
      messages: [
        { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'what is the weather?' }] },
        { id: 'a "quoted" id\\', role: 'assistant', parts: [{ type: 'text', text: 'Looking.' }] },
      ],
    }
    const tags: string[] = []
    for (let i = 0; i < 3; i++) {
      const tag = `given ${i}`
      const response = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { ...fast, 'x-test-tag': tag },
        body: JSON.stringify(request),
      })
      const chunks = (await response.text())
        .split('\n\n')
        .flatMap((event) => (event.startsWith('data: {') ? [JSON.parse(event.slice(6))] : []))
      expect(chunks.find((chunk) => chunk.type === 'start')).toMatchObject({ messageId: 'a "quoted" id\\' })
      tags.push(played.get(tag)!)
    }
    expect(tags.at(-1)).toBe('shared')
  })

  it('an answer with thinking shares its frames too: each response its own signature, made from its own id', async () => {
    const request = {
      model: 'claude-x',
      max_tokens: 4000,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: say('think first'),
    }
    const kinds: string[] = []
    const signatures = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const tag = `thinking ${i}`
      const response = await fetch(`${server.url}/v1/messages`, {
        method: 'POST',
        headers: { ...fast, 'x-test-tag': tag },
        body: JSON.stringify(request),
      })
      const text = await response.text()
      const id = /"id":"msg_([A-Za-z0-9]+)"/.exec(text)![1]!
      const found = [...text.matchAll(/"signature":"([^"]+)"/g)].map((match) => match[1]!)
      // one signature, in the closing signature_delta, the API's alphabet, this response's id inside it
      expect(found).toHaveLength(1)
      expect(found[0]).toMatch(/^Eq[A-Za-z0-9+/=]+$/)
      expect(found[0]).toContain(id)
      signatures.add(found[0]!)
      kinds.push(played.get(tag)!)
    }
    expect(kinds).toEqual(['made as it plays', 'shared', 'shared'])
    expect(signatures.size).toBe(3)
  })

  it.each(routes)(
    '%s: prompts of other lengths for the same reply share its frames, each with its own token counts',
    async (name, path, body) => {
      // A load test's prompts are its own, and so are their token counts: the same reply (pinned by its header)
      // for three prompts, each against a server that has not seen it (made as it plays) and one that has
      // played the reply for another prompt (shared).
      const prompts = ['count me', `count me ${'and again '.repeat(20)}`, `count me ${'and again '.repeat(300)}`]
      const post = (url: string, prompt: string, tag: string) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { ...fast, 'x-tokensim-reply': 'markdown', 'x-test-tag': tag },
          body: JSON.stringify(body(prompt)),
        }).then((response) => response.text())
      const shared: string[] = []
      const alone: string[] = []
      for (const [i, prompt] of prompts.entries()) {
        shared.push(await post(server.url, prompt, `${name} counts ${i}`))
        const fresh = await startServer({ deliver, scenarios: TEST_SCENARIOS })
        try {
          alone.push(await post(fresh.url, prompt, `${name} counts alone ${i}`))
        } finally {
          await fresh.close()
        }
        expect(played.get(`${name} counts alone ${i}`)).toBe('made as it plays')
      }
      expect(prompts.map((_, i) => played.get(`${name} counts ${i}`))).toEqual(['made as it plays', 'shared', 'shared'])
      // Byte for byte what the prompt's own response made as it plays is, ids and times aside: every count too.
      for (const i of [0, 1, 2]) expect(blanked(shared[i]!)).toBe(blanked(alone[i]!))
      // The counts differ from prompt to prompt (else this would not tell a shared count from its own).
      expect(new Set(shared.map(blanked)).size).toBe(3)
    },
  )

  it("a resumed AI SDK chat plays the answer's shared frames, the same bytes as its first stream, message id and all", async () => {
    const slow = { ...fast, 'x-tokensim-delay': '20', 'x-tokensim-reply': 'greeting' }
    const body = JSON.stringify({ id: 'resume-shared', ...ui('resume me') })
    const first = fetch(`${server.url}/api/chat`, { method: 'POST', headers: { ...slow, 'x-test-tag': 'resume first' }, body })
    const whole = (await first).text()
    const resumed = await fetch(`${server.url}/api/chat/resume-shared/stream`, { headers: { 'x-test-tag': 'resume again' } })
    expect(resumed.status).toBe(200)
    const again = await resumed.text()
    expect([played.get('resume first'), played.get('resume again')]).toEqual(['made as it plays', 'shared'])
    expect(again).toBe(await whole)
    expect(again).toContain('"type":"finish"')
  })

  it('a faulted request is encoded for itself, and the next plain one still plays the shared frames', async () => {
    const post = (tag: string, fault?: string) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...fast, 'x-test-tag': tag, ...(fault === undefined ? {} : { 'x-tokensim-fault': fault }) },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: say('fault me') }),
      }).then((r) => r.text())
    const plain = await post('plain 1')
    await post('plain 2')
    const faulted = await post('faulted', 'error-after:3')
    const again = await post('plain 3')
    expect([played.get('plain 1'), played.get('plain 2'), played.get('faulted'), played.get('plain 3')]).toEqual([
      'made as it plays',
      'shared',
      'encoded',
      'shared',
    ])
    expect(faulted).toContain('tokensim: injected error after unit 3')
    expect(blanked(again)).toBe(blanked(plain))
  })
})

describe('the shared frames cache', () => {
  it('counts what its keys hold against its bound: options as large as a request may send do not pile up', async () => {
    const answer: Answer = { parts: [{ kind: 'text', text: 'Hello there, general Kenobi.' }] }
    const timing = { ttft: 0, delay: 0, jitter: 0 }
    const plan = await createPlanCache().get(answer, 'knobs', 0, () =>
      Promise.resolve(planTurn(answer, { unit: 'word', timing, seed: 1, chunk: 1, inputTokens: 0 })),
    )
    const frames = function* () {
      yield { at: 0, text: 'data: {}\n\n' }
    }
    const ask = (cache: ReturnType<typeof createSharedFrames>, echo: string) => {
      const optionsOf = (ids: Ids) => ({ id: ids.id('x_', 20), echo })
      const ids = new OwnIds()
      return cache.get({ format: 'test', plan, options: optionsOf(ids), ids, optionsOf, encode: frames })
    }
    // Ten answers whose options hold 500 characters each (a key of about a kilobyte): a 4 KB bound keeps three.
    const bounded = createSharedFrames({ entries: 100, bytes: 4000 })
    const unbounded = createSharedFrames({ entries: 100, bytes: 64 * 1024 * 1024 })
    for (let i = 0; i < 10; i++) {
      const echo = String(i).repeat(500)
      expect(await ask(bounded, echo)).toBeUndefined()
      expect(await ask(unbounded, echo)).toBeUndefined()
    }
    expect(bounded.size).toBe(3)
    expect(unbounded.size).toBe(10)
  })
})
