/**
 * planStream: units + latency model -> the events a stream sends. A stream resumed after unit k (`Last-Event-ID: k`)
 * is the same plan from unit k + 1 on, shifted so that unit k's offset is the new start: nothing is kept on the
 * server between the two connections, so any process can resume any stream.
 */
import { checkChunk, chunks, timeline } from './schedule.js'
import type { StreamPlan, PlannedEvent, Timing, UnitKind } from './types.js'

export interface StreamPlanOptions {
  readonly unit: UnitKind
  readonly timing: Timing
  readonly seed: number
  /** Units per event. */
  readonly chunk: number
  /** The last unit the client already has (-1: none); at most the last unit's index. */
  readonly after: number
}

/** The whole stream as data; the same units and options always give the same plan. */
export function planStream(units: readonly string[], { unit, timing, seed, chunk, after }: StreamPlanOptions): StreamPlan {
  if (!Number.isInteger(after) || after < -1 || (after !== -1 && after >= units.length)) {
    throw new RangeError(`after must lie in [-1, ${units.length - 1}], got ${after}`)
  }
  checkChunk(chunk)
  const { offsets, moments: fresh } = timeline(units.length, timing, seed)
  // A resumed stream goes on at once, as a fresh one without start moments: its client has seen the start.
  const moments = after >= 0 ? {} : fresh
  const start = after >= 0 ? offsets[after]! : 0
  // The events are made as they are read: a megabyte of text is 100,000 of them, which a stream encodes as it
  // plays them (src/server/lazy-frames.ts) rather than all before its first byte.
  const events: Iterable<PlannedEvent> = {
    *[Symbol.iterator]() {
      for (const [first, last] of chunks(after + 1, units.length, chunk)) {
        yield { first, last, text: chunk === 1 ? units[first]! : units.slice(first, last + 1).join(''), at: offsets[last]! - start }
      }
    },
  }
  const count = Math.ceil((units.length - after - 1) / chunk)
  const firstAt = count === 0 ? undefined : offsets[Math.min(after + chunk, units.length - 1)]! - start
  let chars = 0
  for (const u of units) chars += u.length
  const end = count === 0 ? 0 : offsets[units.length - 1]! - start
  return { total: units.length, chars, events, count, firstAt, end, resumedAfter: after, timing, unit, ...moments }
}
