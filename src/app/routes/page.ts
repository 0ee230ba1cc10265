/**
 * The web page at /, and its modules, styles and the vendored browser libraries, from a table loaded at start.
 * Every file goes out under a strict Content-Security-Policy: the page runs only its own modules (no inline
 * script or style, no eval), talks only to this server, and cannot be framed, so no reply, scenario or capture
 * text can run as code even if a bug ever let it into the DOM as HTML.
 */
import type { Hono } from 'hono'

/** One of the page's files, as the app serves it (src/node/page-files.ts loads them from web/ on Node). */
export interface StaticFile {
  readonly body: Uint8Array
  readonly type: string
}

export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

export function staticRoute(app: Hono, files: ReadonlyMap<string, StaticFile>): void {
  app.get('*', (c, next) => {
    const file = files.get(c.req.path)
    if (file === undefined) return next()
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { ...PAGE_HEADERS, 'content-type': file.type })
  })
}
