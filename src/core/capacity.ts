/**
 * capacity: a stream's timing on a loaded model (`--capacity N`). A model server answers N streams at full
 * speed; beyond them, each new stream waits longer for its first token and then gets its tokens more slowly.
 *
 * Why this shape: inference servers batch continuously, deciding at every forward pass which requests run
 * (Orca, Yu et al., OSDI 2022: iteration-level scheduling; vLLM, Kwon et al., SOSP 2023, whose scheduler keeps
 * a waiting queue in arrival order and admits a request when a running one frees room). So (1) a request beyond
 * the batch waits in the queue for streams ahead of it to finish, and its time to first token is that wait plus
 * its own prefill: TTFT = queue wait + ttft; and (2) decoding is memory-bandwidth bound, so the streams that share
 * a forward pass share its tokens per second: each gets fewer as the batch grows, while the server's total
 * levels off (Databricks, "LLM Inference Performance Engineering: Best Practices", 2023: batch 64 gave 14x the
 * throughput at 4x the per-request latency). The model keeps both in their simplest form:
 *
 *   open  = the streams open when this one starts, itself included;  load = open / N
 *   load <= 1: the timing as it is (nothing changes below capacity)
 *   load  > 1: ttft  += (open - N) x D / N   (a slot frees every D / N; it is (open - N)th in line)
 *              delay x= load                   (tokens/s per stream fall as 1 / load: the total stays N streams')
 *   D = this stream's own duration unloaded: ttft + delay x (units - 1), its medians for a profile (each stream
 *       ahead of it in the queue is taken to be like it, as in a load test that repeats one request)
 *
 * Clamped so that nothing runs away: the wait never takes ttft past the server's --max-delay, the delay is never
 * made longer than --max-delay, and the whole stream (its ttft and delay, as D counts them) never past
 * --max-duration; a stream already beyond a limit unloaded is left as it is (never made faster). Pure: no clock,
 * no randomness of its own (the schedule's seeded draws still spread the loaded timing as they spread any).
 */
import { capOf, withMedian } from './distribution.js'
import type { LogNormal, Timing } from './types.js'

/** The limits a loaded timing stays within, in ms (`--max-delay`, `--max-duration`). */
export interface LoadLimits {
  readonly maxDelay: number
  readonly maxDuration: number
}

/** How a stream is slowed: ms added before its first unit, and the factor of each gap (1: none). */
export interface Slowdown {
  readonly wait: number
  readonly factor: number
}

export const NO_SLOWDOWN: Slowdown = { wait: 0, factor: 1 }

/**
 * The slowdown of a stream of `units` units with `timing`, started with `open` streams open (itself included)
 * on a server that serves `capacity` at full speed: NO_SLOWDOWN at or below capacity.
 */
export function slowdown(timing: Timing, units: number, open: number, capacity: number, limits: LoadLimits): Slowdown {
  if (!(capacity >= 1) || !(open > capacity)) return NO_SLOWDOWN
  const { ttft, delay } = typical(timing)
  const gaps = Math.max(units - 1, 0)
  const duration = ttft + delay * gaps
  // The most this stream may take: the limit, or what it takes already if that is more.
  const budget = Math.max(duration, limits.maxDuration)
  const queued = ((open - capacity) * duration) / capacity
  const wait = clamp(queued, Math.max(limits.maxDelay - ttft, 0), budget - duration)
  const load = open / capacity
  const byDelay = delay > 0 ? Math.max(limits.maxDelay / delay, 1) : load
  const byDuration = delay * gaps > 0 ? (budget - ttft - wait) / (delay * gaps) : load
  // Gaps of 0 stay 0 (an instant profile): there is nothing to slow.
  return { wait, factor: delay > 0 ? Math.max(1, Math.min(load, byDelay, byDuration)) : 1 }
}

/**
 * The timing slowed: the uniform model's ttft plus the wait and its delay times the factor; a profile's ttft and
 * gap distributions moved to those medians as the `ttft` and `delay` knobs move them (keeping their shape, so
 * the wait is as uncertain, relatively, as the ttft), their caps held within --max-delay; stalls, bursts and the
 * headers and first-byte moments as they are (the gateway still answers at once: the model is what is busy).
 * The same object back when nothing changes, so an unloaded stream is the stream it always was.
 */
export function applySlowdown(timing: Timing, { wait, factor }: Slowdown, limits: LoadLimits): Timing {
  if (wait === 0 && factor === 1) return timing
  if (timing.kind !== 'profile') return { ...timing, ttft: timing.ttft + wait, delay: timing.delay * factor }
  return {
    ...timing,
    ttft: wait === 0 ? timing.ttft : moved(timing.ttft, timing.ttft.median + wait, limits),
    gap: factor === 1 ? timing.gap : moved(timing.gap, timing.gap.median * factor, limits),
  }
}

/** slowdown and applySlowdown in one: the timing of a stream started with `open` streams open. */
export function underLoad(timing: Timing, units: number, open: number, capacity: number, limits: LoadLimits): Timing {
  return applySlowdown(timing, slowdown(timing, units, open, capacity, limits), limits)
}

/** The typical ttft and gap: the uniform model's means, a profile's medians. */
function typical(timing: Timing): { readonly ttft: number; readonly delay: number } {
  return timing.kind === 'profile' ? { ttft: timing.ttft.median, delay: timing.gap.median } : timing
}

/** `d` around a new median, its cap no higher than --max-delay (or its own cap, if that was higher already). */
function moved(d: LogNormal, median: number, limits: LoadLimits): LogNormal {
  // A median too small to scale from (0, or so small that the ratio overflows) becomes a constant, as withMedian
  // makes a median of 0 one.
  const next = Number.isFinite(median / d.median) ? withMedian(d, median) : { median, p99: median }
  return { ...next, max: Math.max(Math.min(capOf(next), limits.maxDelay), capOf(d), median) }
}

const clamp = (value: number, ...limits: number[]): number => Math.max(0, Math.min(value, ...limits))
