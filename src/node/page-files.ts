/**
 * The page's files: everything under web/, plus the two browser libraries it imports (marked and DOMPurify,
 * as their ES module builds). All are read once at start into a fixed table, so a request can only ever get
 * one of these files: no path from the URL ever reaches the file system, and `..` in any spelling misses.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { StaticFile } from '../app/routes/page.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

/** web/ beside src/ (and beside dist/, as the package ships both). */
const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url))

/** URL path -> file, for every file under `root` and the vendored browser modules. */
export function loadStaticFiles(root: string = WEB_ROOT): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const add = (urlPath: string, file: string): void => {
    files.set(urlPath, { body: readFileSync(file), type: TYPES[extname(file)] ?? 'application/octet-stream' })
  }
  for (const file of walk(root)) add(`/${relative(root, file).split(sep).join('/')}`, file)
  const index = files.get('/index.html')
  if (index !== undefined) files.set('/', index)

  const require = createRequire(import.meta.url)
  add('/vendor/marked.js', require.resolve('marked'))
  add('/vendor/purify.js', join(dirname(require.resolve('dompurify')), 'purify.es.mjs'))
  return files
}

function* walk(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue
    const path = join(folder, entry.name)
    if (entry.isDirectory()) yield* walk(path)
    else if (entry.isFile()) yield path
  }
}
