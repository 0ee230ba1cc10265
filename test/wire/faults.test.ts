/** applyFaults on real encoded streams: silences after a unit, a cut with the format's error, and a drop. */
import { describe, expect, it } from 'vitest'
import { parseFaults, planFaults } from '../../src/core/faults.js'
import { plan } from '../../src/core/plan.js'
import { planTurn } from '../../src/core/turn.js'
import { applyFaults } from '../../src/wire/faults.js'
import { encodeNative, nativeStreamError } from '../../src/wire/native.js'
import { encodeOpenAIChat } from '../../src/wire/openai-chat.js'
import { parseInPieces } from '../helpers/sse.js'

const timing = { ttft: 100, delay: 10, jitter: 0 }
const native = (after = -1) =>
  encodeNative(plan(['a', 'b', 'c', 'd', 'e'], { unit: 'char', timing, seed: 0, chunk: 1, after }), { retry: 1000 })
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
    const long = encodeNative(plan([...'abcdefghijklmnopqrstuvwxyz'], { unit: 'char', timing, seed: 0, chunk: 1, after: -1 }), {
      retry: 1000,
    })
    const frames = applyFaults(long, faults('coalesce:50'), error)
    expect(frames.map((f) => f.text)).toEqual(long.map((f) => f.text))
    frames.forEach((f, i) => expect(f.at).toBeGreaterThanOrEqual(long[i]!.at))
    const moments = [...new Set(frames.map((f) => f.at))]
    expect(moments.length).toBeLessThan(frames.length / 2) // several frames a write
    const gaps = moments.slice(2).map((at, i) => at - moments[i + 1]!)
    for (const gap of gaps) (expect(gap).toBeGreaterThanOrEqual(25 - 1e-9), expect(gap).toBeLessThanOrEqual(75 * 2 + 1e-9))
    expect(new Set(gaps.map((g) => g.toFixed(3))).size).toBeGreaterThan(1) // irregular
    expect(applyFaults(long, faults('coalesce:50'), error)).toEqual(frames) // the same run again
  })
})
