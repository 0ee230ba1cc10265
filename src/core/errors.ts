/**
 * Typed errors: the core says what went wrong with a discriminant code and the parameter at fault; the wire
 * layer (src/wire/errors.ts) renders each code in the shape its client expects.
 */
import type { RateLimitReport } from './rate-limit.js'

export type ErrorCode =
  /** A parameter is malformed or out of range. */
  | 'invalid_param'
  /** A reply name that the library does not hold. */
  | 'unknown_reply'
  /** A Last-Event-ID past the end of the reply. */
  | 'resume_out_of_range'
  /** A Responses `previous_response_id` this server does not hold (answered 400, as the API does). */
  | 'previous_response_not_found'
  /** An Anthropic message thread (`previous_message_id`) this server does not hold (a 404, as the API's). */
  | 'thread_not_found'
  /** A path or resource that does not exist. */
  | 'not_found'
  /** A request body larger than the server takes (`--max-body`). */
  | 'request_too_large'
  /** An API key missing or not the server's (`--api-key`). */
  | 'invalid_api_key'
  /** A client with as many streams open as it may have (`--max-streams-per-client`). */
  | 'too_many_streams'
  /** A key with no room left in its requests or tokens bucket (`--rate-limit`; src/core/rate-limit.ts). */
  | 'rate_limited'
  /** A server with as many streams open as it takes (`--max-streams`). */
  | 'server_busy'
  /** A simulated model with as many streams as it serves and queues (`--capacity`, `--queue-limit`): 529 or 503. */
  | 'overloaded'
  /** A Host header that names another server (DNS rebinding), refused with `--cors` narrowed and no key. */
  | 'unknown_host'
  /** A server that is stopping (SIGTERM, SIGINT): a request still waiting for its headers, or one that came after. */
  | 'shutting_down'
  /** A fault the request asked for (`status:CODE`): answered with that status in the vendor's shape. */
  | 'injected_status'
  /** A fault the request asked for, mid-answer (error-after or drop-after on a response that is not streamed). */
  | 'injected_error'
  /** Anything the server did not expect: a bug, reported without its internals. */
  | 'internal'

export interface ErrorDetails {
  /** The key's rate-limit buckets (`--rate-limit`), which each vendor's response tells in its own headers. */
  readonly rateLimit?: RateLimitReport
  /** The HTTP status, where the code does not decide it (an injected status). */
  readonly status?: number
  /** Seconds a client should wait before it retries (a `retry-after` header). */
  readonly retryAfter?: number
}

export class TokensimError extends Error {
  override readonly name = 'TokensimError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The request parameter at fault, as the client spelled it. */
    readonly param: string | null = null,
    readonly details: ErrorDetails = {},
  ) {
    super(message)
  }
}
