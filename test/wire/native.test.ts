import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { plan } from '../../src/core/plan.js'
import { split } from '../../src/core/split.js'
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
    const frames = encodeNative(plan(['Hi', ' there', '!'], { unit: 'token', timing, seed: 0, chunk: 1, after: -1 }), { retry: 1000 })
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
    const frames = encodeNative(plan(['Hi', '!'], { unit: 'token', timing, seed: 0, chunk: 1, after: -1 }), { retry: 1000 })
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
    const whole = encodeNative(plan(units, { unit: 'word', timing, seed: 0, chunk: 2, after: -1 }), { retry: 1000 })
    const events = parse(whole.map((f) => f.text).join(''))
    expect(events.map((e) => [e.id, e.event])).toEqual([
      ['1', 'token'],
      ['3', 'token'],
      ['4', 'token'],
      ['5', 'done'],
    ])
    const resumed = parse(
      encodeNative(plan(units, { unit: 'word', timing, seed: 0, chunk: 2, after: 1 }), { retry: 1000 })
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
      encodeNative(plan(units, { unit: 'char', timing, seed: 0, chunk: 1, after: -1 }), { retry: 1000 })
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

function parse(wire: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (e) => events.push(e) })
  parser.feed(wire)
  return events
}
