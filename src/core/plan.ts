/**
 * plan: units + latency model -> the events a stream sends. A stream resumed after unit k (`Last-Event-ID: k`)
 * is the same plan from unit k + 1 on, shifted so that unit k's offset is the new start: nothing is kept on the
 * server between the two connections, so any process can resume any stream.
 */
import { createRandom } from './random.js'
import { schedule, scheduleStart } from './schedule.js'
import type { Plan, PlannedEvent, Timing, UnitKind } from './types.js'

export interface PlanOptions {
  readonly unit: UnitKind
  readonly timing: Timing
  readonly seed: number
  /** Units per event. */
  readonly chunk: number
  /** The last unit the client already has (-1: none); at most the last unit's index. */
  readonly after: number
}

/** The whole stream as data; the same units and options always give the same plan. */
export function plan(units: readonly string[], { unit, timing, seed, chunk, after }: PlanOptions): Plan {
  if (!Number.isInteger(after) || after < -1 || (after !== -1 && after >= units.length)) {
    throw new RangeError(`after must lie in [-1, ${units.length - 1}], got ${after}`)
  }
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`chunk must be a whole number of at least 1, got ${chunk}`)
  const random = createRandom(seed)
  const offsets = schedule(units.length, timing, random)
  // A resumed stream goes on at once, as a fresh one without start moments: its client has seen the start.
  const moments = after >= 0 ? {} : scheduleStart(timing, offsets[0] ?? 0, random)
  const start = after >= 0 ? offsets[after]! : 0
  const events: PlannedEvent[] = []
  for (let first = after + 1; first < units.length; first += chunk) {
    const last = Math.min(first + chunk, units.length) - 1
    events.push({ first, last, text: units.slice(first, last + 1).join(''), at: offsets[last]! - start })
  }
  let chars = 0
  for (const u of units) chars += u.length
  return { total: units.length, chars, events, end: events.at(-1)?.at ?? 0, resumedAfter: after, timing, unit, ...moments }
}
