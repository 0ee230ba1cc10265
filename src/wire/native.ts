/**
 * The native tokensim format served by GET /stream: one `token` event per planned event and a closing `done`
 * event, with ids that make EventSource's own reconnection resume without loss or repetition.
 *
 * Ids: a token event's id is the index of the LAST unit it carries (not the first), so that
 * `Last-Event-ID: k` always means "I have every unit up to k" and the resumed stream starts at k + 1, also
 * when an event carries several units (chunk > 1). The done event's id is the unit count N; a client that
 * comes back with N gets 204, which tells EventSource to stop reconnecting.
 */
import type { Plan } from '../core/types.js'
import type { TimedFrame } from './frames.js'
import { sseEvent, sseRetry } from './sse.js'

export interface NativeOptions {
  /** Reconnection delay sent to the client first, in ms. */
  readonly retry: number
}

/** The payload of a `token` event. */
export interface TokenData {
  /** The text of the units in this event. */
  readonly text: string
  /** Index of the first unit in it. */
  readonly index: number
  /** How many units it carries. */
  readonly units: number
  /** Scheduled offset in ms after this response started: a client compares arrival with it. */
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
  readonly unit: Plan['unit']
  /** Scheduled offset of the end of this response, in ms. */
  readonly duration_ms: number
  /** The unit this response resumed after, or -1. */
  readonly resumed_after: number
  /** Scheduled offset of the response headers (the latency profile's; 0 without one). */
  readonly headers_ms: number
  /** Scheduled offset of the first byte of the body: the retry line. */
  readonly first_byte_ms: number
  /** Scheduled offset of the first token event (the end, when there is none): the first visible text. */
  readonly first_text_ms: number
}

/** Rounds a scheduled offset for the wire: microseconds are noise, and shorter numbers are fewer bytes. */
const ms = (value: number): number => Math.round(value * 1000) / 1000

/**
 * The plan as timed SSE frames: `retry` first, at the first byte (at once, without a profile's first-byte
 * moment), each token event at its offset, `done` with the last one.
 */
export function encodeNative(plan: Plan, { retry }: NativeOptions): TimedFrame[] {
  const headers = plan.headersAt ?? 0
  const firstByte = plan.firstByteAt ?? headers
  const frames: TimedFrame[] = [{ at: firstByte, text: sseRetry(retry) }]
  for (const event of plan.events) {
    const data: TokenData = { text: event.text, index: event.first, units: event.last - event.first + 1, t: ms(event.at) }
    frames.push({ at: event.at, last: event.last, text: sseEvent({ id: String(event.last), event: 'token', data: JSON.stringify(data) }) })
  }
  const done: DoneData = {
    tokens: plan.total,
    sent: plan.total - plan.resumedAfter - 1,
    events: plan.events.length,
    chars: plan.chars,
    unit: plan.unit,
    duration_ms: ms(plan.end),
    resumed_after: plan.resumedAfter,
    headers_ms: ms(headers),
    first_byte_ms: ms(firstByte),
    first_text_ms: ms(plan.events[0]?.at ?? plan.end),
  }
  frames.push({ at: plan.end, text: sseEvent({ id: String(plan.total), event: 'done', data: JSON.stringify(done) }) })
  return frames
}

/** A mid-stream error (fault error-after): an `error` event, which EventSource dispatches to its `error` listeners with the data. */
export function nativeStreamError(message: string, code: 'injected_fault' | 'internal' = 'injected_fault'): string {
  return sseEvent({ event: 'error', data: JSON.stringify({ message, code }) })
}
