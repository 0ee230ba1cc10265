/**
 * The page's SSE reader (web/sse.js) in Node, against the WHATWG rules: LF, CR and CRLF line ends (a CR and LF
 * split across two chunks are one), multi-line data, one space after the colon dropped, comments, an event
 * without data dropped, an unfinished event at the end discarded; fed as text cut anywhere, and as bytes one at
 * a time (UTF-8 cut inside characters) with a BOM first. And the same stream read by an independent parser
 * (eventsource-parser) gives the same events.
 */
import { createParser } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { createSseParser, readSse, type SseMessage } from '../../web/sse.js'

const STREAM = [
  ': a comment, then an event with no data (dropped)\r\n',
  'event: lonely\r\n\r\n',
  'event: first\rdata: one\rdata:  two (one space dropped)\r\r',
  'data:no space\nid: 7\n\n',
  'data\r\n',
  'data: é 👩‍👩‍👧 中\r\n\r\n',
  'event: cut\ndata: never finished',
].join('')

const EXPECTED: SseMessage[] = [
  { event: 'first', data: 'one\n two (one space dropped)', id: null },
  { event: '', data: 'no space', id: '7' },
  { event: '', data: '\né 👩‍👩‍👧 中', id: null },
]

/** A body that hands over `bytes` in pieces of `size`. */
function body(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size))
      controller.close()
    },
  })
}

describe("the page's SSE reader", () => {
  it('parses text cut at every boundary, into pieces of 1 to 5 characters, the same', () => {
    for (let size = 1; size <= 5; size++) {
      const got: SseMessage[] = []
      const parser = createSseParser((message) => got.push(message))
      for (let i = 0; i < STREAM.length; i += size) parser.push(STREAM.slice(i, i + size))
      expect(got, `pieces of ${size}`).toEqual(EXPECTED)
    }
  })

  it('reads bytes one at a time, UTF-8 cut inside characters, a BOM first', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(STREAM)])
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const got: SseMessage[] = []
      await readSse(body(bytes, size), (message) => got.push(message))
      expect(got, `bytes in pieces of ${size}`).toEqual(EXPECTED)
    }
  })

  it('gives the events an independent parser (eventsource-parser) gives', () => {
    const theirs: SseMessage[] = []
    const parser = createParser({
      onEvent: (event) => theirs.push({ event: event.event ?? '', data: event.data, id: event.id ?? null }),
    })
    parser.feed(STREAM)
    const ours: SseMessage[] = []
    createSseParser((message) => ours.push(message)).push(STREAM)
    expect(ours).toEqual(theirs)
  })

  it('rejects when the body fails, with what came before it delivered', async () => {
    const got: SseMessage[] = []
    let reads = 0
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (reads++ === 0) controller.enqueue(new TextEncoder().encode('data: before\n\n'))
        else controller.error(new Error('connection reset'))
      },
    })
    await expect(readSse(failing, (message) => got.push(message))).rejects.toThrow('connection reset')
    expect(got).toEqual([{ event: '', data: 'before', id: null }])
  })
})
