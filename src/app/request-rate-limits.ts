/**
 * `--rate-limit`: requests and tokens per minute, per API key, as token buckets (src/core/rate-limit.ts), on
 * the vendor routes that generate an answer (chat completions, Responses, Messages, generateContent and
 * streamGenerateContent, /api/chat). A request takes one request and its tokens from its key's buckets once
 * its prompt is counted, before its answer starts; every answer carries the buckets as they are then in its
 * vendor's headers (src/wire/rate-limits.ts), and a request that does not fit is a 429 in its route's shape.
 *
 * What a request costs in tokens is what the vendor can know before the answer exists:
 * - OpenAI and /api/chat: the prompt's tokens plus `max_completion_tokens` / `max_tokens` / `max_output_tokens`
 *   when given, as OpenAI estimates a request before running it.
 * - Anthropic: the prompt's tokens plus `max_tokens`: its output-tokens limit "is estimated based on max_tokens at
 *   the beginning of each request" (https://docs.anthropic.com/en/api/rate-limits), and its `tokens` headers tell
 *   the most restrictive of the input and output limits.
 * - Gemini: the prompt's tokens alone: its TPM counts input tokens (https://ai.google.dev/gemini-api/docs/rate-limits).
 * Nothing is given back when the answer turns out shorter.
 *
 * The key is the one the route's clients send (src/app/auth.ts), with or without `--api-key`: the value of
 * `authorization: Bearer`, `x-api-key` or `x-goog-api-key` (or Gemini's `?key=`); a request with none shares
 * one anonymous bucket.
 */
import type { Context } from 'hono'
import { TokensimError } from '../core/errors.js'
import { createRateLimiter, type Decision, type RateLimitConfig, type RateLimitReport } from '../core/rate-limit.js'
import { rateLimitHeaders, type RateLimitVendor } from '../wire/rate-limits.js'
import type { Conversation } from '../core/conversation.js'
import type { TurnPlan } from '../core/types.js'
import { presentedKeys, type KeyScheme } from './auth.js'

/** Where the buckets are kept: in this process, or (with `--workers`) in the primary, for the whole server (src/node/cluster.ts). */
export interface RateLimitStore {
  readonly config: RateLimitConfig
  take(key: string, tokens: number): Decision | Promise<Decision>
}

/** The buckets in this process, on the monotonic clock in whole ms. */
export function localRateLimits(config: RateLimitConfig, now: () => number = () => Math.floor(performance.now())): RateLimitStore {
  const limiter = createRateLimiter(config)
  return { config, take: (key, tokens) => limiter.take(key, tokens, now()) }
}

/** The vendor whose headers a path gets, and where its clients send the key. */
function vendorOf(path: string): { vendor: RateLimitVendor; scheme: KeyScheme; countsOutput: boolean } {
  if (path === '/v1/messages') return { vendor: 'anthropic', scheme: 'anthropic', countsOutput: true }
  if (path.startsWith('/v1beta/')) return { vendor: 'gemini', scheme: 'google', countsOutput: false }
  return { vendor: 'openai', scheme: 'bearer', countsOutput: true }
}

/** What a request's cost is read from: its answer's plan and what it asked for (a resolved vendor turn). */
interface CostedTurn {
  readonly plan: Pick<TurnPlan, 'usage'>
  readonly conversation: Pick<Conversation, 'maxTokens' | 'model'>
}

/** The tokens a request costs (see the top of this file). */
function requestTokens(turn: CostedTurn, countsOutput: boolean): number {
  return turn.plan.usage.input + (countsOutput ? (turn.conversation.maxTokens ?? 0) : 0)
}

/**
 * Takes `turn`'s request from its key's buckets and sets the vendor's rate-limit headers on the response;
 * throws a `rate_limited` TokensimError (the route renders it) when it does not fit. Nothing without `--rate-limit`.
 */
export async function limitRate(c: Context, store: RateLimitStore | undefined, turn: CostedTurn): Promise<RateLimitReport | undefined> {
  if (store === undefined) return undefined
  const { vendor, scheme, countsOutput } = vendorOf(c.req.path)
  const key = presentedKeys(c, scheme)[0] ?? ''
  const decision = await store.take(key, requestTokens(turn, countsOutput))
  const report: RateLimitReport = { ...decision, at: Date.now(), model: turn.conversation.model }
  if (report.refused !== undefined) {
    const retryAfter = Math.ceil(report.refused.retryAfterMs / 1000)
    throw new TokensimError('rate_limited', `rate limit reached on ${report.refused.which}`, null, { retryAfter, rateLimit: report })
  }
  for (const [name, value] of Object.entries(rateLimitHeaders(vendor, report))) c.header(name, value)
  return report
}

/** `error` with the key's buckets, so that an injected 429 after a request passed them tells them truly. */
export function withRateLimit(error: unknown, report: RateLimitReport | undefined): unknown {
  if (report === undefined || !(error instanceof TokensimError) || error.details.rateLimit !== undefined) return error
  return new TokensimError(error.code, error.message, error.param, { ...error.details, rateLimit: report })
}
