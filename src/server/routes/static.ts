/** The web page at /, and its modules, styles and the vendored browser libraries, from a table loaded at start. */
import type { Hono } from 'hono'
import type { StaticFile } from '../static.js'

export function staticRoute(app: Hono, files: ReadonlyMap<string, StaticFile>): void {
  app.get('*', (c, next) => {
    const file = files.get(c.req.path)
    if (file === undefined) return next()
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.type, 'cache-control': 'no-cache' })
  })
}
