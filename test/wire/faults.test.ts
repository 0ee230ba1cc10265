/**
 * applyFaults on real encoded streams: silences after a unit, a cut with the format's error, and a drop; and
 * splitPoints, where the split fault cuts a frame's bytes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseFaults, planFaults } from '../../src/core/faults.js'
import { planStream } from '../../src/core/stream-plan.js'
import { createRandom } from '../../src/core/random.js'
import { planTurn } from '../../src/core/turn.js'
import { applyFaults, splitPoints } from '../../src/wire/fault-frames.js'
import { encodeNative, nativeStreamError } from '../../src/wire/native.js'
import { encodeOpenAIChat } from '../../src/wire/openai-chat.js'
import { parseInPieces } from '../helpers/sse.js'

const timing = { ttft: 100, delay: 10, jitter: 0 }
const native = (after = -1) =>
  encodeNative(planStream(['a', 'b', 'c', 'd', 'e'], { unit: 'char', timing, seed: 0, chunk: 1, after }), { retry: 1000 })
const faults = (spec: string, after = -1) => planFaults(parseFaults(spec, 'fault'), after)
const error = () => nativeStreamError('boom')

describe('applyFaults', () => {
  it('changes nothing without faults', () => {
    expect(applyFaults(native(), faults(''), error)).toEqual(native())
  })

  it('delays every frame after the one carrying unit N by the stall', () => {
    const frames = applyFaults(native(), faults('stall-after:1:500'), error)
    expect(frames.map((f) => f.at)).toEqual([0, 100, 110, 620, 630, 640, 640])
  })

  it("after unit N sends the format's error when the next unit was due, and nothing after it", () => {
    const frames = applyFaults(native(), faults('error-after:2'), error)
    const events = parseInPieces(frames)
    expect(events.map((e) => [e.id, e.event])).toEqual([
      ['0', 'token'],
      ['1', 'token'],
      ['2', 'token'],
      [undefined, 'error'],
    ])
    expect(frames.at(-1)?.at).toBe(130)
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ message: 'boom', code: 'injected_fault' })
  })

  it('after unit N drops the connection: no end marker, no error, the close when the next unit was due', () => {
    const chat = encodeOpenAIChat(
      planTurn({ parts: [{ kind: 'text', text: 'one two three' }] }, { unit: 'word', timing, seed: 0, chunk: 1, inputTokens: 1 }),
      {
        id: 'x',
        created: 0,
        model: 'm',
        includeUsage: false,
      },
    )
    const frames = applyFaults(chat, faults('drop-after:1'), error)
    expect(frames.at(-1)).toEqual({ at: chat[3]!.at, text: '' })
    const text = frames.map((f) => f.text).join('')
    expect(text).toContain('"content":"two "')
    expect(text).not.toContain('three')
    expect(text).not.toContain('[DONE]')
  })

  it('leaves a stream alone when the answer ends before unit N, and a resumed stream past N', () => {
    expect(applyFaults(native(), faults('drop-after:99'), error)).toEqual(native())
    expect(applyFaults(native(2), faults('drop-after:2', 2), error)).toEqual(native(2))
    expect(applyFaults(native(2), faults('drop-after:3', 2), error)).toHaveLength(3) // retry, unit 3, the close
  })

  it('coalesce moves every frame to the next of irregular flush moments about MS apart, never earlier', () => {
    const long = encodeNative(planStream([...'abcdefghijklmnopqrstuvwxyz'], { unit: 'char', timing, seed: 0, chunk: 1, after: -1 }), {
      retry: 1000,
    })
    const frames = applyFaults(long, faults('coalesce:50'), error)
    expect(frames.map((f) => f.text)).toEqual(long.map((f) => f.text))
    frames.forEach((f, i) => expect(f.at).toBeGreaterThanOrEqual(long[i]!.at))
    const moments = [...new Set(frames.map((f) => f.at))]
    expect(moments.length).toBeLessThan(frames.length / 2) // several frames a write
    const gaps = moments.slice(2).map((at, i) => at - moments[i + 1]!)
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(25 - 1e-9)
      expect(gap).toBeLessThanOrEqual(75 * 2 + 1e-9)
    }
    expect(new Set(gaps.map((g) => g.toFixed(3))).size).toBeGreaterThan(1) // irregular
    expect(applyFaults(long, faults('coalesce:50'), error)).toEqual(frames) // the same run again
  })
})

describe('splitPoints', () => {
  const bytes = (text: string) => new TextEncoder().encode(text)
  const continuation = (frame: Uint8Array, at: number) => (frame[at]! & 0xc0) === 0x80

  it('cuts a frame into 2 to N pieces, strictly inside it, in order, never twice at one place', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 2, max: 16 }), fc.integer(), (text, most, seed) => {
        const frame = bytes(`event: token\ndata: ${JSON.stringify({ text })}\n\n`)
        const cuts = splitPoints(frame, most, createRandom(seed))
        expect(cuts.length).toBeGreaterThanOrEqual(1)
        expect(cuts.length).toBeLessThanOrEqual(most - 1)
        cuts.forEach((at, i) => {
          expect(at).toBeGreaterThan(i === 0 ? 0 : cuts[i - 1]!)
          expect(at).toBeLessThan(frame.length)
        })
      }),
    )
  })

  it('cuts inside a multi-byte character and inside a data: line whenever the frame has them', () => {
    const frame = bytes('event: token\ndata: {"text":"héllo 👋"}\n\n')
    const dataLine = [frame.indexOf(0x64, 13) + 1, frame.lastIndexOf(0x0a, frame.length - 2)] // after its "d", up to its LF
    for (let seed = 0; seed < 200; seed++) {
      const cuts = splitPoints(frame, 2, createRandom(seed)) // one cut: it must be inside a character
      expect(cuts).toHaveLength(1)
      expect(continuation(frame, cuts[0]!)).toBe(true)
      const three = splitPoints(frame, 3, createRandom(seed))
      expect(three.some((at) => continuation(frame, at))).toBe(true)
      if (three.length === 2) expect(three.every((at) => at >= dataLine[0]! && at <= dataLine[1]!)).toBe(true)
    }
    // ASCII only: the cut falls inside the data: line, not in the event: line or between the events.
    const ascii = bytes('event: token\ndata: {"text":"hello"}\n\n')
    for (let seed = 0; seed < 50; seed++) {
      const [at] = splitPoints(ascii, 2, createRandom(seed))
      expect(new TextDecoder().decode(ascii.subarray(0, at))).toMatch(/\ndata: ?[^\n]*$|\nd(a(ta?)?)?$/)
    }
  })

  it('the same source cuts the same way; a frame too short to cut is left whole', () => {
    const frame = bytes('data: {"choices":[{"delta":{"content":"你好！很高兴"}}]}\n\n')
    expect(splitPoints(frame, 4, createRandom(7))).toEqual(splitPoints(frame, 4, createRandom(7)))
    expect(splitPoints(new Uint8Array(0), 4, createRandom(1))).toEqual([])
    expect(splitPoints(bytes('x'), 4, createRandom(1))).toEqual([])
    expect(splitPoints(bytes('é'), 16, createRandom(1))).toEqual([1])
  })
})
