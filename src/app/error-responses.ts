/**
 * Errors at the HTTP edge: whatever a handler throws becomes a TokensimError (an unexpected one is logged and
 * reported as `internal`, without its internals) and is rendered in the shape the route's clients expect.
 * Each vendor's routes live in a group of their own whose error handler speaks that vendor's shape. Every error
 * response is made by errorResponse: the groups', the guard's refusals, the app's own errors and its unknown paths.
 */
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { TokensimError } from '../core/errors.js'
import type { ErrorResponse } from '../wire/errors.js'
import type { KeyScheme } from './auth.js'
import { newHexId } from './response-ids.js'

export type RenderError = (error: TokensimError) => ErrorResponse<unknown>

/** A vendor's route group: its routes, how it renders errors and where its clients send the key. */
export interface GroupShape {
  readonly group: Hono
  readonly render: RenderError
  readonly scheme: KeyScheme
}

/** The one place an error becomes a response: `error` (any thrown value) rendered by `render`, as JSON with its status and headers. */
export function errorResponse(c: Context, render: RenderError, error: unknown): Response {
  const { status, body, headers } = render(asTokensimError(error))
  return c.json(body as object, status as ContentfulStatusCode, headers)
}

function asTokensimError(error: unknown): TokensimError {
  if (error instanceof TokensimError) return error
  console.error(error)
  return new TokensimError('internal', 'The server failed to handle this request; this is a bug in tokensim.')
}

/**
 * A Hono app for one vendor's routes, mounted on the main app, whose errors are rendered by `render`. Added to
 * `groups` (the app's context's routeGroups), the group is also known to the guard (src/app/guard.ts), which
 * refuses a request without the API key (looked for where `scheme` says) or with too large a body in the same shape.
 */
export function routeGroup(render: RenderError, groups?: GroupShape[], scheme: KeyScheme = 'bearer'): Hono {
  const group = new Hono()
  groups?.push({ group, render, scheme })
  group.onError((error, c) => errorResponse(c, render, error))
  return group
}

/**
 * Names the response with the `x-request-id` header the OpenAI API puts on every response, errors included,
 * which the openai SDK reads as `_request_id` and `APIError.requestID` (`req_` and 32 hex digits, as the API's
 * look). Called by each handler: a group's `use()` middleware would run for every path of the app.
 */
export function setOpenAIRequestId(c: Context): void {
  c.header('x-request-id', newHexId('req_', 32))
}
