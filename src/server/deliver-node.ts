/**
 * The Node fast path: on @hono/node-server, a stream's body is written straight to its socket (Hono still
 * routes and validates, and Node writes the head). Per event that is one `socket.write` of bytes encoded once
 * for every client of the same stream: no web stream in between, and no chunked-encoding framing, which in
 * Node's http layer costs four buffered writes, a cork and a writev per event.
 *
 * The body is delimited by closing the connection (`connection: close`, no content-length, no chunked
 * encoding: RFC 9112, section 6.3, rule 8), as an SSE stream ends with its connection anyway; EventSource,
 * fetch, curl and the vendor SDKs all read it so. `write()` returning false pauses the stream until 'drain'.
 */
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { deliverWebStream, type Deliver } from './deliver.js'
import { play, type Sink } from './player.js'

export const deliverNode: Deliver = (c, frames, headers, options) => {
  const response = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  const socket = response?.socket
  if (response === undefined || socket == null) return deliverWebStream(c, frames, headers, options)

  // Headers that middleware set on the context (CORS) go out too.
  const head: Record<string, string> = {}
  c.res.headers.forEach((value, name) => (head[name] = value))
  Object.assign(head, headers, { connection: 'close' })
  // Removing transfer-encoding before the head is written is Node's documented way to a close-delimited body.
  response.removeHeader('transfer-encoding')
  response.writeHead(200, head)
  response.flushHeaders()

  const sink: Sink = {
    write(chunks) {
      if (chunks.length === 1) return socket.write(chunks[0]!)
      socket.cork()
      let flowing = true
      for (const chunk of chunks) flowing = socket.write(chunk)
      socket.uncork()
      return flowing
    },
    onDrain(resume) {
      socket.once('drain', resume)
    },
    end: () => socket.end(),
  }
  const stop = play(frames, sink, options)
  // 'close' comes when the connection closes, whoever closed it: either way nothing more is written.
  response.once('close', stop)
  return RESPONSE_ALREADY_SENT
}
