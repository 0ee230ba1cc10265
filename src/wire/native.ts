/**
 * The native tokensim format served by GET /stream: one `token` event per planned event and a closing `done`
 * event, with ids that make EventSource's own reconnection resume without loss or repetition.
 *
 * Ids: a token event's id is the index of the LAST unit it carries (not the first), so that
 * `Last-Event-ID: k` always means "I have every unit up to k" and the resumed stream starts at k + 1, also
 * when an event carries several units (chunk > 1). The done event's id is the unit count N; a client that
 * comes back with N gets 204, which tells EventSource to stop reconnecting.
 */
import type { FaultPlan } from '../core/faults.js'
import type { StreamPlan } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import { sseEvent, sseRetry } from './sse.js'

export interface NativeOptions {
  /** Reconnection delay sent to the client first, in ms. */
  readonly retry: number
  /**
   * The time a request's faults add to its schedule: slow-headers before everything, each stall after the event
   * that carries its unit. They are counted in the frames' offsets and in what the events say (`t`, the `done`
   * moments), so that the payload tells the moment the server sends each event; so the stalls must not be
   * applied to these frames again (applyFaults). Absent: none.
   */
  readonly delays?: Pick<FaultPlan, 'headersDelay' | 'stalls'> | undefined
}

/** The payload of a `token` event. */
export interface TokenData {
  /** The text of the units in this event. */
  readonly text: string
  /** Index of the first unit in it. */
  readonly index: number
  /** How many units it carries. */
  readonly units: number
  /**
   * When the server sends it, in ms after this response started (the request's arrival), the stalls and
   * slow-headers of its faults included: a client compares arrival with it.
   */
  readonly t: number
}

/** The payload of the closing `done` event. */
export interface DoneData {
  /** Units in the whole reply. */
  readonly tokens: number
  /** Units sent on this connection (fewer than `tokens` after a resume). */
  readonly sent: number
  readonly events: number
  readonly chars: number
  readonly unit: StreamPlan['unit']
  /** Scheduled offset of the end of this response, in ms, stalls and slow-headers included. */
  readonly duration_ms: number
  /** The unit this response resumed after, or -1. */
  readonly resumed_after: number
  /** Scheduled offset of the response headers (the latency profile's, plus slow-headers; 0 without either). */
  readonly headers_ms: number
  /** Scheduled offset of the first byte of the body: the retry line. */
  readonly first_byte_ms: number
  /** Scheduled offset of the first token event (the end, when there is none): the first visible text. */
  readonly first_text_ms: number
}

/** Rounds a scheduled offset for the wire: microseconds are noise, and shorter numbers are fewer bytes. */
const ms = (value: number): number => Math.round(value * 1000) / 1000

const NO_STALLS: FaultPlan['stalls'] = []

/**
 * The plan as timed SSE frames: `retry` first, at the first byte (at once, without a profile's first-byte
 * moment), each token event at its offset, `done` with the last one; every one of them later by the `delays`
 * before it. A stall moves what follows the event that carries its unit, as applyFaults moves the frames of
 * every other format (src/wire/fault-frames.ts): a stall after the last unit delays `done`, and one after a unit
 * past the plan's last (a truncated answer's) moves nothing.
 */
export const encodeNative = (plan: StreamPlan, options: NativeOptions): TimedFrame[] => [...nativeFrames(plan, options)]

/** The frames one at a time, each made when it is pulled (src/app/player.ts plays them so). */
export function* nativeFrames(plan: StreamPlan, { retry, delays }: NativeOptions): Generator<TimedFrame, void> {
  const lead = delays?.headersDelay ?? 0
  const stalls = delays?.stalls ?? NO_STALLS // in the order of their units (planFaults)
  const headers = (plan.headersAt ?? 0) + lead
  const firstByte = (plan.firstByteAt ?? plan.headersAt ?? 0) + lead
  yield { at: firstByte, text: sseRetry(retry) }
  let shift = lead
  let stall = 0
  for (const event of plan.events) {
    const at = event.at + shift
    const data: TokenData = { text: event.text, index: event.first, units: event.last - event.first + 1, t: ms(at) }
    yield { at, last: event.last, text: sseEvent({ id: String(event.last), event: 'token', data: JSON.stringify(data) }) }
    while (stall < stalls.length && stalls[stall]!.after <= event.last) shift += stalls[stall++]!.ms
  }
  const end = plan.end + shift
  const done: DoneData = {
    tokens: plan.total,
    sent: plan.total - plan.resumedAfter - 1,
    events: plan.count,
    chars: plan.chars,
    unit: plan.unit,
    duration_ms: ms(end),
    resumed_after: plan.resumedAfter,
    headers_ms: ms(headers),
    first_byte_ms: ms(firstByte),
    first_text_ms: ms(plan.firstAt === undefined ? end : plan.firstAt + lead),
  }
  yield { at: end, text: sseEvent({ id: String(plan.total), event: 'done', data: JSON.stringify(done) }) }
}

/** A mid-stream error (fault error-after): an `error` event, which EventSource dispatches to its `error` listeners with the data. */
export function nativeStreamError(message: string, code: 'injected_fault' | 'internal' = 'injected_fault'): string {
  return sseEvent({ event: 'error', data: JSON.stringify({ message, code }) })
}
