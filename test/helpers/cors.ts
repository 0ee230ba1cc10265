/** A browser's CORS preflight, as a dev server's page on another origin sends it before a cross-origin call. */
import { expect } from 'vitest'

/** Sends the preflight for `method` on `url` asking for `headers`, and checks it allows them from any origin. */
export async function expectPreflight(url: string, method: string, headers: readonly string[]): Promise<void> {
  const response = await fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:5173',
      'access-control-request-method': method,
      'access-control-request-headers': headers.join(', '),
    },
  })
  expect(response.status).toBe(204)
  expect(response.headers.get('access-control-allow-origin')).toBe('*')
  expect(response.headers.get('access-control-allow-methods')).toContain(method)
  const allowed = response.headers
    .get('access-control-allow-headers')
    ?.split(',')
    .map((h) => h.trim().toLowerCase())
  expect(allowed).toEqual(expect.arrayContaining(headers.map((h) => h.toLowerCase())))
}
