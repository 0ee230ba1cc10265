import { createParser, type EventSourceMessage } from 'eventsource-parser'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRandom } from '../../src/core/random.js'
import { sseComment, sseEvent, sseRetry } from '../../src/wire/sse.js'

/** Feeds `text` to an independent SSE parser in pieces cut at random places (seeded), as a network delivers it. */
function parseInPieces(text: string, seed: number) {
  const events: EventSourceMessage[] = []
  const comments: string[] = []
  const retries: number[] = []
  const parser = createParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), onRetry: (r) => retries.push(r) })
  const random = createRandom(seed)
  for (let at = 0; at < text.length;) {
    const size = 1 + Math.floor(random() * 12)
    parser.feed(text.slice(at, at + size))
    at += size
  }
  return { events, comments, retries }
}

describe('sseEvent', () => {
  it('writes id, event and one data line per payload line, LF only, ending with a blank line', () => {
    expect(sseEvent({ id: '7', event: 'token', data: 'a\nb\r\nc\rd' })).toBe('id: 7\nevent: token\ndata: a\ndata: b\ndata: c\ndata: d\n\n')
    expect(sseEvent({ data: '' })).toBe('data: \n\n')
    expect(sseEvent({ data: 'x', retry: 1000 })).toBe('retry: 1000\ndata: x\n\n')
  })

  it('refuses an id or event name that would break the framing', () => {
    expect(() => sseEvent({ id: 'a\nb', data: 'x' })).toThrow(RangeError)
    expect(() => sseEvent({ event: 'a\rb', data: 'x' })).toThrow(RangeError)
    expect(() => sseEvent({ id: 'a\0b', data: 'x' })).toThrow(RangeError)
    expect(() => sseRetry(-1)).toThrow(RangeError)
    expect(() => sseRetry(1.5)).toThrow(RangeError)
  })

  it('writes comments that clients ignore, one line each', () => {
    expect(sseComment('ping')).toBe(': ping\n\n')
    expect(sseComment('a\nb')).toBe(': a\n: b\n\n')
    expect(sseComment()).toBe(':\n\n')
  })

  it('round-trips any payload through an independent parser fed at random boundaries', () => {
    const name = fc.string({ maxLength: 12 }).filter((s) => !/[\r\n\0]/.test(s))
    const event = fc.record({ data: fc.string({ unit: 'grapheme', maxLength: 60 }), event: name.filter((s) => s !== ''), id: name })
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 1000 }), (list, seed) => {
        const wire = sseRetry(500) + list.map((e) => sseEvent(e) + sseComment('ping')).join('')
        const parsed = parseInPieces(wire, seed)
        expect(parsed.retries).toEqual([500])
        expect(parsed.comments).toEqual(list.map(() => 'ping'))
        // The spec reads CR, LF and CRLF all as line ends, and joins data lines with LF.
        expect(parsed.events.map((e) => e.data)).toEqual(list.map((e) => e.data.replace(/\r\n|\r/g, '\n')))
        expect(parsed.events.map((e) => e.event)).toEqual(list.map((e) => e.event))
        expect(parsed.events.map((e) => e.id)).toEqual(list.map((e) => e.id))
      }),
      { numRuns: 300, seed: 21 },
    )
  })
})
