/**
 * How each vendor tells a client about its rate limits: the headers on every answer, and the words and
 * details of a 429 (src/wire/errors.ts renders its body). Everything here follows from a RateLimitReport
 * (src/core/rate-limit.ts), so the headers of an answer and of a refusal always agree.
 */
import type { Meter, RateLimitReport } from '../core/rate-limit.js'

/** Whose headers a route sends: /api/chat answers in the OpenAI error shape, so it sends OpenAI's. */
export type RateLimitVendor = 'openai' | 'anthropic' | 'gemini'

/**
 * The rate-limit headers of an answer or a refusal.
 *
 * - OpenAI (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers): `x-ratelimit-limit-*`,
 *   `x-ratelimit-remaining-*` and `x-ratelimit-reset-*` for requests and tokens, the reset being the time until
 *   the bucket is full again as a Go duration (`1s`, `6m0s`, `20ms`).
 * - Anthropic (https://docs.anthropic.com/en/api/rate-limits#response-headers):
 *   `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`, the reset an RFC 3339 time, in whole
 *   seconds as the API sends it, rounded up so the bucket is full by then. One tokens bucket is the
 *   `tokens` family, "the most restrictive limit currently in effect"; tokensim has no separate input and
 *   output buckets, so it sends no `-input-tokens-*` or `-output-tokens-*` headers rather than invent them.
 * - Gemini sends none; its 429 says it all in the body (geminiQuotaDetails).
 *
 * On a refusal: `retry-after` in whole seconds, rounded up; OpenAI's `retry-after-ms` too, which the openai
 * SDK reads first (as does @anthropic-ai/sdk, but the Anthropic API sends `retry-after` alone); and for a request
 * larger than a limit, `x-should-retry: false`, which both SDKs obey instead of retrying what cannot succeed.
 */
export function rateLimitHeaders(vendor: RateLimitVendor, report: RateLimitReport): Record<string, string> {
  const headers: Record<string, string> = {}
  if (vendor === 'openai') {
    for (const [which, meter] of meters(report)) {
      headers[`x-ratelimit-limit-${which}`] = String(meter.limit)
      headers[`x-ratelimit-remaining-${which}`] = String(meter.remaining)
      headers[`x-ratelimit-reset-${which}`] = goDuration(meter.resetMs)
    }
  } else if (vendor === 'anthropic') {
    for (const [which, meter] of meters(report)) {
      headers[`anthropic-ratelimit-${which}-limit`] = String(meter.limit)
      headers[`anthropic-ratelimit-${which}-remaining`] = String(meter.remaining)
      headers[`anthropic-ratelimit-${which}-reset`] = rfc3339Seconds(report.at + meter.resetMs)
    }
  }
  const refused = report.refused
  if (refused !== undefined) {
    headers['retry-after'] = String(Math.ceil(refused.retryAfterMs / 1000))
    if (vendor === 'openai') headers['retry-after-ms'] = String(refused.retryAfterMs)
    if (refused.tooLarge && vendor !== 'gemini') headers['x-should-retry'] = 'false'
  }
  return headers
}

function meters(report: RateLimitReport): Array<['requests' | 'tokens', Meter]> {
  const found: Array<['requests' | 'tokens', Meter]> = []
  if (report.requests !== undefined) found.push(['requests', report.requests])
  if (report.tokens !== undefined) found.push(['tokens', report.tokens])
  return found
}

/** The message of OpenAI's 429, as the API words it (its `type` is the bucket: `requests` or `tokens`). */
export function openAIRateLimitMessage(report: RateLimitReport): string {
  const refused = report.refused!
  const per = refused.which === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)'
  const limit = limitOf(report)
  if (refused.tooLarge) {
    return `Request too large for ${report.model} on ${per}: Limit ${limit}, Requested ${refused.requested}. The input or output tokens must be reduced in order to run successfully. (tokensim --rate-limit, per API key)`
  }
  return `Rate limit reached for ${report.model} on ${per}: Limit ${limit}, Used ${refused.used}, Requested ${refused.requested}. Please try again in ${goDuration(refused.retryAfterMs)}. (tokensim --rate-limit, per API key)`
}

/** The message of Anthropic's `rate_limit_error`. */
export function anthropicRateLimitMessage(report: RateLimitReport): string {
  const refused = report.refused!
  const limit = `${limitOf(report)} ${refused.which === 'requests' ? 'requests' : 'tokens'} per minute`
  if (refused.tooLarge) {
    return `This request would exceed the rate limit for this API key of ${limit} on its own: it asks for ${refused.requested} (tokensim --rate-limit). Please reduce the prompt length or the maximum tokens requested.`
  }
  return `This request would exceed the rate limit for this API key of ${limit} (tokensim --rate-limit). You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`
}

/** Google's quota names for a model's requests and input tokens per minute, as real 429s of the paid tier give them. */
const GOOGLE_QUOTAS = {
  requests: {
    quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model',
    quotaId: 'GenerateRequestsPerMinutePerProjectPerModel',
  },
  tokens: {
    quotaMetric: 'generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count',
    quotaId: 'GenerateContentPaidTierInputTokensPerModelPerMinute',
  },
} as const

/** The message of Gemini's `RESOURCE_EXHAUSTED`. */
export function geminiRateLimitMessage(report: RateLimitReport): string {
  const refused = report.refused!
  const quota = GOOGLE_QUOTAS[refused.which]
  return `You exceeded your current quota (tokensim --rate-limit, per API key).\n* Quota exceeded for metric: ${quota.quotaMetric}, limit: ${limitOf(report)}, model: ${report.model}\nPlease retry in ${refused.retryAfterMs / 1000}s.`
}

/**
 * The `details` of Gemini's 429, as the API sends them (https://ai.google.dev/gemini-api/docs/troubleshooting,
 * the google.rpc types of https://github.com/googleapis/googleapis/blob/master/google/rpc/error_details.proto):
 * a QuotaFailure naming the quota, a Help link, and a RetryInfo whose `retryDelay` is a protobuf Duration in
 * JSON (`"26s"`), in whole seconds as the API gives it, rounded up.
 */
export function geminiQuotaDetails(report: RateLimitReport): readonly object[] {
  const refused = report.refused!
  return [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          ...GOOGLE_QUOTAS[refused.which],
          quotaDimensions: { location: 'global', model: report.model },
          quotaValue: String(limitOf(report)),
        },
      ],
    },
    {
      '@type': 'type.googleapis.com/google.rpc.Help',
      links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
    },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.ceil(refused.retryAfterMs / 1000)}s` },
  ]
}

const limitOf = (report: RateLimitReport): number => report[report.refused!.which]?.limit ?? 0

/**
 * Whole milliseconds as Go's time.Duration prints them, which is how OpenAI's reset headers and messages give
 * a wait: `0s`, `20ms`, `1.5s`, `6m0s`, `1h0m0s`.
 */
export function goDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms))
  if (whole === 0) return '0s'
  if (whole < 1000) return `${whole}ms`
  const hours = Math.floor(whole / 3_600_000)
  const minutes = Math.floor((whole % 3_600_000) / 60_000)
  const seconds = ((whole % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '')
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`
}

/** An RFC 3339 UTC time in whole seconds, rounded up: `2025-08-21T12:40:59Z`. */
function rfc3339Seconds(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
