/**
 * Replaying captured streams (`--captures`): GET /captures lists them, GET /captures/NAME plays one as recorded,
 * and a request to the endpoint a capture was recorded from plays it instead of a simulated answer when it
 * carries `x-tokensim-capture: NAME` (or `capture=NAME` on /stream). A replay goes through the shared player,
 * so its timing, backpressure and cancellation are every stream's; `speed` scales its offsets.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { captureDuration, countEvents } from '../../core/capture.js'
import type { NamedCapture } from '../../core/captured-stream.js'
import { TokensimError } from '../../core/errors.js'
import { CONTROLS } from '../../core/knobs.js'
import { captureFrames, type ReplayOptions } from '../../wire/capture.js'
import type { AppContext } from '../context.js'
import { memoized } from '../memo.js'
import { encodeFrames } from '../encoded-frames.js'
import { SSE_HEADERS } from '../respond.js'

const CAPTURE_HEADER = CONTROLS.capture.header
/** The gap between the events of an untimed capture when the request asks for none, ms. */
const DEFAULT_GAP = 30

export function capturesRoute(app: Hono, context: AppContext): void {
  // Per set of captures (a reload makes a new one).
  const listing = memoized(listCaptures)
  app.get('/captures', (c) => c.json(listing(context.captures)))
  app.get('/captures/:name', (c) => replay(c, context, find(context, c.req.param('name'), 'name'), replayOptions(c, true)))
}

function listCaptures(captures: ReadonlyMap<string, NamedCapture>) {
  return {
    captures: [...captures.values()].map((capture) => {
      const text = capture.reads.map((read) => read.data).join('')
      return {
        name: capture.name,
        method: capture.method ?? null,
        path: capture.path ?? null,
        status: capture.status,
        content_type: capture.contentType,
        events: countEvents(text),
        reads: capture.reads.length,
        duration_ms: captureDuration(capture) ?? null,
        timed: capture.timed,
        recorded_at: capture.recordedAt ?? null,
      }
    }),
  }
}

/** Plays the capture a request names on the endpoint it was recorded from; any other request goes on to its route. */
export function captureMiddleware(context: AppContext): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path === '/captures' || c.req.path.startsWith('/captures/')) return next()
    const native = c.req.path === '/stream'
    const fromHeader = c.req.header(CAPTURE_HEADER)
    const name = fromHeader ?? (native ? c.req.query(CONTROLS.capture.param) : undefined)
    if (name === undefined) return next()
    const param = fromHeader !== undefined ? CAPTURE_HEADER : CONTROLS.capture.param
    const capture = find(context, name, param)
    // A HEAD is answered as the GET it asks about (src/app/head.ts).
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method
    // A plain SSE file was recorded from no known endpoint: any route may play it.
    if (capture.path !== undefined && (capture.method !== method || new URL(capture.path, 'http://x').pathname !== c.req.path)) {
      const recorded = `${capture.method ?? ''} ${new URL(capture.path, 'http://x').pathname}`
      const message = `${param}: capture ${JSON.stringify(name)} was recorded from ${recorded}, not ${c.req.method} ${c.req.path}; send it there, or GET /captures/${name}`
      throw new TokensimError('invalid_param', message, param)
    }
    const options = replayOptions(c, native)
    // Read the request body first, as the routes do: the Node fast path takes the socket over once the head is
    // out, and a body still unread on it would leave node:http's connection bookkeeping half done.
    if (c.req.raw.body !== null) await c.req.raw.arrayBuffer()
    return replay(c, context, capture, options)
  }
}

function find(context: AppContext, name: string, param: string): NamedCapture {
  const capture = context.captures.get(name)
  if (capture !== undefined) return capture
  const known =
    context.captures.size === 0
      ? 'the server has none (start it with --captures PATH)'
      : `the captures are: ${[...context.captures.keys()].join(', ')}`
  throw new TokensimError('not_found', `${param}: no capture named ${JSON.stringify(name)}; ${known}`, param)
}

async function replay(c: Context, context: AppContext, capture: NamedCapture, options: ReplayOptions): Promise<Response> {
  // A recorded error is a whole body, not a stream: it is answered at once with its status.
  if (capture.status !== 200)
    return c.body(capture.reads.map((read) => read.data).join(''), capture.status as 400, { 'content-type': capture.contentType })
  const frames = await context.frames.get(`capture ${capture.name} ${options.speed} ${options.gap}`, () =>
    encodeFrames(captureFrames(capture, options)),
  )
  // No `: ping` in a silence: a read may end inside an event (or a JSON body), where a comment would corrupt it.
  const quiet = { clock: context.clock, registry: context.registry, heartbeat: Number.MAX_SAFE_INTEGER }
  return context.deliver(c, frames, { ...SSE_HEADERS, 'content-type': capture.contentType }, quiet)
}

/** `speed` and `gap` from their x-tokensim-* headers, or (on /stream and /captures/NAME) the query. */
function replayOptions(c: Context, query: boolean): ReplayOptions {
  const knob = (name: 'speed' | 'gap', what: string, min: number, max: number, fallback: number): number => {
    const header = CONTROLS[name].header
    const fromHeader = c.req.header(header)
    const raw = fromHeader ?? (query ? c.req.query(name) : undefined)
    if (raw === undefined) return fallback
    const param = fromHeader !== undefined ? header : name
    const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN
    if (!(n >= min && n <= max))
      throw new TokensimError('invalid_param', `${param}: ${name} must be ${what} from ${min} to ${max}; got ${JSON.stringify(raw)}`, param)
    return n
  }
  return {
    speed: knob('speed', 'a replay speed factor (2 = twice as fast)', 0.01, 1000, 1),
    gap: knob('gap', 'a number of ms between the events of an untimed capture', 0, 60_000, DEFAULT_GAP),
  }
}
