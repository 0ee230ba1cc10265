import type { MiddlewareHandler } from 'hono'

/**
 * The response headers a page on another origin may read. A cross-origin `fetch` sees only the CORS-safelisted
 * response headers (content-type among them) unless the response lists more in `access-control-expose-headers`
 * (https://fetch.spec.whatwg.org/#http-access-control-expose-headers), and a browser SDK that cannot see
 * `retry-after` retries a 429 on its own schedule instead of the server's. The list names each header (the
 * wildcard `*` is for requests without credentials only, and browsers take no prefixes such as `x-ratelimit-*`).
 */
export const EXPOSED_HEADERS: readonly string[] = [
  'content-type',
  // How long the openai and Anthropic SDKs and the AI SDK's retries wait: retry-after-ms first, then retry-after.
  'retry-after',
  'retry-after-ms',
  // The request's id: the openai SDK's `_request_id` and APIError.requestID (x-request-id), the Anthropic SDK's
  // (request-id, which tokensim sends on /v1/messages).
  'x-request-id',
  'request-id',
  // The rate-limit headers of --rate-limit on every vendor answer, and of an injected 429 (src/wire/rate-limits.ts,
  // src/wire/errors.ts): OpenAI's, then Anthropic's, and whether retrying can help (x-should-retry, which both
  // SDKs obey).
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-limit',
  'anthropic-ratelimit-requests-remaining',
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-limit',
  'anthropic-ratelimit-tokens-remaining',
  'anthropic-ratelimit-tokens-reset',
  'x-should-retry',
  // What the AI SDK's UI message stream responses carry (v1 on /api/chat), for a page that checks the format.
  'x-vercel-ai-ui-message-stream',
]

/**
 * `vary: origin` on every response of a server whose `--cors` names origins: its answer depends on the
 * request's Origin, so a cache must not give one origin's answer to another. Hono's cors middleware adds it
 * after the route, too late for a stream whose head is written while the route runs (src/node/deliver-node.ts
 * copies the headers set so far); this sets it before, and leaves one `Origin` where the cors middleware adds
 * its own after.
 */
export function varyOrigin(): MiddlewareHandler {
  return async function varyOrigin(c, next) {
    c.header('vary', 'Origin')
    await next()
    const vary = c.res.headers.get('vary')
    if (vary === null) return
    const names = [...new Set(vary.split(',').map((name) => name.trim()))]
    try {
      c.res.headers.set('vary', names.join(', '))
    } catch {
      // A response whose headers are immutable (a fetched one, replayed) keeps them as they are.
    }
  }
}
