/**
 * Errors at the HTTP edge: whatever a handler throws becomes a TokensimError (an unexpected one is logged and
 * reported as `internal`, without its internals) and is rendered in the shape the route's clients expect.
 * Each vendor's routes live in a group of their own whose error handler speaks that vendor's shape.
 */
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { TokensimError } from '../core/errors.js'
import type { ErrorResponse } from '../wire/errors.js'
import type { KeyScheme } from './auth.js'
import type { AppContext } from './context.js'

export type RenderError = (error: TokensimError) => ErrorResponse<unknown>

export function asTokensimError(error: unknown): TokensimError {
  if (error instanceof TokensimError) return error
  console.error(error)
  return new TokensimError('internal', 'The server failed to handle this request; this is a bug in tokensim.')
}

/**
 * A Hono app for one vendor's routes, mounted on the main app, whose errors are rendered by `render`. With the
 * app's context, the group is also known to the guard (src/app/guard.ts), which refuses a request without
 * the API key (looked for where `scheme` says) or with too large a body in the same shape.
 */
export function routeGroup(render: RenderError, context?: AppContext, scheme: KeyScheme = 'bearer'): Hono {
  const group = new Hono()
  context?.routeGroups.push({ group, render, scheme })
  group.onError((error, c) => {
    const { status, body, headers } = render(asTokensimError(error))
    return c.json(body as object, status as ContentfulStatusCode, headers)
  })
  return group
}

/**
 * Names the response with the `x-request-id` header the OpenAI API puts on every response, errors included,
 * which the openai SDK reads as `_request_id` and `APIError.requestID` (`req_` and 32 hex digits, as the API's
 * look). Called by each handler: a group's `use()` middleware would run for every path of the app.
 */
export function setOpenAIRequestId(c: Context): void {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  c.header('x-request-id', `req_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`)
}
