/**
 * The Node fast path: on @hono/node-server, a stream is written straight to the ServerResponse (Hono still
 * routes and validates), skipping the web-streams machinery between each event and the socket. Frames that
 * fall due together go out in one corked write; `write()` returning false pauses the stream until 'drain'.
 */
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { deliverWebStream, type Deliver } from './deliver.js'
import { play, type Sink } from './player.js'

export const deliverNode: Deliver = (c, frames, headers, options) => {
  const response = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  if (response === undefined) return deliverWebStream(c, frames, headers, options)

  // Headers that middleware set on the context (CORS) go out too.
  const all: Record<string, string> = {}
  c.res.headers.forEach((value, name) => (all[name] = value))
  Object.assign(all, headers)
  response.writeHead(200, all)

  const sink: Sink = {
    write(chunks) {
      if (chunks.length === 1) return response.write(chunks[0]!)
      response.cork()
      let flowing = true
      for (const chunk of chunks) flowing = response.write(chunk)
      response.uncork()
      return flowing
    },
    onDrain(resume) {
      response.once('drain', resume)
    },
    end: () => response.end(),
  }
  const stop = play(frames, sink, options)
  // 'close' comes when the response ends or the client goes away: either way nothing more is written.
  response.once('close', stop)
  return RESPONSE_ALREADY_SENT
}
