/**
 * Renders a core error in the shape each client expects, one function per vendor. The message already names
 * the field or header at fault (`max_tokens: Field required`); shapes without a `param` carry it only there. The native routes answer in
 * the OpenAI error shape (`{"error":{"message","type","param","code"}}`), which most chat clients already know
 * how to show.
 */
import type { ErrorCode, TokensimError } from '../core/errors.js'
import {
  anthropicRateLimitMessage,
  geminiQuotaDetails,
  geminiRateLimitMessage,
  openAIRateLimitMessage,
  rateLimitHeaders,
  type RateLimitVendor,
} from './rate-limits.js'

export interface ErrorResponse<Body> {
  readonly status: number
  readonly body: Body
  /** `retry-after` and the vendor's rate-limit headers, where they apply. */
  readonly headers: Readonly<Record<string, string>>
}

const STATUS: Record<Exclude<ErrorCode, 'injected_status'>, number> = {
  invalid_param: 400,
  unknown_reply: 400,
  resume_out_of_range: 400,
  previous_response_not_found: 400,
  not_found: 404,
  thread_not_found: 404,
  request_too_large: 413,
  invalid_api_key: 401,
  too_many_streams: 429,
  rate_limited: 429,
  server_busy: 503,
  overloaded: 503,
  shutting_down: 503,
  unknown_host: 403,
  injected_error: 500,
  internal: 500,
}

const statusOf = (error: TokensimError): number => error.details.status ?? (error.code === 'injected_status' ? 500 : STATUS[error.code])

const retryAfter = (error: TokensimError): Record<string, string> =>
  error.details.retryAfter === undefined ? {} : { 'retry-after': String(error.details.retryAfter) }

/**
 * The rate-limit headers of an error: with `--rate-limit`, the key's buckets as they are (the refusal's, or
 * those of a request that passed them and failed later, such as an injected status); without it, an injected
 * 429 (`--fault status:429`) imitates a real one with `fixed` values, which count nothing, so that a client's
 * handling of the headers can be tried without rate limits; any other error has none.
 */
function limitHeaders(
  vendor: RateLimitVendor,
  error: TokensimError,
  status: number,
  fixed: Record<string, string>,
): Record<string, string> {
  const report = error.details.rateLimit
  if (report !== undefined) return rateLimitHeaders(vendor, report)
  return status === 429 && error.code === 'injected_status' ? fixed : {}
}

/** A refusal of `--rate-limit`'s, whose message each vendor words its own way. */
const refusal = (error: TokensimError) =>
  error.code === 'rate_limited' && error.details.rateLimit?.refused !== undefined ? error.details.rateLimit : undefined

export interface OpenAIErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string }
}

/** OpenAI's shape (https://platform.openai.com/docs/guides/error-codes): what the openai SDK turns into its typed errors. */
export function renderOpenAIError(error: TokensimError): ErrorResponse<OpenAIErrorBody> {
  const status = statusOf(error)
  const refused = refusal(error)
  const [type, code] =
    status === 429
      ? [refused?.refused?.which ?? 'requests', 'rate_limit_exceeded']
      : status === 401
        ? ['invalid_request_error', 'invalid_api_key']
        : status >= 500
          ? ['server_error', error.code]
          : status === 404
            ? ['not_found_error', error.code]
            : ['invalid_request_error', error.code]
  // The API's rate-limit headers (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers).
  const limits = limitHeaders('openai', error, status, {
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${error.details.retryAfter ?? 1}s`,
  })
  const message = refused === undefined ? error.message : openAIRateLimitMessage(refused)
  return {
    status,
    body: { error: { message, type, param: error.param, code } },
    headers: { ...retryAfter(error), ...limits },
  }
}

/**
 * The native routes speak the OpenAI shape.
 * @alias
 */
export const renderNativeError = renderOpenAIError

export interface AnthropicErrorBody {
  readonly type: 'error'
  readonly error: { readonly type: string; readonly message: string; readonly details?: { readonly error_code: string } }
}

/** Anthropic's shape (https://docs.anthropic.com/en/api/errors): `{"type":"error","error":{type,message}}`. */
export function renderAnthropicError(error: TokensimError): ErrorResponse<AnthropicErrorBody> {
  // An overloaded model is the API's own 529 `overloaded_error`, where the other vendors say 503.
  const status = error.code === 'overloaded' ? 529 : statusOf(error)
  const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
  // The API's rate-limit headers (https://docs.anthropic.com/en/api/rate-limits#response-headers).
  const limits = limitHeaders('anthropic', error, status, {
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '0',
  })
  // The SDK picks a typed error by `details.error_code` (ThreadNotFoundError for `404 thread_not_found`).
  const details = error.code === 'thread_not_found' ? { details: { error_code: error.code } } : {}
  const refused = refusal(error)
  const message = refused === undefined ? error.message : anthropicRateLimitMessage(refused)
  return {
    status,
    body: { type: 'error', error: { type, message, ...details } },
    headers: { ...retryAfter(error), ...limits },
  }
}

/** https://docs.anthropic.com/en/api/errors#http-errors */
const ANTHROPIC_TYPES: Record<number, string> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
}

export interface GeminiErrorBody {
  readonly error: { readonly code: number; readonly message: string; readonly status: string; readonly details?: readonly object[] }
}

/** Google's shape (https://ai.google.dev/gemini-api/docs/troubleshooting): `{"error":{code,message,status}}`. */
export function renderGeminiError(error: TokensimError): ErrorResponse<GeminiErrorBody> {
  const status = statusOf(error)
  const name = GOOGLE_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION')
  const refused = refusal(error)
  if (refused === undefined)
    return { status, body: { error: { code: status, message: error.message, status: name } }, headers: retryAfter(error) }
  // RESOURCE_EXHAUSTED with the quota that ran out and when to retry, in `details` as the API gives them.
  const body = { code: status, message: geminiRateLimitMessage(refused), status: name, details: geminiQuotaDetails(refused) }
  return { status, body: { error: body }, headers: { ...retryAfter(error), ...limitHeaders('gemini', error, status, {}) } }
}

/** https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  // The API's own answer to an oversized body is INVALID_ARGUMENT ("Request payload size exceeds the limit:
  // N bytes", as the SDKs report it); tokensim keeps the 413 so that every route says the same status.
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}
