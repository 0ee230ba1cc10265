/**
 * The split fault: each frame in several writes, cut inside multi-byte characters and `data:` lines. First
 * splitFrames and the player that keeps the pieces apart; then through real sockets on every route: a client
 * that decodes each network chunk on its own shows U+FFFD, a streaming decoder and the openai SDK get the text
 * whole, and the bytes joined are the unsplit stream's.
 */
import { connect } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planStream } from '../../src/core/stream-plan.js'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { createApp } from '../../src/app/app.js'
import type { Clock, Timer } from '../../src/app/clock.js'
import { encodeFrames, splitFrames, toBytes, type EncodedFrames } from '../../src/app/encoded-frames.js'
import { startPlaying } from '../../src/app/player.js'
import { createStreamRegistry } from '../../src/app/streams.js'
import { encodeNative } from '../../src/wire/native.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { chunks, readSse } from '../helpers/sse.js'

const multilingual = BUILTIN_REPLIES.find((reply) => reply.name === 'multilingual')!.text
const words = split(multilingual, 'word')
const native = (delay: number) =>
  encodeFrames(
    encodeNative(planStream(words, { unit: 'word', timing: { ttft: 0, delay, jitter: 0 }, seed: 0, chunk: 1, after: -1 }), { retry: 1000 }),
  )
const joined = (parts: readonly Uint8Array[]) => Buffer.concat(parts)
/** Where each piece (or frame) starts in the bytes joined, and where the last one ends. */
const offsets = (parts: readonly Uint8Array[]) => {
  const at = [0]
  for (const part of parts) at.push(at.at(-1)! + part.length)
  return at
}
const continuation = (byte: number | undefined) => byte !== undefined && (byte & 0xc0) === 0x80

describe('splitFrames', () => {
  it('cuts every frame, one with multi-byte text inside a character; joined, the pieces are the frames byte for byte', () => {
    const frames = native(0)
    const pieces = splitFrames(frames, 4)
    expect(joined(pieces.bytes).equals(joined(frames.bytes))).toBe(true)
    expect(pieces).toMatchObject({ apart: true, size: frames.size })
    const all = joined(frames.bytes)
    const cuts = new Set(offsets(pieces.bytes))
    const bounds = offsets(frames.bytes)
    let multiByte = 0
    frames.bytes.forEach((frame, i) => {
      const inside = [...cuts].filter((at) => at > bounds[i]! && at < bounds[i + 1]!)
      if (frame.length > 1) expect(inside.length).toBeGreaterThanOrEqual(1)
      expect(inside.length).toBeLessThanOrEqual(3)
      if (frame.some((byte) => byte >= 0x80)) {
        multiByte++
        expect(inside.some((at) => continuation(all[at]))).toBe(true)
      }
    })
    expect(multiByte).toBeGreaterThan(20)
  })

  it('spaces the pieces of frames due together 1 ms apart, and keeps the timing of frames further apart than that', () => {
    const together = splitFrames(native(0), 3)
    together.at.slice(1).forEach((at, i) => expect(at).toBe(together.at[i]! + 1))
    const apart = native(20)
    const pieces = splitFrames(apart, 3)
    const bounds = offsets(apart.bytes)
    offsets(pieces.bytes)
      .slice(0, -1)
      .forEach((start, j) => {
        const frame = bounds.findLastIndex((at) => at <= start)
        expect(pieces.at[j]).toBeGreaterThanOrEqual(apart.at[frame]!)
        expect(pieces.at[j]).toBeLessThan(apart.at[frame]! + 20) // before the next frame is due
      })
    expect(splitFrames(apart, 3)).toEqual(pieces) // seeded: the same stream is cut the same way
  })

  it("with coalesce, cuts the frames due at one moment as one write, so a proxy's burst stays a burst", () => {
    const bursts: EncodedFrames = { ...native(0), at: native(0).at.map((_, i) => 100 * Math.floor(i / 10)) }
    const pieces = splitFrames(bursts, 4, true)
    expect(joined(pieces.bytes).equals(joined(bursts.bytes))).toBe(true)
    const moments = new Set(bursts.at).size
    expect(pieces.bytes.length).toBeGreaterThanOrEqual(2 * moments)
    expect(pieces.bytes.length).toBeLessThanOrEqual(4 * moments)
  })

  it('keeps the moment the headers go out, and a failure inside tokensim mid-frame finishes the frame before its error', () => {
    const error = (sent: number) => toBytes(`event: error\ndata: {"sent":${sent}}\n\n`)
    const frames: EncodedFrames = { ...native(0), headersAt: 40, fail: error }
    const pieces = splitFrames(frames, 4)
    expect(pieces.headersAt).toBe(40)
    const bounds = offsets(frames.bytes)
    const cuts = offsets(pieces.bytes)
    for (let sent = 0; sent < pieces.bytes.length; sent++) {
      // What a client has once the error is out: the frames whole up to the one the failure fell in, then the error.
      const whole = bounds.findIndex((at) => at >= cuts[sent]!)
      const seen = joined([...pieces.bytes.slice(0, sent), pieces.fail!(sent)])
      expect(seen.equals(joined([...frames.bytes.slice(0, whole), error(whole)]))).toBe(true)
    }
  })
})

describe('the player of a split stream', () => {
  /** A clock whose ticks come `late` ms after they are due, so that several pieces are due at each. */
  function lateClock(late: number) {
    let time = 0
    const due = new Map<Timer, number>()
    const clock: Clock = {
      now: () => time,
      schedule: (timer, at) => void due.set(timer, at),
      cancel: (timer) => void due.delete(timer),
      get pending() {
        return due.size
      },
    }
    const runAll = (): void => {
      while (due.size > 0) {
        const [timer, at] = [...due].reduce((a, b) => (b[1] < a[1] ? b : a))
        due.delete(timer)
        time = Math.max(time, at) + late
        timer.run()
      }
    }
    return { clock, runAll }
  }

  function play(frames: EncodedFrames) {
    const { clock, runAll } = lateClock(5)
    const writes: { at: number; entries: number }[] = []
    let ended = false
    startPlaying(
      frames,
      {
        write: (_, from, to) => (writes.push({ at: clock.now(), entries: to - from }), true),
        onDrain: () => {},
        end: () => (ended = true),
      },
      { clock, registry: createStreamRegistry(), heartbeat: 15_000 },
    )
    runAll()
    expect(ended).toBe(true)
    return writes
  }

  it('writes one piece a write, each in a tick of its own, even when its ticks come late', () => {
    const pieces = splitFrames(native(0), 4)
    const writes = play(pieces)
    expect(writes).toHaveLength(pieces.bytes.length)
    expect(writes.every((write) => write.entries === 1)).toBe(true)
    writes.slice(1).forEach((write, i) => expect(write.at).toBeGreaterThan(writes[i]!.at))
  })

  it('where any other stream sends what is due in one write, which would join the pieces again', () => {
    const { apart: _, ...joinedAgain } = splitFrames(native(0), 4)
    expect(play(joinedAgain).length).toBeLessThan(joinedAgain.bytes.length / 2)
  })
})

// A split stream of the whole multilingual reply takes a second or so: a millisecond or two a piece.
describe('split through real sockets', { timeout: 20_000 }, () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(() => server.close())

  const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0', 'x-tokensim-reply': 'multilingual', 'x-tokensim-chunk': '4' }
  /** A body's chunks, as its socket delivered them. */
  const bodyChunks = async (response: Response): Promise<Uint8Array[]> => {
    expect(response.status).toBe(200)
    const out: Uint8Array[] = []
    for await (const chunk of chunks(response.body!)) out.push(chunk)
    return out
  }
  /** The usual bug: each chunk decoded as if it were the whole text. */
  const naive = (parts: readonly Uint8Array[]) => parts.map((chunk) => new TextDecoder().decode(chunk)).join('')
  const streaming = (parts: readonly Uint8Array[]) => {
    const decoder = new TextDecoder()
    return parts.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode()
  }

  describe('GET /stream', () => {
    const url = (fault: string) => `${server.url}/stream?reply=multilingual&unit=word&delay=0&ttft=0&seed=5&fault=${fault}`

    it('a client decoding each chunk on its own shows U+FFFD; a streaming one gets the text; the bytes are the unsplit stream', async () => {
      const plain = await bodyChunks(await fetch(url('')))
      const pieces = await bodyChunks(await fetch(url('split')))
      expect(joined(pieces).equals(joined(plain))).toBe(true)
      expect(pieces.length).toBeGreaterThan(2 * words.length)
      expect(naive(pieces)).toContain('\uFFFD')
      expect(streaming(pieces)).toBe(streaming(plain))
      expect(streaming(pieces)).not.toContain('\uFFFD')
      expect((await readSse(await fetch(url('split:3')))).text).toBe(multilingual)
    })

    it('together with the other faults: the stall still comes after unit N, the error after unit M', async () => {
      const started = performance.now()
      const arrivals: number[] = []
      const parts: Uint8Array[] = []
      for await (const chunk of chunks((await fetch(url('stall-after:3:600,split,error-after:8'))).body!)) {
        parts.push(chunk)
        arrivals.push(performance.now() - started)
      }
      const read = await readSse(new Response(joined(parts)))
      expect(read.text).toBe(words.slice(0, 9).join(''))
      expect(read.events.at(-1)).toMatchObject({ event: 'error' })
      const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
      // The stall ends 600 ms after unit 3 was due; the pieces before it come a little later than 1 ms apart.
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(400)
      const unsplit = await bodyChunks(await fetch(url('stall-after:3:600,error-after:8')))
      expect(joined(parts).equals(joined(unsplit))).toBe(true)
    })
  })

  const ask = [{ role: 'user' as const, content: 'hi' }]
  const routes: [string, string, unknown][] = [
    ['OpenAI chat', '/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: ask }],
    ['OpenAI Responses', '/v1/responses', { model: 'gpt-4o', stream: true, input: 'hi' }],
    ['Anthropic', '/v1/messages', { model: 'claude-x', max_tokens: 4000, stream: true, messages: ask }],
    ['Gemini', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }],
    ['AI SDK UI', '/api/chat', { messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }],
  ]
  /** A response's text with what differs between two responses (ids, creation times, Responses' random padding) blanked. */
  const sameButIds = (text: string) => text.replace(/"([A-Za-z_]*(?:id|Id)|created(?:_at)?|obfuscation)": ?(?:"[^"]*"|\d+)/g, '"$1":_')

  it.each(routes)('%s: U+FFFD for a client decoding each chunk, the same text for a streaming decoder', async (_, path, body) => {
    const post = (fault: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...fast, 'x-tokensim-fault': fault },
        body: JSON.stringify(body),
      })
    const plain = streaming(await bodyChunks(await post('')))
    const pieces = await bodyChunks(await post('split'))
    expect(naive(pieces)).toContain('\uFFFD')
    expect(sameButIds(streaming(pieces))).toBe(sameButIds(plain))
    expect(plain).toContain('你好')
  })

  it('the openai SDK decodes the stream as a stream: the text arrives whole, and an error after unit N still throws', async () => {
    const openai = (fault: string) =>
      new OpenAI({
        baseURL: `${server.url}/v1`,
        apiKey: 'any',
        maxRetries: 0,
        defaultHeaders: { ...fast, 'x-tokensim-fault': fault },
      })
    let text = ''
    const stream = await openai('split').chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true })
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe(multilingual)

    const failing = await openai('split:8,error-after:5').chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true })
    const error = await (async () => {
      for await (const chunk of failing) void chunk
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toMatch(/injected error after unit 5/)
  })

  it('the web-streams delivery (app.request(), as on Workers) keeps the pieces apart too', async () => {
    const response = await createApp().request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...fast, 'x-tokensim-fault': 'split:2' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: ask }),
    })
    const parts = await bodyChunks(response)
    const events = streaming(parts).split('\n\n').length - 1
    expect(parts.length).toBe(2 * events)
    expect(naive(parts)).toContain('\uFFFD')
  })

  it('each piece reaches a socket client as a read of its own', async () => {
    const { port } = new URL(server.url)
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: ask })
    const reads = await new Promise<Buffer[]>((resolve, reject) => {
      const out: Buffer[] = []
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nhost: tokensim\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
            `${Object.entries({ ...fast, 'x-tokensim-fault': 'split:2' })
              .map(([name, value]) => `${name}: ${value}\r\n`)
              .join('')}\r\n${body}`,
        ),
      )
      socket
        .on('data', (data: Buffer) => out.push(data))
        .on('close', () => resolve(out))
        .on('error', reject)
    })
    const response = joined(reads).toString('utf8')
    const events = response.slice(response.indexOf('\r\n\r\n') + 4).split('\n\n').length - 1
    // split:2 cuts every frame (one event each) in two; the head goes out with the first piece.
    expect(reads.length).toBe(2 * events)
    expect(naive(reads)).toContain('\uFFFD')
  })
})
