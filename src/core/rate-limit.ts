/**
 * Rate limits as token buckets, the arithmetic alone (time is passed in as whole milliseconds on a monotonic
 * clock). A key has a bucket for requests and one for tokens; each holds at most its limit and refills at
 * the limit per window (a minute unless `--rate-limit window=` shortens it), continuously, as the vendors
 * describe theirs: OpenAI "quantizes" its per-minute limits into shorter periods
 * (https://platform.openai.com/docs/guides/rate-limits), Anthropic "uses the token bucket algorithm ...
 * your capacity is continuously replenished up to your maximum limit, rather than being reset at fixed
 * intervals" (https://docs.anthropic.com/en/api/rate-limits).
 *
 * Levels are kept in integer ticks, a unit being `windowMs` ticks and the refill `limit` ticks a millisecond,
 * so that a request retried exactly when it was told to is never refused by a rounding error.
 */

export interface RateLimitConfig {
  /** Requests a key may make per window; none: not limited. */
  readonly rpm?: number | undefined
  /** Tokens a key may use per window; none: not limited. */
  readonly tpm?: number | undefined
  /** The time an empty bucket takes to fill, ms (60,000: per minute, the vendors' window). */
  readonly windowMs: number
}

export const MINUTE_MS = 60_000
/** Bounds of the flag's values: with these, ticks stay well within a double's exact integers (2^53). */
export const MAX_LIMIT = 1_000_000_000
export const MIN_WINDOW_MS = 100
export const MAX_WINDOW_MS = 3_600_000
/** Keys whose buckets are remembered at once; past it the least recently used go (as if full again). */
const MAX_KEYS = 100_000

type Dimension = 'requests' | 'tokens'

/** A bucket as the response headers tell it. */
export interface Meter {
  readonly limit: number
  /** Whole units left now. */
  readonly remaining: number
  /** Until the bucket is full again, ms (0 when full): the vendors' "reset". */
  readonly resetMs: number
}

/** Why a request was refused; nothing was taken from either bucket. */
interface Refusal {
  readonly which: Dimension
  /** The limit less what is left of it: the "Used" of OpenAI's message. */
  readonly used: number
  readonly requested: number
  /** When the request would fit, ms from now; for one larger than the limit, when the bucket is full. */
  readonly retryAfterMs: number
  /** More than the limit itself: retrying cannot help. */
  readonly tooLarge: boolean
}

/** What a key's buckets say about one request: each limited bucket after it, and the refusal if any. */
export interface Decision {
  readonly requests?: Meter | undefined
  readonly tokens?: Meter | undefined
  readonly refused?: Refusal | undefined
}

/** A decision as a response tells it: with the wall-clock time it was made (Anthropic gives resets as times) and the model asked for. */
export interface RateLimitReport extends Decision {
  /** Epoch ms. */
  readonly at: number
  readonly model: string
}

/** One bucket: its level in ticks at `at`. */
interface Bucket {
  ticks: number
  at: number
}

/** A key's buckets (an unlimited dimension has none). */
export interface KeyBuckets {
  readonly requests?: Bucket
  readonly tokens?: Bucket
}

/**
 * The decision on a request costing one request and `tokens` tokens at `now`, and the buckets after it
 * (`buckets` is not changed). Both buckets must have room, or neither is taken from: the refusal names the
 * bucket that keeps the request waiting longest (a request larger than a limit first, as it never fits).
 */
export function take(
  config: RateLimitConfig,
  buckets: KeyBuckets | undefined,
  tokens: number,
  now: number,
): { decision: Decision; buckets: KeyBuckets } {
  const wants: Array<[Dimension, number | undefined, number]> = [
    ['requests', config.rpm, 1],
    ['tokens', config.tpm, tokens],
  ]
  const levels = new Map<Dimension, { limit: number; ticks: number; cost: number }>()
  let refused: Refusal | undefined
  for (const [which, limit, cost] of wants) {
    if (limit === undefined) continue
    const ticks = levelAt(buckets?.[which], limit, config.windowMs, now)
    levels.set(which, { limit, ticks, cost })
    const need = cost * config.windowMs - ticks
    if (need <= 0) continue
    const tooLarge = cost > limit
    // Whole ms, rounded up: the refill is `limit` ticks a ms.
    const retryAfterMs = Math.ceil((tooLarge ? limit * config.windowMs - ticks : need) / limit)
    const used = limit - Math.floor(ticks / config.windowMs)
    const refusal = { which, used, requested: cost, retryAfterMs, tooLarge }
    if (
      refused === undefined ||
      (tooLarge && !refused.tooLarge) ||
      (tooLarge === refused.tooLarge && retryAfterMs > refused.retryAfterMs)
    ) {
      refused = refusal
    }
  }
  const after: { requests?: Bucket; tokens?: Bucket } = {}
  const meters: { requests?: Meter; tokens?: Meter } = {}
  for (const [which, { limit, ticks, cost }] of levels) {
    const left = refused === undefined ? ticks - cost * config.windowMs : ticks
    after[which] = { ticks: left, at: now }
    meters[which] = meterOf(limit, left, config.windowMs)
  }
  return { decision: { ...meters, ...(refused === undefined ? {} : { refused }) }, buckets: after }
}

/** A bucket's ticks at `now`: full if it was never used; time going backwards refills nothing. */
function levelAt(bucket: Bucket | undefined, limit: number, windowMs: number, now: number): number {
  const full = limit * windowMs
  if (bucket === undefined) return full
  return Math.min(full, bucket.ticks + Math.max(0, now - bucket.at) * limit)
}

function meterOf(limit: number, ticks: number, windowMs: number): Meter {
  return { limit, remaining: Math.floor(ticks / windowMs), resetMs: Math.ceil((limit * windowMs - ticks) / limit) }
}

/** Whether a key's buckets are full at `now`, so that forgetting them changes nothing. */
function isFull(config: RateLimitConfig, buckets: KeyBuckets, now: number): boolean {
  return (['requests', 'tokens'] as const).every((which) => {
    const limit = which === 'requests' ? config.rpm : config.tpm
    return limit === undefined || levelAt(buckets[which], limit, config.windowMs, now) === limit * config.windowMs
  })
}

/** The buckets of every key: `take` applied to the key's, kept in memory that does not grow without bound. */
export interface RateLimiter {
  readonly config: RateLimitConfig
  take(key: string, tokens: number, now: number): Decision
  /** Keys remembered (full buckets are forgotten as they are met). */
  readonly size: number
}

export function createRateLimiter(config: RateLimitConfig, maxKeys = MAX_KEYS): RateLimiter {
  // In order of last use, the least recent first.
  const keys = new Map<string, KeyBuckets>()
  return {
    config,
    get size() {
      return keys.size
    },
    take(key, tokens, now) {
      const { decision, buckets } = take(config, keys.get(key), tokens, now)
      keys.delete(key)
      keys.set(key, buckets)
      // Forget the least recently used keys while their buckets are full (a full bucket is a new one), and any past maxKeys.
      for (const [oldest, old] of keys) {
        if (oldest === key || (keys.size <= maxKeys && !isFull(config, old, now))) break
        keys.delete(oldest)
      }
      return decision
    },
  }
}
