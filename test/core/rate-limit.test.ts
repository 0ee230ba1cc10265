/** The token buckets of --rate-limit: tables for the arithmetic, properties for what must hold over any traffic. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TokensimError } from '../../src/core/errors.js'
import { createRateLimiter, take, type RateLimitConfig } from '../../src/core/rate-limit.js'
import { parseRateLimit } from '../../src/core/rate-limit-flag.js'
import { goDuration, rateLimitHeaders } from '../../src/wire/rate-limits.js'

const minute = (rpm?: number, tpm?: number): RateLimitConfig => ({ rpm, tpm, windowMs: 60_000 })

describe('take', () => {
  it('a new key is full; each request takes one request and its tokens', () => {
    const limiter = createRateLimiter(minute(3, 1000))
    expect(limiter.take('k', 100, 0)).toEqual({
      requests: { limit: 3, remaining: 2, resetMs: 20_000 },
      tokens: { limit: 1000, remaining: 900, resetMs: 6000 },
    })
    expect(limiter.take('k', 100, 0)).toMatchObject({ requests: { remaining: 1, resetMs: 40_000 }, tokens: { remaining: 800 } })
  })

  it('refills continuously: a request per rpm-th of the window', () => {
    const limiter = createRateLimiter(minute(2))
    limiter.take('k', 0, 0)
    limiter.take('k', 0, 0)
    const refused = limiter.take('k', 0, 1000)
    expect(refused.refused).toEqual({ which: 'requests', used: 2, requested: 1, retryAfterMs: 29_000, tooLarge: false })
    // Nothing was taken by the refusal, and the request fits exactly when it was told to.
    expect(limiter.take('k', 0, 29_999).refused).toBeDefined()
    expect(limiter.take('k', 0, 30_000)).toEqual({ requests: { limit: 2, remaining: 0, resetMs: 60_000 } })
  })

  it('names the bucket that keeps the request waiting longest, and takes from neither', () => {
    const config = minute(10, 100)
    let { buckets } = take(config, undefined, 95, 0)
    const second = take(config, buckets, 50, 0)
    expect(second.decision.refused).toMatchObject({ which: 'tokens', used: 95, requested: 50, retryAfterMs: 27_000 })
    expect(second.decision.requests?.remaining).toBe(9)
    buckets = second.buckets
    expect(take(config, buckets, 5, 0).decision).toMatchObject({ requests: { remaining: 8 }, tokens: { remaining: 0 } })
  })

  it('a request larger than the limit is too large, whatever is left', () => {
    const { decision } = take(minute(undefined, 100), undefined, 101, 0)
    expect(decision.refused).toMatchObject({ which: 'tokens', tooLarge: true, requested: 101, used: 0 })
  })

  it('keys are independent, and full buckets are forgotten', () => {
    const limiter = createRateLimiter(minute(1))
    expect(limiter.take('a', 0, 0).refused).toBeUndefined()
    expect(limiter.take('b', 0, 0).refused).toBeUndefined()
    expect(limiter.take('a', 0, 0).refused).toBeDefined()
    expect(limiter.size).toBe(2)
    // A minute later a and b are full again; taking c forgets them.
    limiter.take('c', 0, 60_000)
    expect(limiter.size).toBe(1)
  })

  it('keeps at most maxKeys keys', () => {
    const limiter = createRateLimiter(minute(5), 3)
    for (const key of ['a', 'b', 'c', 'd', 'e']) limiter.take(key, 0, 0)
    expect(limiter.size).toBe(3)
  })
})

/** Requests at non-decreasing times: [ms since the previous one, key, tokens]. */
const traffic = fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.constantFrom('a', 'b', ''), fc.integer({ min: 0, max: 400 })), {
  maxLength: 200,
})
const configs = fc.record({
  rpm: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
  tpm: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
  windowMs: fc.integer({ min: 100, max: 60_000 }),
})

describe('properties', () => {
  it('no key is ever granted more than its limit plus what refilled since the first grant', () => {
    fc.assert(
      fc.property(configs, traffic, (config, requests) => {
        const limiter = createRateLimiter(config)
        const granted = new Map<string, Array<[number, number]>>()
        let now = 0
        for (const [gap, key, tokens] of requests) {
          now += gap
          if (limiter.take(key, tokens, now).refused === undefined) granted.set(key, [...(granted.get(key) ?? []), [now, tokens]])
        }
        for (const list of granted.values()) {
          // Every span of grants [i..j]: at most the limit plus the refill over the span's time.
          for (let i = 0; i < list.length; i++) {
            let requestsTaken = 0
            let tokensTaken = 0
            for (let j = i; j < list.length; j++) {
              requestsTaken += 1
              tokensTaken += list[j]![1]
              const span = list[j]![0] - list[i]![0]
              if (config.rpm !== undefined) expect(requestsTaken).toBeLessThanOrEqual(config.rpm + (span * config.rpm) / config.windowMs)
              if (config.tpm !== undefined) expect(tokensTaken).toBeLessThanOrEqual(config.tpm + (span * config.tpm) / config.windowMs)
            }
          }
        }
      }),
    )
  })

  it('a refused request that fits the limit is granted when retried after retryAfterMs, not a ms before', () => {
    fc.assert(
      fc.property(configs, traffic, fc.integer({ min: 0, max: 400 }), (config, requests, tokens) => {
        const limiter = createRateLimiter(config)
        let now = 0
        for (const [gap, key, t] of requests) limiter.take(key, t, (now += gap))
        const decision = limiter.take('a', tokens, now)
        if (decision.refused === undefined || decision.refused.tooLarge) return
        const wait = decision.refused.retryAfterMs
        expect(wait).toBeGreaterThan(0)
        if (wait > 1) expect(limiter.take('a', tokens, now + wait - 1).refused).toBeDefined()
        expect(limiter.take('a', tokens, now + wait).refused).toBeUndefined()
      }),
    )
  })

  it('remaining counts down by what each request takes, and reset says when the bucket is full', () => {
    fc.assert(
      fc.property(configs, fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), (config, costs) => {
        const limiter = createRateLimiter(config)
        let left = { requests: config.rpm, tokens: config.tpm }
        for (const cost of costs) {
          const decision = limiter.take('k', cost, 0)
          if (decision.refused !== undefined) continue
          if (config.rpm !== undefined) expect(decision.requests?.remaining).toBe(left.requests! - 1)
          if (config.tpm !== undefined) expect(decision.tokens?.remaining).toBe(left.tokens! - cost)
          left = { requests: decision.requests?.remaining, tokens: decision.tokens?.remaining }
          for (const meter of [decision.requests, decision.tokens]) {
            if (meter === undefined) continue
            expect(meter.resetMs).toBe(Math.ceil(((meter.limit - meter.remaining) * config.windowMs) / meter.limit))
          }
        }
      }),
    )
  })
})

describe('parseRateLimit', () => {
  it.each([
    ['rpm=60,tpm=40000', { rpm: 60, tpm: 40000, windowMs: 60_000 }],
    ['tpm=100', { tpm: 100, windowMs: 60_000 }],
    ['rpm=2, window=1s', { rpm: 2, windowMs: 1000 }],
    ['rpm=1,window=500ms', { rpm: 1, windowMs: 500 }],
    ['rpm=1,window=2m', { rpm: 1, windowMs: 120_000 }],
  ])('%s', (spec, config) => expect(parseRateLimit(spec)).toEqual(config))

  it.each([
    ['', /NAME=VALUE/],
    ['rpm', /NAME=VALUE/],
    ['rpm=0', /rpm must be a whole number from 1/],
    ['rpm=1.5', /rpm must be a whole number/],
    ['tpm=abc', /tpm must be a whole number/],
    ['rpm=1,rpm=2', /rpm is given twice/],
    ['rps=1', /unknown limit "rps"/],
    ['window=1s', /give rpm=N, tpm=N or both/],
    ['rpm=1,window=10ms', /window must be a duration from 100ms/],
    ['rpm=1,window=1h', /window must be a duration/],
  ])('%j is refused', (spec, message) => {
    const error = (() => {
      try {
        parseRateLimit(spec)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(TokensimError)
    expect((error as Error).message).toMatch(message)
  })
})

describe('the headers', () => {
  it.each([
    [0, '0s'],
    [20, '20ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [8640, '8.64s'],
    [360_000, '6m0s'],
    [179_560, '2m59.56s'],
    [3_600_000, '1h0m0s'],
  ])('%i ms is %s as Go prints it', (ms, text) => expect(goDuration(ms)).toBe(text))

  const report = {
    requests: { limit: 3, remaining: 0, resetMs: 2500 },
    tokens: { limit: 1000, remaining: 880, resetMs: 7200 },
    at: Date.UTC(2025, 7, 21, 12, 40, 58, 300),
    model: 'm',
  }

  it("OpenAI's: durations to full", () => {
    expect(rateLimitHeaders('openai', report)).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '2.5s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '880',
      'x-ratelimit-reset-tokens': '7.2s',
    })
  })

  it("Anthropic's: RFC 3339 times in whole seconds, rounded up; retry-after on a refusal, x-should-retry when retrying cannot help", () => {
    const refused = { ...report, refused: { which: 'requests' as const, used: 3, requested: 1, retryAfterMs: 1200, tooLarge: false } }
    expect(rateLimitHeaders('anthropic', refused)).toEqual({
      'anthropic-ratelimit-requests-limit': '3',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:41:01Z',
      'anthropic-ratelimit-tokens-limit': '1000',
      'anthropic-ratelimit-tokens-remaining': '880',
      'anthropic-ratelimit-tokens-reset': '2025-08-21T12:41:06Z',
      'retry-after': '2',
    })
    const tooLarge = { ...report, refused: { which: 'tokens' as const, used: 120, requested: 5000, retryAfterMs: 7200, tooLarge: true } }
    expect(rateLimitHeaders('openai', tooLarge)).toMatchObject({ 'retry-after': '8', 'retry-after-ms': '7200', 'x-should-retry': 'false' })
    expect(rateLimitHeaders('gemini', tooLarge)).toEqual({ 'retry-after': '8' })
  })
})
