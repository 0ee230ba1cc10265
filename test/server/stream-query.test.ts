/**
 * GET /stream's query and Last-Event-ID as an unusual client sends them: text that is not percent-encoded UTF-8,
 * a parameter given twice, an empty Last-Event-ID, numbers out of range or past Infinity, and non-ASCII values
 * in a knob header. Each is a clear 400 naming the parameter, with what was sent, or (an empty Last-Event-ID)
 * no id at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'
import { readSse } from '../helpers/sse.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

const get = (query: string, headers: Record<string, string> = {}) => fetch(`${server.url}/stream?${query}`, { headers })

async function refusal(response: Response): Promise<{ message: string; param: string | null }> {
  expect(response.status).toBe(400)
  return ((await response.json()) as { error: { message: string; param: string | null } }).error
}

describe('GET /stream reads its query strictly', () => {
  it.each(['text=%FF%FEab', 'text=ab%C3', 'text=%E2%82', 'text=%ED%A0%80'])('%s (not UTF-8) is a 400 naming text', async (query) => {
    const error = await refusal(await get(`${query}&delay=0&ttft=0`))
    expect(error.param).toBe('text')
    expect(error.message).toMatch(/^text is not percent-encoded UTF-8 \(got "/)
  })

  it('valid UTF-8 text, + as a space and an escaped % still stream as they say', async () => {
    const response = await get(`text=${encodeURIComponent('héllo 😀 100%')}+x&delay=0&ttft=0`)
    const { events } = await readSse(response)
    const text = events
      .filter((e) => e.event === 'token')
      .map((e) => (JSON.parse(e.data) as { text: string }).text)
      .join('')
    expect(text).toBe('héllo 😀 100% x')
  })

  it.each([
    ['delay=0&delay=5000', 'delay'],
    ['text=a&text=b', 'text'],
    ['fault=stall-after:1:10&fault=status:503', 'fault'],
  ])('%s: a parameter given twice is a 400 naming it', async (query, param) => {
    const error = await refusal(await get(query))
    expect(error.param).toBe(param)
    expect(error.message).toBe(`${param} is given more than once; give it once`)
  })

  it('an empty Last-Event-ID is no id: the stream starts from the beginning', async () => {
    for (const value of ['', '  ']) {
      const response = await get('text=abc&delay=0&ttft=0', { 'last-event-id': value })
      expect(response.status).toBe(200)
      const { events } = await readSse(response)
      expect(events.find((e) => e.event === 'token')?.id).toBe('0')
    }
  })

  it('a number out of range is echoed as sent, not as what it parsed to', async () => {
    const huge = `1${'0'.repeat(400)}`
    const error = await refusal(await get(`delay=${huge}`))
    expect(error.message).toMatch(/^delay must be a number of ms between units from 0 to 60000; got 1000000000/)
    expect(error.message).not.toMatch(/Infinity/)
    expect(error.message.length).toBeLessThan(200)
    expect((await refusal(await get('seed=99999999999999999999'))).message).toMatch(/got 99999999999999999999$/)
    expect((await refusal(await get('delay=70000'))).message).toMatch(/got 70000$/)
  })

  it('a non-ASCII value in a knob header is shown as the client wrote it, in the query as in a header', async () => {
    expect((await refusal(await get('unit=%C3%BC'))).message).toMatch(/got "ü"$/)
    // Sent as UTF-8 bytes, which node:http reads as latin1.
    const response = await fetch(`${server.url}/stream`, { headers: { 'x-tokensim-unit': Buffer.from('ü∞', 'utf8').toString('latin1') } })
    const error = await refusal(response)
    expect(error.param).toBe('x-tokensim-unit')
    expect(error.message).toMatch(/got "ü∞"$/)
  })

  it.each([
    ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }],
  ])('%s: a UTF-8 knob header is shown as written in the message', async (path, body) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tokensim-unit': Buffer.from('ü∞', 'utf8').toString('latin1') },
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(400)
    expect(JSON.stringify(await response.json())).toMatch(/x-tokensim-unit: unit must be one of char, word, token; got \\"ü∞\\"/)
  })
})

describe('every route reads its query as strictly, in its own shape', () => {
  it("Gemini: alt given twice is a 400 in Google's shape naming it", async () => {
    const response = await fetch(`${server.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&alt=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 400, message: 'alt is given more than once; give it once' } })
  })

  it('GET /replies?x=%FF is a 400 naming x', async () => {
    const error = await refusal(await fetch(`${server.url}/replies?x=%FF`))
    expect(error.param).toBe('x')
    expect(error.message).toMatch(/^x is not percent-encoded UTF-8/)
  })
})
