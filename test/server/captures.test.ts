/**
 * Replaying captures (--captures): GET /captures and /captures/NAME, x-tokensim-capture on the recorded endpoint,
 * capture= on /stream, speed and gap; the exact bytes through app.request and the real server, the schedule of
 * frames from the recorded t (read off the frames handed to the player, not the wall clock), one wall-clock
 * check, and the openai SDK reading a replayed OpenAI capture.
 */
import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCapture } from '../../src/core/capture.js'
import type { NamedCapture } from '../../src/core/captured-stream.js'
import { createApp } from '../../src/app/app.js'
import { loadCaptures } from '../../src/node/captures-file.js'
import { deliverWebStream, type Deliver } from '../../src/app/deliver.js'
import { isShifted, type EncodedFrames } from '../../src/app/encoded-frames.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { parseInPieces } from '../helpers/sse.js'

const FIXTURES = new URL('../fixtures/captures/', import.meta.url)
const captures = loadCaptures(fileURLToPath(FIXTURES))
const byName = (name: string): NamedCapture => captures.find((c) => c.name === name)!
const bytesOf = (capture: NamedCapture): string => capture.reads.map((r) => r.data).join('')
const untimed: NamedCapture = { ...parseCapture('data: one\n\ndata: two\n\ndata: three\n\n'), name: 'plain' }
const refused: NamedCapture = {
  ...parseCapture(
    `{"tokensim_capture":1,"status":429,"content_type":"application/json","method":"GET","path":"/stream"}\n{"t":3,"data":"{\\"error\\":1}"}\n`,
  ),
  name: 'refused',
}
const all = [...captures, untimed, refused]

/** An app whose deliver keeps the frames handed to the player (and still streams them). */
function recordingApp(): { app: ReturnType<typeof createApp>; played: EncodedFrames[] } {
  const played: EncodedFrames[] = []
  const deliver: Deliver = (c, frames, headers, options) => {
    if (!isShifted(frames)) played.push(frames)
    return deliverWebStream(c, frames, headers, options)
  }
  return { app: createApp({ captures: all, deliver }), played }
}

const CHAT_BODY = JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'hi' }] })

describe('GET /captures', () => {
  it('lists each capture: name, where it was recorded from, events, duration', async () => {
    const response = await createApp({ captures: all }).request('/captures')
    const { captures: listed } = (await response.json()) as { captures: Record<string, unknown>[] }
    expect(listed.map((c) => c['name'])).toEqual(['anthropic-thinking', 'native-flaky', 'openai-chat-markdown', 'plain', 'refused'])
    expect(listed[1]).toMatchObject({
      method: 'GET',
      path: '/stream?reply=greeting&unit=word&profile=flaky&seed=2',
      status: 200,
      events: 35,
      timed: true,
    })
    expect(listed[1]!['duration_ms']).toBe(byName('native-flaky').reads.at(-1)!.t)
    expect(listed[3]).toMatchObject({ method: null, path: null, events: 3, duration_ms: null, timed: false })
  })
})

describe('replay in process', () => {
  it.each(['native-flaky', 'anthropic-thinking', 'openai-chat-markdown'])(
    '/captures/%s: the exact bytes, each read at t / speed',
    async (name) => {
      const { app, played } = recordingApp()
      const capture = byName(name)
      const response = await app.request(`/captures/${name}?speed=1000`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(capture.contentType)
      expect(await response.text()).toBe(bytesOf(capture))
      expect(played[0]!.at).toEqual(capture.reads.map((r) => r.t / 1000))
    },
  )

  it('x-tokensim-capture on the recorded endpoint, scaled by x-tokensim-speed', async () => {
    const { app, played } = recordingApp()
    const capture = byName('anthropic-thinking')
    const response = await app.request('/v1/messages', {
      method: 'POST',
      headers: { 'x-tokensim-capture': 'anthropic-thinking', 'x-tokensim-speed': '2' },
      body: '{}',
    })
    expect(await response.text()).toBe(bytesOf(capture))
    expect(played[0]!.at).toEqual(capture.reads.map((r) => r.t / 2))
  })

  it('capture= and speed= on /stream (the query is the only way EventSource has)', async () => {
    const { app, played } = recordingApp()
    const capture = byName('native-flaky')
    const response = await app.request('/stream?capture=native-flaky&speed=50')
    expect(await response.text()).toBe(bytesOf(capture))
    expect(played[0]!.at).toEqual(capture.reads.map((r) => r.t / 50))
    const events = parseInPieces(bytesOf(capture))
    expect(events.at(-1)?.event).toBe('done')
  })

  it('an untimed SSE file: one event each gap (default 30 ms), on any route', async () => {
    const { app, played } = recordingApp()
    expect(await (await app.request('/captures/plain')).text()).toBe(bytesOf(untimed))
    const chat = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-tokensim-capture': 'plain', 'x-tokensim-gap': '100', 'x-tokensim-speed': '4' },
      body: CHAT_BODY,
    })
    expect(await chat.text()).toBe(bytesOf(untimed))
    expect(played.map((f) => f.at)).toEqual([
      [0, 30, 60],
      [0, 25, 50],
    ])
  })

  it('a recorded error is answered at once with its status', async () => {
    const response = await createApp({ captures: all }).request('/captures/refused')
    expect(response.status).toBe(429)
    expect(await response.text()).toBe('{"error":1}')
  })

  it('without the header, the route answers as always', async () => {
    const response = await createApp({ captures: all }).request('/v1/chat/completions', {
      method: 'POST',
      body: CHAT_BODY.replace('true', 'false'),
    })
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion')
  })

  const refusals: ReadonlyArray<readonly [string, string, RequestInit, number, string, RegExp]> = [
    [
      'an unknown capture',
      '/v1/chat/completions',
      { method: 'POST', headers: { 'x-tokensim-capture': 'nope' } },
      404,
      'x-tokensim-capture',
      /no capture named "nope"; the captures are: anthropic-thinking, /,
    ],
    [
      'another endpoint',
      '/v1/chat/completions',
      { method: 'POST', headers: { 'x-tokensim-capture': 'anthropic-thinking' } },
      400,
      'x-tokensim-capture',
      /recorded from POST \/v1\/messages, not POST \/v1\/chat\/completions/,
    ],
    [
      'speed 0',
      '/captures/plain',
      { headers: { 'x-tokensim-speed': '0' } },
      400,
      'x-tokensim-speed',
      /x-tokensim-speed: speed must be .* from 0.01 to 1000; got "0"/,
    ],
    ['speed=fast', '/stream?capture=plain&speed=fast', {}, 400, 'speed', /^speed: speed must be/],
    ['gap -1', '/captures/plain', { headers: { 'x-tokensim-gap': '-1' } }, 400, 'x-tokensim-gap', /from 0 to 60000; got "-1"/],
    ['an unknown /captures/NAME', '/captures/nope', {}, 404, 'name', /no capture named "nope"/],
  ]
  it.each(refusals)('refuses %s, naming the header or parameter', async (_, path, init, status, param, message) => {
    const response = await createApp({ captures: all }).request(path, init)
    expect(response.status).toBe(status)
    const { error } = (await response.json()) as { error: { message: string; param: string } }
    expect(error.param).toBe(param)
    expect(error.message).toMatch(message)
  })
})

describe('replay on the real server', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ captures: all })
  })
  afterAll(() => server.close())

  it('streams the exact bytes with the recorded timing, scaled (wall clock, generous bounds)', async () => {
    const capture = byName('native-flaky')
    const duration = capture.reads.at(-1)!.t
    const started = performance.now()
    const response = await fetch(`${server.url}/captures/native-flaky`, { headers: { 'x-tokensim-speed': '4' } })
    const body = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const arrivals: number[] = []
    for (;;) {
      const { done, value } = await body.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      arrivals.push(performance.now() - started)
    }
    expect(text).toBe(bytesOf(capture))
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(duration / 4 - 20)
    expect(elapsed).toBeLessThan(duration / 4 + 3000)
    // The recorded stalls (2 s and 3.5 s, so 0.5 s and 0.9 s at speed 4) show up as silences on the wire.
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
    expect(Math.max(...gaps)).toBeGreaterThan(700)
  })

  it('the openai SDK reads a replayed OpenAI capture and gets the recorded text', async () => {
    const capture = byName('openai-chat-markdown')
    const recorded = parseInPieces(bytesOf(capture))
      .filter((e) => e.data !== '[DONE]')
      .map((e) => (JSON.parse(e.data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '')
      .join('')
    expect(recorded.length).toBeGreaterThan(500)
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any' })
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-tokensim-capture': 'openai-chat-markdown', 'x-tokensim-speed': '100' } },
    )
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      usage ??= chunk.usage ?? undefined
    }
    expect(text).toBe(recorded)
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) })
  })
})
