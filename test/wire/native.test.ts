import { createParser, type EventSourceMessage } from 'eventsource-parser'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planFaults, type Fault } from '../../src/core/faults.js'
import { planStream } from '../../src/core/stream-plan.js'
import { split } from '../../src/core/split.js'
import { applyFaults } from '../../src/wire/fault-frames.js'
import { encodeNative, type DoneData, type TokenData } from '../../src/wire/native.js'

const timing = { ttft: 100, delay: 20, jitter: 0 }
/** Constant distributions, so the moments are exact: headers at 50, first byte at 80, first unit at 100. */
const DISTINCT = {
  headers: { median: 50, p99: 50 },
  firstByte: { median: 80, p99: 80 },
  ttft: { median: 100, p99: 100 },
  gap: { median: 20, p99: 20 },
}

describe('encodeNative', () => {
  it('writes retry, one token event per unit and a done event (golden transcript)', () => {
    const frames = encodeNative(planStream(['Hi', ' there', '!'], { unit: 'token', timing, seed: 0, chunk: 1, after: -1 }), { retry: 1000 })
    expect(frames.map((f) => f.at)).toEqual([0, 100, 120, 140, 140])
    expect(frames.map((f) => f.text).join('')).toBe(
      [
        'retry: 1000',
        '',
        'id: 0',
        'event: token',
        'data: {"text":"Hi","index":0,"units":1,"t":100}',
        '',
        'id: 1',
        'event: token',
        'data: {"text":" there","index":1,"units":1,"t":120}',
        '',
        'id: 2',
        'event: token',
        'data: {"text":"!","index":2,"units":1,"t":140}',
        '',
        'id: 3',
        'event: done',
        'data: {"tokens":3,"sent":3,"events":3,"chars":9,"unit":"token","duration_ms":140,"resumed_after":-1,"headers_ms":0,"first_byte_ms":0,"first_text_ms":100}',
        '',
        '',
      ].join('\n'),
    )
  })

  it('puts retry at the first byte and reports the three moments in done, for a profile with distinct ones (golden)', () => {
    const timing = { kind: 'profile', name: 'moments', ...DISTINCT } as const
    const frames = encodeNative(planStream(['Hi', '!'], { unit: 'token', timing, seed: 0, chunk: 1, after: -1 }), { retry: 1000 })
    expect(frames.map((f) => f.at)).toEqual([80, 100, 120, 120])
    expect(frames.map((f) => f.text).join('')).toBe(
      [
        'retry: 1000',
        '',
        'id: 0',
        'event: token',
        'data: {"text":"Hi","index":0,"units":1,"t":100}',
        '',
        'id: 1',
        'event: token',
        'data: {"text":"!","index":1,"units":1,"t":120}',
        '',
        'id: 2',
        'event: done',
        'data: {"tokens":2,"sent":2,"events":2,"chars":3,"unit":"token","duration_ms":120,"resumed_after":-1,"headers_ms":50,"first_byte_ms":80,"first_text_ms":100}',
        '',
        '',
      ].join('\n'),
    )
  })

  it('gives a chunked event the id of its last unit, so Last-Event-ID resumes right after it', () => {
    const units = split('one two three four five', 'word')
    const whole = encodeNative(planStream(units, { unit: 'word', timing, seed: 0, chunk: 2, after: -1 }), { retry: 1000 })
    const events = parse(whole.map((f) => f.text).join(''))
    expect(events.map((e) => [e.id, e.event])).toEqual([
      ['1', 'token'],
      ['3', 'token'],
      ['4', 'token'],
      ['5', 'done'],
    ])
    const resumed = parse(
      encodeNative(planStream(units, { unit: 'word', timing, seed: 0, chunk: 2, after: 1 }), { retry: 1000 })
        .map((f) => f.text)
        .join(''),
    )
    const texts = resumed.filter((e) => e.event === 'token').map((e) => (JSON.parse(e.data) as TokenData).text)
    expect(texts.join('')).toBe('three four five')
    const done = JSON.parse(resumed.at(-1)!.data) as DoneData
    expect(done).toMatchObject({ tokens: 5, sent: 3, resumed_after: 1 })
  })

  it('carries any text through JSON, control characters and lone surrogates included', () => {
    const text = 'a\r\nb\0c\u2028d\ud800e"\\'
    const units = split(text, 'char')
    const events = parse(
      encodeNative(planStream(units, { unit: 'char', timing, seed: 0, chunk: 1, after: -1 }), { retry: 1000 })
        .map((f) => f.text)
        .join(''),
    )
    const joined = events
      .filter((e) => e.event === 'token')
      .map((e) => (JSON.parse(e.data) as TokenData).text)
      .join('')
    expect(joined).toBe(text)
  })
})

describe('encodeNative with the delays of faults', () => {
  const units = ['a', 'b', 'c', 'd', 'e']
  const payloads = (frames: readonly { text: string }[]) =>
    parse(frames.map((f) => f.text).join('')).map((e) => JSON.parse(e.data) as object)

  it('counts slow-headers in every moment and a stall in what follows its unit: `t` jumps by the stall, done includes it', () => {
    const planned = planStream(units, { unit: 'char', timing, seed: 0, chunk: 1, after: -1 })
    const frames = encodeNative(planned, { retry: 1000, delays: { headersDelay: 40, stalls: [{ after: 1, ms: 500 }] } })
    expect(frames.map((f) => f.at)).toEqual([40, 140, 160, 680, 700, 720, 720])
    const events = payloads(frames)
    expect(events.slice(0, 5).map((e) => (e as TokenData).t)).toEqual([140, 160, 680, 700, 720])
    expect(events.at(-1)).toMatchObject({ duration_ms: 720, headers_ms: 40, first_byte_ms: 40, first_text_ms: 140 })
  })

  it('a stall after the last unit delays done; one past the last unit, or of 0 ms, moves nothing', () => {
    const planned = planStream(units, { unit: 'char', timing, seed: 0, chunk: 1, after: -1 })
    const plain = encodeNative(planned, { retry: 1000 })
    const last = encodeNative(planned, { retry: 1000, delays: { headersDelay: 0, stalls: [{ after: 4, ms: 300 }] } })
    expect(last.map((f) => f.at)).toEqual([...plain.slice(0, -1).map((f) => f.at), 480])
    expect(payloads(last).at(-1)).toMatchObject({ duration_ms: 480, first_text_ms: 100 })
    const past = encodeNative(planned, {
      retry: 1000,
      delays: {
        headersDelay: 0,
        stalls: [
          { after: 9, ms: 300 },
          { after: 9, ms: 0 },
        ],
      },
    })
    expect(past).toEqual(plain)
    expect(encodeNative(planned, { retry: 1000, delays: { headersDelay: 0, stalls: [{ after: 2, ms: 0 }] } })).toEqual(plain)
  })

  it('moves each frame exactly as applyFaults moves the unfaulted frames, plus slow-headers, and says so in `t` (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: -1, max: 19 }),
        fc.array(fc.record({ after: fc.integer({ min: 0, max: 24 }), ms: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 500 }),
        fc.nat(),
        (count, chunk, resumeAt, stalls, headersDelay, seed) => {
          const after = Math.min(resumeAt, count - 1)
          const some = units.concat(units, units, units).slice(0, count)
          const planned = planStream(some, { unit: 'char', timing: { ttft: 50, delay: 10, jitter: 1 }, seed, chunk, after })
          const faults: Fault[] = [
            { kind: 'slow-headers', ms: headersDelay },
            ...stalls.map((s) => ({ kind: 'stall-after' as const, ...s })),
          ]
          const delays = planFaults(faults, after)
          const timed = encodeNative(planned, { retry: 1000, delays })
          const moved = applyFaults(encodeNative(planned, { retry: 1000 }), { ...delays, headersDelay: 0 }, () => '')
          expect(timed.map((f) => f.at)).toEqual(moved.map((f) => f.at + headersDelay))
          const read = parse(timed.map((f) => f.text).join(''))
          read.slice(0, -1).forEach((e, i) => expect((JSON.parse(e.data) as TokenData).t).toBeCloseTo(timed[i + 1]!.at, 2))
          expect((JSON.parse(read.at(-1)!.data) as DoneData).duration_ms).toBeCloseTo(timed.at(-1)!.at, 2)
        },
      ),
    )
  })
})

function parse(wire: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (e) => events.push(e) })
  parser.feed(wire)
  return events
}
