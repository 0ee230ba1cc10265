/**
 * tokensim/msw in the browser: a page (test/apps/openai-browser, built once with Vite's JS API) whose openai SDK
 * (`dangerouslyAllowBrowser`) streams tokensim's answers through MSW's Service Worker (msw/browser's setupWorker)
 * with no tokensim server, in headless Chromium; and what the Service Worker does to a stream's timing, measured
 * beside the same stream from a tokensim server read by fetch in the same browser.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start, type Tokensim } from '../../src/index.js'
import type { MswOptions } from '../../src/msw.js'
import type { Read } from '../apps/openai-browser/main.js'
import { browserAvailable, launchBrowser } from '../helpers/browser.js'
import { fencedBlocks } from '../helpers/markdown.js'
import { recordErrors, replyText } from '../helpers/page.js'

const APP = fileURLToPath(new URL('../apps/openai-browser/', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** MSW's own Service Worker script, of the msw the page bundles. */
const WORKER_SCRIPT = createRequire(import.meta.url).resolve('msw/mockServiceWorker.js')
const TIMEOUT = 90_000

/** The stream measured both ways: the `long` reply a token at a time, 20 ms apart, no jitter, a fixed seed. */
const PACE = { reply: 'long', unit: 'token', delay: 20, ttft: 100, jitter: 0, seed: 5 } as const satisfies MswOptions
/** Tokens a measured stream plays (the request's limit cuts `long` there): about 4 s at 20 ms. */
const TOKENS = 200
const BODY = { model: 'gpt-4o', stream: true, max_completion_tokens: TOKENS, messages: [{ role: 'user', content: 'Hi' }] }

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }

/** The build's files, and MSW's worker script at the root, as a static host serves an app. */
function serveStatic(folder: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const file = path === '/mockServiceWorker.js' ? WORKER_SCRIPT : join(folder, normalize(path === '/' ? '/index.html' : path))
    if (!file.startsWith(folder) && file !== WORKER_SCRIPT) return void response.writeHead(403).end()
    try {
      if (!statSync(file).isFile()) throw new Error('not a file')
    } catch {
      return void response.writeHead(404).end()
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
    createReadStream(file).pipe(response)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** Builds the page as `vite build` does, in production (vitest's NODE_ENV=test would be built into the bundle). */
async function buildPage(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}

/** Percentile p (0 to 100) of values, nearest rank. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** What a stream's reads show: its events' gaps (events in one read are 0 apart), their percentiles, merged reads. */
interface Timing {
  readonly events: number
  readonly span: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  /** Reads that brought more than one event, and the events they brought. */
  readonly mergedReads: number
  readonly mergedEvents: number
}
function timingOf(reads: readonly Read[]): Timing {
  const arrivals = reads.flatMap((read) => Array.from({ length: read.events }, () => read.at))
  const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
  const merged = reads.filter((read) => read.events > 1)
  const round = (n: number) => Math.round(n * 10) / 10
  return {
    events: arrivals.length,
    span: Math.round(arrivals.at(-1)! - arrivals[0]!),
    p50: round(percentile(gaps, 50)),
    p90: round(percentile(gaps, 90)),
    p99: round(percentile(gaps, 99)),
    mergedReads: merged.length,
    mergedEvents: merged.reduce((sum, read) => sum + read.events, 0),
  }
}

describe.skipIf(!browserAvailable)('tokensim/msw in the browser (msw/browser, headless Chromium)', () => {
  let out = ''
  let site: Server
  let siteUrl = ''
  let server: Tokensim
  let browser: Browser

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tokensim-openai-browser-'))
    const [, started, launched] = await Promise.all([buildPage(out), start({ port: 0, ...PACE }), launchBrowser()])
    server = started
    browser = launched
    site = await serveStatic(out)
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await new Promise((resolve) => site?.close(resolve))
    if (out !== '') rmSync(out, { recursive: true, force: true })
  })

  /** A page of its own (a new context: no Service Worker registered yet), its errors recorded. */
  async function openPage(query = ''): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = await recordErrors(page)
    await page.goto(`${siteUrl}/${query}`)
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' })
    return { page, errors }
  }

  it('the docs example: the openai SDK streams the greeting through the worker, with no server', { timeout: TIMEOUT }, async () => {
    const { page, errors } = await openPage('?demo')
    const output = await page.waitForSelector('#output[data-state]', { timeout: 30_000 })
    expect(await output.getAttribute('data-state'), (await output.textContent()) ?? '').toBe('done')
    expect(await output.textContent()).toBe(replyText('greeting'))
    // Served by the worker: the page's one request to api.openai.com never reached the network.
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${siteUrl}/mockServiceWorker.js`)
    expect(errors).toEqual([])
    await page.context().close()
  })

  it("the docs' browser example is this page's `demo`, line for line", () => {
    const source = readFileSync(join(APP, 'main.ts'), 'utf8')
    const block = fencedBlocks(readFileSync(join(ROOT, 'docs/msw.md'), 'utf8'), 'docs/msw.md').find((b) => b.body.includes("'msw/browser'"))
    expect(block, 'docs/msw.md has a block with msw/browser').toBeDefined()
    const lines = block!.body
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('//') && !line.startsWith('import '))
    for (const line of lines) expect(source, `main.ts has the docs' line: ${line}`).toContain(line)
  })

  it('a scenario and a latency profile reach the SDK in the page; the chunks come spread out', { timeout: TIMEOUT }, async () => {
    const { page, errors } = await openPage()
    const options: MswOptions = {
      delay: 25,
      ttft: 200,
      unit: 'word',
      scenarios: '- match: { contains: hello }\n  text: Hello from a scenario, a word at a time, through a Service Worker.',
    }
    await page.evaluate((o) => window.tokensimPage.startMsw(o), options)
    const { text, arrivals } = await page.evaluate(() => window.tokensimPage.openaiStream(undefined, { model: 'gpt-4o', content: 'hello' }))
    expect(text).toBe('Hello from a scenario, a word at a time, through a Service Worker.')
    expect(arrivals[0]).toBeGreaterThan(150)
    // 12 words 25 ms apart: spread over about 275 ms, not arrived at once.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(150)
    expect(errors).toEqual([])
    await page.context().close()
  })

  it('what the Service Worker does to timing: the same stream through MSW and from the server', { timeout: TIMEOUT }, async () => {
    const { page, errors } = await openPage()
    // The server first, before the worker is registered (once it is, every request of the page goes through it).
    const fromServer = timingOf(
      await page.evaluate(([url, body]) => window.tokensimPage.readStream(url, body), [`${server.url}/v1/chat/completions`, BODY] as const),
    )
    await page.evaluate((o) => window.tokensimPage.startMsw(o), PACE)
    const throughMsw = timingOf(
      await page.evaluate((body) => window.tokensimPage.readStream('https://api.openai.com/v1/chat/completions', body), BODY),
    )
    // The server's stream again, now passed through by the worker (a request no handler answers).
    const passedThrough = timingOf(
      await page.evaluate(([url, body]) => window.tokensimPage.readStream(url, body), [`${server.url}/v1/chat/completions`, BODY] as const),
    )
    console.log('gaps between events, ms (p50 p90 p99), merged reads', { fromServer, throughMsw, passedThrough })

    // The same events: the role chunk, TOKENS content chunks, the finish chunk and [DONE].
    expect(throughMsw.events).toBe(fromServer.events)
    expect(fromServer.events).toBe(TOKENS + 3)
    // The same schedule, 20 ms a token, kept through the worker: the span and the median gap.
    const planned = (TOKENS - 1) * PACE.delay
    for (const timing of [fromServer, throughMsw]) {
      expect(timing.span).toBeGreaterThan(planned * 0.9)
      expect(timing.span).toBeLessThan(planned * 1.5 + 500)
      expect(timing.p50).toBeGreaterThan(PACE.delay * 0.5)
      expect(timing.p50).toBeLessThan(PACE.delay * 2)
    }
    // Through the worker, chunks may merge and gaps widen, but the stream stays a stream (bounds for a loaded machine).
    expect(throughMsw.mergedEvents).toBeLessThan(throughMsw.events / 2)
    expect(throughMsw.p90).toBeLessThan(PACE.delay * 4)
    expect(errors).toEqual([])
    await page.context().close()
  })
})
