/**
 * How big one stream may be: its units (`--max-units`) and how long it plays (`--max-duration`). Both are
 * known before the first byte (a stream is planned in full), so a stream beyond either is refused with a 400
 * that says how big it would be and what to change, instead of holding the event loop while a huge text is
 * encoded, or a connection and a timer for days.
 */
import { TokensimError } from '../core/errors.js'
import type { FaultPlan } from '../core/faults.js'
import type { UnitKind } from '../core/types.js'

export interface SizeLimits {
  /** Most units one stream may have, in all its parts. */
  readonly maxUnits: number
  /** Longest a stream may play, ms from its start to its last unit, stalls included. */
  readonly maxDuration: number
}

export const MAX_UNITS = 100_000
export const MAX_DURATION_MS = 60 * 60 * 1000

/** A refusal of `count` units (or more: a split stops soon after the limit) of kind `unit`. */
export function tooManyUnits(count: number, unit: UnitKind, limits: SizeLimits, param: string | null): TokensimError {
  return new TokensimError(
    'invalid_param',
    `this stream would have more than ${limits.maxUnits} ${unit} units (at least ${count}), the limit of one stream; ` +
      `stream a shorter text, a larger unit (word or token) or raise --max-units`,
    param,
  )
}

/**
 * Throws when a stream whose last unit is due at `end` ms, plus its faults' stalls, would play too long; the
 * error names `params.schedule`, or `params.stalls` when the schedule alone is within the limit.
 */
export function checkDuration(
  end: number,
  faults: Pick<FaultPlan, 'stalls'>,
  limits: SizeLimits,
  params: { readonly schedule: string | null; readonly stalls: string | null },
): void {
  let total = end
  for (const stall of faults.stalls) total += stall.ms
  if (total <= limits.maxDuration) return
  throw new TokensimError(
    'invalid_param',
    `this stream would play for ${seconds(total)}, longer than the limit of ${seconds(limits.maxDuration)} for one stream; ` +
      `ask for a shorter delay, stalls or text, or raise --max-duration`,
    end <= limits.maxDuration ? params.stalls : params.schedule,
  )
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`
