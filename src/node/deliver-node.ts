/**
 * The Node fast path: on @hono/node-server, a stream's body is written straight to its socket (Hono still
 * routes and validates, and Node writes the head). Per event that is one `socket.write` of bytes encoded once
 * for every client of the same stream: no web stream in between, and no chunked-encoding framing, which in
 * Node's http layer costs four buffered writes, a cork and a writev per event.
 *
 * The body is delimited by closing the connection (`connection: close`, no content-length, no chunked
 * encoding: RFC 9112, section 6.3, rule 8), as an SSE stream ends with its connection anyway; EventSource,
 * fetch, curl and the vendor SDKs all read it so. `write()` returning false pauses the stream until 'drain'.
 *
 * Once the head is out, the socket is detached from node:http, as Node's own 'upgrade' path does: nothing more
 * on this connection is HTTP (it closes when the body ends), and while attached node:http keeps its
 * per-connection objects alive for as long as the stream lasts (the HTTP parser, the IncomingMessage, the
 * ServerResponse, the listeners that hold them, and through them the Request and Context Hono made), most of
 * a stream's memory (bench/README.md has the figures). Detached, a stream holds its socket and its player;
 * shutdown ends it through the stream registry, and destroyDetached closes what a client never lets close.
 */
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { Socket, type Server } from 'node:net'
import { deliverWebStream, type Deliver } from '../app/deliver.js'
import { startPlaying, type Chunk, type Playing, type Sink } from '../app/player.js'

/**
 * Node's own helper that returns a connection's parser to its pool and unhooks it from the socket (it also
 * removes the parser from the server's connection list, which `closeAllConnections` and the request timeouts
 * walk). It is what the 'upgrade' path in node:http calls; public API offers no way to detach a socket.
 * Without it (a Node that moved it), streams stay attached as before.
 */
const freeParser = (() => {
  try {
    const common = createRequire(import.meta.url)('node:_http_common') as { freeParser?: unknown }
    return typeof common.freeParser === 'function'
      ? (common.freeParser as (parser: unknown, request: unknown, socket: unknown) => void)
      : undefined
  } catch {
    return undefined
  }
})()

/** The events node:http listens to on a connection (see connectionListenerInternal in node's _http_server). */
const HTTP_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause'] as const
/** The listeners net.Socket adds to itself (an 'end' handler), which must stay. */
const NET_OWN = new Set(HTTP_EVENTS.flatMap((event) => new Socket().listeners(event)))

/** Detached sockets by server, for destroyDetached. */
const detached = new WeakMap<Server, Set<Socket>>()

const kPlaying = Symbol('tokensim.playing')
/** A socket as node:http leaves it (`server`, `parser`, `_httpMessage`), and the stream it plays once detached. */
type HttpSocket = Socket & { server?: Server; parser?: unknown; _httpMessage?: unknown; [kPlaying]?: Playing }

/**
 * Destroys the server's detached sockets that are still open: `closeAllConnections()` only reaches the
 * connections node:http still tracks, and a stream ended by shutdown whose client never reads (or never closes
 * its side) would otherwise keep `server.close()` waiting, as net.Server still counts the socket.
 */
export function destroyDetached(server: Server): void {
  const sockets = detached.get(server)
  if (sockets === undefined) return
  for (const socket of [...sockets]) socket.destroy()
}

export const deliverNode: Deliver = (c, frames, headers, options) => {
  const response = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  const socket = response?.socket as HttpSocket | null | undefined
  if (response === undefined || socket == null) return deliverWebStream(c, frames, headers, options)
  // The client went away while the route held the head back (slow-headers, a profile's headers moment): its
  // 'close' has come and gone, so nothing would ever stop a stream started now, and it would hold its place
  // under --max-streams for good. A client that only half-closed (its 'end' came: it sent its request and shut
  // its side) still reads, and gets its stream; one that closed for good answers the first write with a reset,
  // which closes the socket and stops the stream.
  if (socket.destroyed || !socket.writable) {
    socket.destroy()
    return RESPONSE_ALREADY_SENT
  }

  // Headers that middleware set on the context (CORS) go out too.
  const head: Record<string, string> = {}
  c.res.headers.forEach((value, name) => (head[name] = value))
  Object.assign(head, headers, { connection: 'close' })
  // Removing transfer-encoding before the head is written is Node's documented way to a close-delimited body.
  response.removeHeader('transfer-encoding')
  // node:http's listeners, taken before the stream adds its own, so that detaching removes exactly these.
  const httpListeners = freeParser === undefined ? undefined : HTTP_EVENTS.map((event) => socket.listeners(event))
  // The head and the frames due at once leave in one send, not two: corked, flushHeaders hands the head to the
  // socket, the player's first step adds the frames, and uncork writes them together.
  socket.cork()
  try {
    response.writeHead(200, head)
    response.flushHeaders()
    listen(socket)
    socket[kPlaying] = startPlaying(frames, new SocketSink(socket), options)
  } finally {
    socket.uncork()
  }
  // The route can run inside the parser's own callback (llhttp's on_headers_complete, for a handler that
  // does not await), where the parser must not be freed; a tick runs once the parser has returned.
  if (httpListeners !== undefined) process.nextTick(detach, response, socket, httpListeners)
  return RESPONSE_ALREADY_SENT
}

function detach(response: ServerResponse, socket: HttpSocket, httpListeners: Array<Array<(...args: unknown[]) => void>>): void {
  // Closed or closing already: node:http cleans up after it, and 'close' stops the stream.
  if (socket.destroyed || !socket.writable || socket.server === undefined) return
  // Not ours to detach (a pipelined request's response is next in line): it plays on the attached socket.
  if (socket._httpMessage !== response || socket.parser == null) return

  // As node:http's 'upgrade' path: unhook the response, node:http's listeners (they hold the parser and the
  // per-connection state, whose list of requests holds the IncomingMessage), and the parser (it unconsumes
  // the socket, so its reads come back to JS and reach the stream's own listeners).
  response.detachSocket(socket)
  HTTP_EVENTS.forEach((event, i) => {
    for (const listener of httpListeners[i]!) if (!NET_OWN.has(listener)) socket.removeListener(event, listener)
  })
  freeParser!(socket.parser, (response as ServerResponse & { req?: IncomingMessage }).req ?? null, socket)
  // node:http also made the socket's on, addListener and prependListener closures of its own, which put
  // net.Socket's back at their first call once the parser is gone; put them back now, so they can be freed.
  if (Object.hasOwn(socket, 'on')) {
    /* eslint-disable @typescript-eslint/unbound-method -- net.Socket's own methods put back, called on the socket */
    socket.on = Socket.prototype.on
    socket.addListener = Socket.prototype.addListener
    socket.prependListener = Socket.prototype.prependListener
    /* eslint-enable @typescript-eslint/unbound-method */
  }
  // Our own listeners again, after node:http's are gone: removing them leaves the listener arrays at the size
  // they had with node:http's in them, added afresh they are just what the stream needs.
  unlisten(socket)
  listen(socket)

  let sockets = detached.get(socket.server)
  if (sockets === undefined) detached.set(socket.server, (sockets = new Set()))
  sockets.add(socket)
  // Keep reading, and drop what arrives, so that a client's reset is seen at once.
  socket.resume()
}

/**
 * Listeners shared by every stream (`this` is the socket), not closures: see src/app/player.ts. 'close'
 * comes when the connection closes, whoever closed it, attached or not: either way nothing more is written.
 *
 * 'end', the client's FIN, ends only what it sends (RFC 9112, section 9.6: a client may half-close once its
 * request is sent), not what it reads, so the stream plays on to its end, whose `socket.end()` then closes the
 * connection both ways (net.Socket with allowHalfOpen, as node:http's are). A client gone for good answers a
 * write with a reset ('close', and the stream stops): the FIN has the stream probe with a `: ping` at once.
 */
function listen(socket: Socket): void {
  socket.on('error', ignore)
  socket.on('close', onStreamClose)
  socket.on('end', onStreamEnd)
}

function unlisten(socket: Socket): void {
  socket.removeListener('error', ignore)
  socket.removeListener('close', onStreamClose)
  socket.removeListener('end', onStreamEnd)
}

/** Nothing: an error is followed by 'close' (net destroys the socket first), which stops the stream. */
function ignore(): void {}

function onStreamClose(this: HttpSocket): void {
  if (this.server !== undefined) detached.get(this.server)?.delete(this)
  this[kPlaying]?.stop()
}

/** The client's FIN: half-closed, or gone (see Playing.probe). */
function onStreamEnd(this: HttpSocket): void {
  this[kPlaying]?.probe()
}

class SocketSink implements Sink {
  constructor(private readonly socket: Socket) {}

  write(chunks: readonly Chunk[], from: number, to: number): boolean {
    const socket = this.socket
    if (to - from === 1) return socket.write(chunks[from]!)
    // Frames made as they play are text: several due at once go as one string. Corked, they would leave in a
    // writev, which encodes each string apart: 1.1 s of a 9 s CPU profile of the server under the load of
    // `npm run bench -- --only vendor` on chat completions, where /stream's writev of bytes took 0.06 s.
    if (typeof chunks[from] === 'string') {
      let text = ''
      for (let i = from; i < to; i++) {
        const chunk = chunks[i]!
        if (typeof chunk !== 'string') return this.corked(chunks, from, to)
        text += chunk
      }
      return socket.write(text)
    }
    return this.corked(chunks, from, to)
  }

  private corked(chunks: readonly Chunk[], from: number, to: number): boolean {
    const socket = this.socket
    socket.cork()
    let flowing = true
    for (let i = from; i < to; i++) flowing = socket.write(chunks[i]!)
    socket.uncork()
    return flowing
  }

  onDrain(resume: () => void): void {
    this.socket.once('drain', resume)
  }

  end(): void {
    this.socket.end()
  }
}
