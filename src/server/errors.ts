/**
 * Errors at the HTTP edge: whatever a handler throws becomes a TokensimError (an unexpected one is logged and
 * reported as `internal`, without its internals) and is rendered in the shape the route's clients expect.
 * Each vendor's routes live in a group of their own whose error handler speaks that vendor's shape.
 */
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { TokensimError } from '../core/errors.js'
import type { ErrorResponse } from '../wire/errors.js'

export type RenderError = (error: TokensimError) => ErrorResponse<unknown>

export function asTokensimError(error: unknown): TokensimError {
  if (error instanceof TokensimError) return error
  console.error(error)
  return new TokensimError('internal', 'The server failed to handle this request; this is a bug in tokensim.')
}

/** A Hono app for one vendor's routes, mounted on the main app, whose errors are rendered by `render`. */
export function routeGroup(render: RenderError): Hono {
  const group = new Hono()
  group.onError((error, c) => {
    const { status, body, headers } = render(asTokensimError(error))
    return c.json(body as object, status as ContentfulStatusCode, headers)
  })
  return group
}
