/** Reads a whole SSE response with an independent parser (eventsource-parser): the events, comments and retry. */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { createRandom } from '../../src/core/random.js'
import type { DoneData, TokenData } from '../../src/wire/native.js'

export interface ReadStream {
  readonly events: EventSourceMessage[]
  readonly comments: string[]
  readonly retries: number[]
  /** The token events' payloads, in order. */
  readonly tokens: TokenData[]
  readonly done: DoneData | undefined
  /** The token texts joined. */
  readonly text: string
}

export async function readSse(response: Response): Promise<ReadStream> {
  const events: EventSourceMessage[] = []
  const comments: string[] = []
  const retries: number[] = []
  const parser = createParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), onRetry: (r) => retries.push(r) })
  const decoder = new TextDecoder()
  for await (const chunk of chunks(response.body!)) parser.feed(decoder.decode(chunk, { stream: true }))
  parser.feed(decoder.decode())
  const tokens = events.filter((e) => e.event === 'token').map((e) => JSON.parse(e.data) as TokenData)
  const doneEvent = events.find((e) => e.event === 'done')
  return {
    events,
    comments,
    retries,
    tokens,
    done: doneEvent === undefined ? undefined : (JSON.parse(doneEvent.data) as DoneData),
    text: tokens.map((t) => t.text).join(''),
  }
}

/** Waits until `check` holds, polling, or fails after `timeout` ms with `what` in the message. */
export async function until(check: () => boolean, what: string, timeout = 5000): Promise<void> {
  const end = Date.now() + timeout
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A body's chunks as they arrive (the DOM typings give ReadableStream no async iterator). */
export async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * The events of an SSE text (or of encoded frames, joined) read by eventsource-parser fed in pieces of 1 to
 * `longest` characters, cut at places drawn from `seed` (`longest` Infinity: in one piece). Whatever the cuts,
 * a correct encoder gives the same events.
 */
export function parseInPieces(input: string | readonly { readonly text: string }[], seed = 1, longest = 40): EventSourceMessage[] {
  const text = typeof input === 'string' ? input : input.map((frame) => frame.text).join('')
  const events: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (e) => events.push(e) })
  const random = createRandom(seed)
  for (let at = 0; at < text.length;) {
    const size = longest === Infinity ? text.length : 1 + Math.floor(random() * longest)
    parser.feed(text.slice(at, at + size))
    at += size
  }
  return events
}
