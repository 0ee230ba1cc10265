/** GET /stream: the native SSE endpoint, which EventSource reads and resumes. */
import type { Hono } from 'hono'
import { TokensimError } from '../../core/errors.js'
import { planStream } from '../../core/stream-plan.js'
import { nativeFrames, nativeStreamError } from '../../wire/native.js'
import { timingAtLoad, openStreams } from '../request-capacity.js'
import { CONTROLS, KNOB_HEADERS } from '../../core/knobs.js'
import type { AppContext } from '../context.js'
import { asHeaderError, asHeaderErrorAsync, parseStreamParams, readHeaders, withHeaderKnobs, type StreamParams } from '../params.js'
import { beforeResponse, FAULT_HEADER, requestFaults } from '../request-faults.js'
import type { EncodedFrames } from '../encoded-frames.js'
import type { FaultPlan } from '../../core/faults.js'
import { encodeFaulted, encodeHeld, reworksFrames, SSE_HEADERS, type StreamError } from '../respond.js'
import { journalEntry } from '../journal.js'
import { readQuery } from '../query.js'
import { checkDuration } from '../stream-size.js'
import { takeInSlices } from '../slices.js'

export function streamRoute(app: Hono, context: AppContext): void {
  app.get('/stream', async (c) => {
    // The vendor routes' knob headers work here too, for a client that cannot change the URL; the query wins.
    const given = readQuery(c.req.url)
    const { query, headers } = withHeaderKnobs(given, readHeaders(c.req), KNOB_HEADERS)
    const asked = asHeaderError(
      () => parseStreamParams(query, c.req.header('last-event-id'), context.defaults, context.limits, context.profiles),
      headers,
    )
    const open = openStreams(context, c.req.raw) // the load it starts with (--capacity); beyond the queue, refused
    const units = await asHeaderErrorAsync(
      () =>
        'text' in asked.source
          ? context.units.ofText(asked.source.text, asked.unit, 'text', c.req.raw.signal)
          : context.units.ofReply(asked.source.reply, asked.unit),
      headers,
    )
    // Slowed for that load over all its units, a resumed stream too (it is planned from the start, then cut).
    const params = { ...asked, timing: timingAtLoad(asked.timing, units.length, open, context) }
    if (params.after === units.length) return c.body(null, 204) // EventSource stops reconnecting on 204
    if (params.after > units.length) {
      const param = params.afterParam
      throw new TokensimError(
        'resume_out_of_range',
        `${param} ${params.after} is past the end of this reply, which has ${units.length} units (ids 0 to ${units.length}).`,
        param,
      )
    }
    const sources = { header: c.req.header(FAULT_HEADER), query: given[CONTROLS.fault.param] }
    const faults = requestFaults(sources, context.faults, params.after, { answers: false })
    const entry = journalEntry(c)
    // A HEAD plays nothing (src/app/head.ts): its entry says so.
    if (entry !== undefined) Object.assign(entry, { knobs: given, faults: faults.applied, stream: c.req.method !== 'HEAD' })
    // One path for every stream: planned, encoded, its headers held, played. Without faults beyond a status, its
    // frames are the cache's, shared by every client of the same stream and settings (cached with the moment its
    // headers go out, so a hit knows how long to hold them without planning again); a stream its faults rework,
    // or slow-headers moves (the events' `t` and the done moments count it), has frames of its own.
    const own = reworksFrames(faults) || faults.headersDelay > 0
    const encode = (): Promise<EncodedFrames> => encodeStream(units, params, faults, context)
    const frames = own ? await encode() : await context.frames.get(cacheKey(params), encode)
    // slow-headers (which the frames' headers moment already counts), then the profile's headers moment
    await beforeResponse(faults, c.req.raw, (frames.headersAt ?? 0) - faults.headersDelay, context.registry)
    return context.deliver(c, frames, SSE_HEADERS, context)
  })
}

/**
 * A stream's frames, encoded: planned (a truncated reply is a shorter one), checked against --max-duration, with
 * its faults applied. The events say when they are sent: the encoder counts slow-headers and the stalls in their
 * offsets and in `t`, so the stalls are not applied to its frames again. Coalesce (a buffering proxy, which `t`
 * is there to reveal), split and the cut still are.
 */
async function encodeStream(
  units: readonly string[],
  params: StreamParams,
  faults: FaultPlan,
  context: AppContext,
): Promise<EncodedFrames> {
  const cut = faults.cut?.how === 'truncate' ? units.slice(0, faults.cut.after + 1) : units
  const planned = planStream(cut, { ...params, after: Math.min(params.after, cut.length - 1) })
  checkDuration(planned.end, faults, context.limits, DURATION_PARAMS)
  const native = nativeFrames(planned, { retry: context.retry, delays: faults })
  const headersAt = (planned.headersAt ?? 0) + faults.headersDelay
  if (!reworksFrames(faults)) return encodeHeld(native, headersAt, nativeError)
  return encodeFaulted(await takeInSlices(native, Infinity), { ...faults, stalls: [], headersAt }, nativeError)
}

/** What a stream too long is blamed on: its schedule's knob, or the stalls it asked for. */
const DURATION_PARAMS = { schedule: 'delay', stalls: 'fault' } as const

/** The native in-stream error: `injected_fault` for error-after, `internal` for a failure of tokensim's own. */
const nativeError: StreamError = (message, _kept, internal) => nativeStreamError(message, internal ? 'internal' : 'injected_fault')

/** Everything that decides a stream's bytes (the retry delay is the app's, the same for every key). */
function cacheKey({ source, unit, timing, seed, chunk, after }: StreamParams): string {
  const what = 'text' in source ? `t${source.text}` : `r${source.reply}`
  const latency = timing.kind === 'profile' ? JSON.stringify(timing) : `${timing.ttft} ${timing.delay} ${timing.jitter}`
  return `${unit} ${latency} ${seed} ${chunk} ${after} ${what}`
}
