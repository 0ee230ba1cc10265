/**
 * Every error response is rendered in one place (src/app/error-responses.ts errorResponse): an unknown path, a
 * refusal of the guard and an error a route throws come out in the same native shape, with the same type for
 * the same code; on the real server, over a socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderNativeError } from '../../src/wire/errors.js'
import { TokensimError } from '../../src/core/errors.js'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ apiKey: 'sk-test' })
})
afterAll(() => server.close())

interface ErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string }
}

const get = async (path: string, headers: Record<string, string> = { authorization: 'Bearer sk-test' }) => {
  const response = await fetch(server.url + path, { headers })
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as ErrorBody }
}

describe('error responses', () => {
  it('an unknown path is a 404 as the native renderer renders not_found', async () => {
    const response = await get('/nowhere?x=1')
    const message = 'No route for GET /nowhere. See docs/endpoints.md for the endpoints.'
    const rendered = renderNativeError(new TokensimError('not_found', message))
    expect(response).toEqual({ status: rendered.status, type: 'application/json', body: rendered.body })
    expect(response.status).toBe(404)
  })

  it('a not_found a route throws (an unknown capture) has the same type as an unknown path', async () => {
    const unknownPath = await get('/nowhere')
    const unknownCapture = await get('/captures/nothing-by-this-name')
    expect(unknownCapture.status).toBe(404)
    expect(unknownCapture.body.error.code).toBe('not_found')
    expect(unknownCapture.body.error.type).toBe(unknownPath.body.error.type)
  })

  it("the guard's refusal (no API key) on an unknown path is the native shape too", async () => {
    const refused = await get('/nowhere', {})
    expect(refused.status).toBe(401)
    expect(refused.body).toEqual(renderNativeError(new TokensimError('invalid_api_key', refused.body.error.message)).body)
  })
})
