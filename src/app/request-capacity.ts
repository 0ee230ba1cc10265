/**
 * `--capacity N` and `--queue-limit M` at the request: how many streams are open when a request starts (the
 * app's registry, this process's), the refusal of one beyond N + M, and its timing slowed by the model of
 * src/core/capacity.ts. The load is read once, when the request starts, and the stream's schedule is fixed
 * then: streams that open or close later do not move it, so it stays deterministic and resumable.
 */
import type { MiddlewareHandler } from 'hono'
import { underLoad, type LoadLimits } from '../core/capacity.js'
import { TokensimError } from '../core/errors.js'
import type { Timing } from '../core/types.js'

/** The simulated model's capacity: streams served at full speed, and how many more may queue (none: any). */
export interface Capacity {
  readonly streams: number
  readonly queueLimit?: number | undefined
  /**
   * The requests admitted whose streams have not started yet: a burst of requests all read the load before
   * any of their streams is in the registry (each awaits its body, its prompt's tokens, its plan), and would all
   * see an idle model. Each counts from openStreams until its route has answered (releaseAdmissions).
   */
  readonly admitting: Set<Request>
}

/** What the load is read from: the app's capacity, none without `--capacity`. */
interface WithCapacity {
  readonly capacity?: Capacity | undefined
}

/**
 * The streams open as a request starts, itself included (0 without --capacity: no load is taken). Beyond
 * capacity + queue limit, the overload refusal: Anthropic's 529 `overloaded_error`, a 503 elsewhere (OpenAI's
 * "engine is overloaded", Gemini's UNAVAILABLE "The model is overloaded"), with retry-after, which the SDKs
 * honour when they retry (src/wire/errors.ts renders it per vendor).
 */
export function openStreams(context: WithCapacity & { readonly registry: { readonly size: number } }, request: Request): number {
  const capacity = context.capacity
  if (capacity === undefined) return 0
  const { streams, queueLimit, admitting } = capacity
  const open = context.registry.size + admitting.size + (admitting.has(request) ? 0 : 1)
  if (queueLimit !== undefined && open > streams + queueLimit) {
    throw new TokensimError(
      'overloaded',
      `tokensim's simulated model is overloaded: ${count(streams)} at full speed (--capacity) and ${count(queueLimit)} ` +
        `queued (--queue-limit) are open; retry in a moment.`,
      null,
      { retryAfter: 1 },
    )
  }
  admitting.add(request)
  return open
}

/** Ends each request's admission once its route has answered: its stream is in the registry then, or never will be. */
export function releaseAdmissions(capacity: Capacity): MiddlewareHandler {
  return async function releaseAdmissions(c, next) {
    try {
      await next()
    } finally {
      capacity.admitting.delete(c.req.raw)
    }
  }
}

const count = (n: number): string => `${n} stream${n === 1 ? '' : 's'}`

/** A stream's timing at the load it started with (`open` from openStreams), for `units` units. */
export function timingAtLoad(timing: Timing, units: number, open: number, context: WithCapacity & { readonly limits: LoadLimits }): Timing {
  const capacity = context.capacity
  if (capacity === undefined) return timing
  return underLoad(timing, units, open, capacity.streams, context.limits)
}

/** What a cache key must add for a stream's load: nothing at or below capacity, where the load changes nothing. */
export function loadKey(open: number, context: WithCapacity): string {
  const capacity = context.capacity
  return capacity === undefined || open <= capacity.streams ? '' : ` load=${open}`
}

/** The app's capacity from its options, each checked: a whole number of streams from 1, a queue from 0. */
export function capacityOf(streams: number | undefined, queueLimit: number | undefined): Capacity | undefined {
  if (streams === undefined) {
    if (queueLimit === undefined) return undefined
    throw new TokensimError('invalid_param', 'a queue limit needs a capacity: give --capacity N with --queue-limit', 'queue-limit')
  }
  if (!Number.isSafeInteger(streams) || streams < 1)
    throw new TokensimError('invalid_param', `capacity must be a whole number of streams from 1; got ${streams}`, 'capacity')
  if (queueLimit !== undefined && (!Number.isSafeInteger(queueLimit) || queueLimit < 0))
    throw new TokensimError('invalid_param', `queue limit must be a whole number of streams from 0; got ${queueLimit}`, 'queue-limit')
  return { streams, queueLimit, admitting: new Set() }
}
