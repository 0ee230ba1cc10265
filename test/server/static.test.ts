/** The page's files: served from a fixed table, so nothing outside web/ (and the two vendored modules) is reachable. */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app/app.js'
import { PAGE_CSP } from '../../src/app/routes/page.js'
import { loadStaticFiles } from '../../src/node/page-files.js'
import { startServer } from '../helpers/server.js'

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

  it('sends every file under a strict Content-Security-Policy, with nosniff and no referrer', async () => {
    expect(PAGE_CSP).toMatch(/script-src 'self';/)
    expect(PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
    for (const path of ['/', '/index.html', '/app.js', '/style.css', '/vendor/marked.js']) {
      const response = await app.request(path)
      expect(response.headers.get('content-security-policy'), path).toBe(PAGE_CSP)
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer')
    }
    // The page has no inline script, no inline event handler and no style attribute for the policy to block.
    const html = await (await app.request('/')).text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
    expect(html).not.toMatch(/\son[a-z]+=/i)
    expect(html).not.toMatch(/\sstyle=/i)
    expect(html).not.toMatch(/<style/i)
  })

  it('a raw request line with dots and slashes (no URL normalising client) never leaves the table', async () => {
    const server = await startServer()
    try {
      for (const path of [
        '/../package.json',
        '/%2e%2e/package.json',
        '/..%2f..%2fpackage.json',
        '//etc/passwd',
        '/web/../package.json',
        '/.%2e/src/cli.ts',
      ]) {
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
          let data = ''
          socket.setEncoding('utf8')
          socket.on('data', (chunk: string) => (data += chunk))
          socket.on('end', () => resolve(data))
          socket.on('error', reject)
          socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)
        })
        expect(reply, path).toMatch(/^HTTP\/1\.1 404 /)
        expect(reply, path).not.toMatch(/"name"\s*:\s*"tokensim"|root:|#!\/usr\/bin\/env node/)
      }
    } finally {
      await server.close()
    }
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
