/** The capture parser: both input forms (golden), the event count, the shipped fixtures, and errors that name the line. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { countEvents, formatCaptureHeader, formatCaptureRead, parseCapture } from '../../src/core/capture.js'
import { CaptureError } from '../../src/core/captured-stream.js'
import { captureFrames } from '../../src/wire/capture.js'
import { parseInPieces } from '../helpers/sse.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/captures/', import.meta.url))
const HEADER =
  '{"tokensim_capture":1,"name":"hi","status":200,"content_type":"text/event-stream","method":"POST","path":"/v1/chat/completions","recorded_at":"2025-01-02T03:04:05.000Z"}'

describe('parseCapture: JSON Lines', () => {
  it('reads the header and one record per read', () => {
    const text = `${HEADER}\n{"t":0,"data":"data: a\\n\\nda"}\n{"t":12.5,"data":"ta: b\\n\\n"}\n\n`
    expect(parseCapture(text)).toEqual({
      name: 'hi',
      status: 200,
      contentType: 'text/event-stream',
      method: 'POST',
      path: '/v1/chat/completions',
      recordedAt: '2025-01-02T03:04:05.000Z',
      timed: true,
      reads: [
        { t: 0, data: 'data: a\n\nda' },
        { t: 12.5, data: 'ta: b\n\n' },
      ],
    })
  })

  it('round-trips what record writes', () => {
    const info = { name: 'x', status: 429, contentType: 'application/json', method: 'GET', path: '/stream?reply=code' }
    const reads = [
      { t: 1, data: '{"error":' },
      { t: 2.5, data: '"é👋"}' },
    ]
    const capture = parseCapture(formatCaptureHeader(info) + reads.map(formatCaptureRead).join(''))
    expect(capture).toEqual({ ...info, timed: true, reads })
  })
})

describe('parseCapture: plain text/event-stream', () => {
  const events = ': hello\n\nretry: 1000\n\nevent: a\ndata: 1\n\ndata: 2\r\n\r\n'

  it('without timing: one read per event (comments and retry with the event after them), any route', () => {
    const capture = parseCapture(events)
    expect(capture).toEqual({
      status: 200,
      contentType: 'text/event-stream; charset=utf-8',
      timed: false,
      reads: [
        { t: 0, data: ': hello\n\nretry: 1000\n\nevent: a\ndata: 1\n\n' },
        { t: 0, data: 'data: 2\r\n\r\n' },
      ],
    })
    expect(captureFrames(capture, { speed: 2, gap: 30 }).map((f) => f.at)).toEqual([0, 15])
  })

  it('with ": t=MS" comments: each one starts a read at that offset, and is not replayed', () => {
    const text = 'data: early\n\n: t=100\nevent: a\ndata: 1\n\ndata: 2\n\n:t=250.5\ndata: 3\n\n'
    expect(parseCapture(text)).toMatchObject({
      timed: true,
      reads: [
        { t: 0, data: 'data: early\n\n' },
        { t: 100, data: 'event: a\ndata: 1\n\ndata: 2\n\n' },
        { t: 250.5, data: 'data: 3\n\n' },
      ],
    })
    expect(captureFrames(parseCapture(text), { speed: 0.5, gap: 30 }).map((f) => f.at)).toEqual([0, 200, 501])
  })
})

describe('countEvents', () => {
  it('counts dispatched events: blocks with data, ended by a blank line', () => {
    expect(countEvents(': c\n\nretry: 5\n\nevent: x\ndata: 1\n\ndata\n\ndata: cut')).toBe(2)
    expect(countEvents('data: a\r\n\r\ndata: b\r\rdata: c\n\n')).toBe(3)
  })
})

describe('the shipped fixtures', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.jsonl'))

  it.each(files)('%s parses into a timed SSE capture whose events read back whole', (file) => {
    const capture = parseCapture(readFileSync(join(FIXTURES, file), 'utf8'))
    expect(capture).toMatchObject({ name: file.replace(/\.jsonl$/, ''), status: 200, timed: true })
    expect(capture.contentType).toMatch(/^text\/event-stream/)
    const text = capture.reads.map((r) => r.data).join('')
    const events = parseInPieces(text, 3)
    expect(events.length).toBe(countEvents(text))
    expect(events.length).toBeGreaterThan(20)
    expect(capture.reads.at(-1)!.t).toBeGreaterThan(500)
  })
})

describe('errors name the line', () => {
  const record = (extra: string): string => `${HEADER}\n{"t":1,"data":"a"}\n${extra}\n`
  const cases: ReadonlyArray<readonly [string, string, number, RegExp]> = [
    ['a header that is not JSON', '{"tokensim_capture":1,', 1, /not JSON/],
    ['a version from the future', '{"tokensim_capture":2}', 1, /capture version 2; this tokensim reads version 1/],
    ['no header', '{"t":1,"data":"a"}', 1, /first line must be the capture header/],
    ['a header without a status', HEADER.replace('"status":200,', ''), 1, /status must be an HTTP status.*got nothing/],
    ['an unknown header field', HEADER.replace('{', '{"colour":"red",'), 1, /unknown header field "colour"/],
    ['a bad name', HEADER.replace('"hi"', '"a b"'), 1, /name must be 1 to 100 letters/],
    ['a record that is not JSON', record('{"t":2,'), 3, /not JSON/],
    ['a record that is a list', record('[1]'), 3, /a JSON object/],
    ['a negative t', record('{"t":-1,"data":"x"}'), 3, /t must be a number of ms .* got -1/],
    ['a t that goes back', record('{"t":0.5,"data":"x"}'), 3, /t 0.5 is earlier than the record before it \(t 1\)/],
    ['data that is not a string', record('{"t":2,"data":7}'), 3, /data must be the read's bytes as a string; got 7/],
    ['an unknown record field', record('{"t":2,"data":"x","size":1}'), 3, /unknown record field "size"/],
    ['SSE: a line that is no SSE', 'data: a\n\nhello there\n', 3, /not an event-stream line: "hello there"/],
    ['SSE: a timing comment inside an event', 'event: a\n: t=5\ndata: x\n\n', 2, /must come before an event, not inside one/],
    ['SSE: a timing that goes back', ': t=50\ndata: a\n\n: t=40\ndata: b\n\n', 4, /t=40 is earlier than the t=50 before it/],
    ['SSE: no events at all', '', 1, /holds no events/],
  ]

  it.each(cases)('%s', (_, text, line, problem) => {
    let caught: unknown
    try {
      parseCapture(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CaptureError)
    const error = caught as CaptureError
    expect(error.line).toBe(line)
    expect(error.message).toMatch(new RegExp(`^line ${line}: `))
    expect(error.problem).toMatch(problem)
  })
})
