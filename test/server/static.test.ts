/** The page's files: served from a fixed table, so nothing outside web/ (and the two vendored modules) is reachable. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/server/app.js'
import { loadStaticFiles } from '../../src/server/static.js'

const app = createApp({ staticFiles: loadStaticFiles() })

describe('static files', () => {
  it('serves the page at / and its modules with their types', async () => {
    const page = await app.request('/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toBe(readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8'))
    const script = await app.request('/app.js')
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect((await app.request('/style.css')).headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect((await app.request('/assets/screenshot.png')).headers.get('content-type')).toBe('image/png')
  })

  it('serves the vendored ES modules the page imports', async () => {
    for (const [path, marker] of [
      ['/vendor/marked.js', /export\s*\{[^}]*\bMarked\b/],
      ['/vendor/purify.js', /export\s*\{[^}]*\bdefault\b|export default/],
    ] as const) {
      const response = await app.request(path)
      expect(response.status, path).toBe(200)
      expect(await response.text(), path).toMatch(marker)
    }
  })

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/%2e%2e%2f%2e%2e%2fetc/passwd',
    '/assets/../../package.json',
    '/vendor/../../package.json',
    '/index.html%00',
    '/.gitignore',
  ])('%s is a JSON 404', async (path) => {
    const response = await app.request(path)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  })
})
