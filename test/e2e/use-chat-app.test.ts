/**
 * A real chat app as the proof: the React app under test/apps/use-chat (useChat with DefaultChatTransport, a
 * client-side tool, Stop, `resume: true`), built once with Vite's JS API and served by `vite preview`, driven in
 * headless Chromium two ways:
 *
 * - against the tokensim server (`start()`): the preview server's proxy sends the app's own /api to it, as a
 *   frontend project's dev or preview server does, so the app's code is the one it ships;
 * - against tokensim/msw with no server: the same bundle with `?mock=msw` starts MSW's Service Worker with
 *   tokensim's handlers before it renders, and every /api/chat answer comes from the page (the preview's proxy
 *   points at a port nothing listens on, so a request MSW did not answer fails).
 *
 * Both ways: text streams in, a tool call round-trips, a stall and an error show as the app shows them, Stop stops.
 * A reload mid-answer resumes it from the server; with MSW the answer lived in the page, and the test shows what
 * happens instead. Each test scripts its answers in a scope of its own (`?scope=` in the app's URL, sent as
 * `x-tokensim-scope`) and reads back its journal.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build, preview, type PreviewServer } from 'vite'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { start, type Tokensim } from '../../src/index.js'
import type { MswOptions } from '../../src/msw.js'
import { browserAvailable, launchBrowser } from '../helpers/browser.js'
import { fencedBlocks } from '../helpers/markdown.js'
import { recordErrors, replyText } from '../helpers/page.js'
import { freePort } from '../helpers/ports.js'

const APP = fileURLToPath(new URL('../apps/use-chat/', import.meta.url))
const CONFIG = join(APP, 'vite.config.ts')
/** A test's bound: two cores shared with the rest of the suite. */
const TIMEOUT = 60_000
/** tokensim's pace for every answer, both ways: a token every 10 ms after 100 ms, no jitter. */
const PACE = { delay: 10, ttft: 100, jitter: 0 } as const

/** The last assistant message's text parts, joined, as the page shows them. */
const ANSWER = '.message.assistant:last-of-type .text'
const STATUS = '.status'
const ERROR = '.error[role="alert"]'
const READY = `${STATUS}[data-status="ready"]`

const WEATHER_RULES = [
  '- match: { contains: weather }',
  '  tool_calls: [{ name: get_weather, arguments: { city: Paris } }]',
  '- match: { tool_result: get_weather }',
  "  text: 'It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.'",
].join('\n')

/**
 * Builds the app into `outDir` as `vite build` does. vitest sets NODE_ENV to `test`, which Vite would build into
 * the bundle (React's development build and JSX runtime); the app is tested as it ships, in production.
 */
async function buildApp(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ root: APP, configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}

/** `vite preview` of the build in `outDir`, its /api proxied to `target`. */
async function previewApp(outDir: string, target: string): Promise<PreviewServer> {
  return preview({
    root: APP,
    configFile: CONFIG,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, proxy: { '/api': target } },
  })
}

interface Sample {
  readonly t: number
  readonly length: number
  readonly status: string | undefined
}

/** Runs in the page: samples the answer's length and useChat's status every 20 ms into `window.samples`. */
function startSampling(selector: string): void {
  const samples: Sample[] = []
  Object.assign(window, { samples })
  const t0 = performance.now()
  setInterval(() => {
    const parts = [...document.querySelectorAll(selector)]
    const length = parts.reduce((sum, part) => sum + (part.textContent?.length ?? 0), 0)
    const status = document.querySelector<HTMLElement>('.status')?.dataset.status
    samples.push({ t: performance.now() - t0, length, status })
  }, 20)
}

const readSamples = (page: Page): Promise<Sample[]> => page.evaluate(() => (window as unknown as { samples: Sample[] }).samples)

/** The longest time the shown text stood still, partway through, while useChat was streaming. */
function longestPause(samples: readonly Sample[], total: number): number {
  let longest = 0
  let since: Sample | undefined
  for (const sample of samples) {
    if (sample.status !== 'streaming' || sample.length === 0 || sample.length === total) since = undefined
    else if (since === undefined || sample.length !== since.length) since = sample
    else longest = Math.max(longest, sample.t - since.t)
  }
  return longest
}

/** The app open in a page, with its errors and where each of its /api answers came from. */
interface OpenApp {
  readonly page: Page
  readonly errors: string[]
  /** per /api response: `worker` (the Service Worker answered) or `network` */
  readonly served: string[]
}

/** What differs between the two ways of answering the app. */
interface Way {
  readonly mock: boolean
  readonly appUrl: () => string
  /** Sets the rules of `scope` before its app opens. */
  script(scope: string, yaml: string): Promise<void>
  /** What the app sent in `scope`, as the journal has it. */
  journal(app: OpenApp, scope: string): Promise<any[]>
}

const answer = async (page: Page): Promise<string> => (await page.locator(ANSWER).allTextContents()).join('')

async function send(page: Page, text: string): Promise<void> {
  await page.fill('input[name="prompt"]', text)
  await page.click('button[type="submit"]')
}

/** The chat routes' entries (a test's own scenario requests left out) as [method, route, status]. */
const chatEntries = (entries: any[]): any[] => entries.filter((entry) => entry.route === 'ai-sdk-ui' || entry.route === 'ai-sdk-ui-resume')
const row = (entry: any): unknown[] => [entry.method, entry.route, entry.status]
/** The resume `useChat({ resume: true })` asks for as the app loads: a 204 while nothing plays. */
const ON_LOAD = ['GET', 'ai-sdk-ui-resume', 204]

describe("the README's useChat app", () => {
  it('is the test app: each line of its snippet is a line of the file its comment names', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
    const blocks = fencedBlocks(readme, 'README.md').filter((block) => block.heading === 'A useChat app')
    expect(blocks.map((block) => block.lang)).toEqual(['tsx'])
    let file: string | undefined
    const checked: string[] = []
    for (const line of blocks[0]!.body.split('\n').map((text) => text.trim())) {
      const named = /^\/\/ ([\w./-]+\.tsx?): /.exec(line)
      if (named !== null) file = named[1]
      if (line === '' || line.startsWith('//')) continue
      expect(file, `a file named before ${line}`).toBeDefined()
      const lines = readFileSync(join(APP, file!), 'utf8')
        .split('\n')
        .map((text) => text.trim())
      expect(lines, `${file} holds the README's line`).toContain(line)
      checked.push(file!)
    }
    expect(new Set(checked)).toEqual(new Set(['vite.config.ts', 'src/chat.tsx', 'src/main.tsx']))
  })
})

describe.skipIf(!browserAvailable)('a useChat app (React, built with Vite) in Chromium', { timeout: TIMEOUT }, () => {
  let outDir = ''
  let browser: Browser
  /** The browser context of each way (the server's, MSW's), and the pages a test opened. */
  const contexts: (BrowserContext | undefined)[] = []
  const pages: Page[] = []
  /** The rules of each scope in the MSW runs, handed to the page's handlers as it loads. */
  const mswRules = new Map<string, string>()

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tokensim-use-chat-'))
    await buildApp(outDir)
    browser = await launchBrowser()
  }, 2 * TIMEOUT)

  // A stream a test left playing (a stopped one plays on with MSW) ends with its page.
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close().catch(() => undefined)))
  })

  afterAll(async () => {
    for (const context of contexts) await context?.close().catch(() => undefined)
    await browser?.close()
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true })
  })

  /**
   * The app in a new page (a tab: its own sessionStorage, so its own chats), in `scope`. The pages of a way share
   * a browser context, as tabs do: with MSW, its Service Worker is registered once, and each page starts its own
   * handlers, which answer that page's requests only.
   */
  async function openApp(way: Way, scope: string): Promise<OpenApp> {
    const context = (contexts[way.mock ? 1 : 0] ??= await browser.newContext())
    const page = await context.newPage()
    pages.push(page)
    if (way.mock) {
      const options: MswOptions = { ...PACE, scenarios: mswRules.get(scope) ?? '[]' }
      await page.addInitScript((given) => Object.assign(window, { tokensimOptions: given }), options)
    }
    const errors = await recordErrors(page)
    const served: string[] = []
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/')) served.push(response.fromServiceWorker() ? 'worker' : 'network')
    })
    await page.goto(`${way.appUrl()}?scope=${encodeURIComponent(scope)}${way.mock ? '&mock=msw' : ''}`)
    await page.waitForSelector(READY)
    return { page, errors, served }
  }

  /** No error in the page but those `allowed`, and every /api answer from where this way answers it. */
  function expectClean(way: Way, { errors, served }: OpenApp, allowed?: RegExp): void {
    expect(errors.filter((error) => allowed === undefined || !allowed.test(error))).toEqual([])
    expect(served.length).toBeGreaterThan(0)
    expect(new Set(served)).toEqual(new Set([way.mock ? 'worker' : 'network']))
  }

  /** The tests both ways share. */
  function chatTests(way: Way): void {
    it('streams the text in: the answer grows while useChat streams, and ends as the reply tokensim planned', async () => {
      const scope = 'use-chat-text'
      await way.script(scope, '- match: { contains: retry }\n  reply: code\n')
      const planned = replyText('code')
      const app = await openApp(way, scope)
      const { page } = app

      await page.evaluate(startSampling, ANSWER)
      await send(page, 'Write a retry helper')
      await page.waitForSelector(READY, { timeout: TIMEOUT })
      // the status line is back to ready only once the message is complete
      expect(await answer(page)).toBe(planned)
      expect(await page.locator(STATUS).textContent()).toBe('Ready')

      const samples = await readSamples(page)
      const streaming = samples.filter((s) => s.status === 'streaming' && s.length > 0 && s.length < planned.length)
      // 377 tokens 10 ms apart, sampled every 20 ms: many partial lengths, growing
      expect(new Set(streaming.map((s) => s.length)).size, 'distinct partial lengths while streaming').toBeGreaterThanOrEqual(10)
      expect(streaming.every((s, i) => i === 0 || s.length >= streaming[i - 1]!.length)).toBe(true)

      const entries = chatEntries(await way.journal(app, scope))
      expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 200]])
      expect(entries[1].outcome).toBe('complete')
      expectClean(way, app)
    })

    it('round-trips a tool call: the app runs get_weather in the browser and useChat sends its result by itself', async () => {
      const scope = 'use-chat-tool'
      await way.script(scope, WEATHER_RULES)
      const app = await openApp(way, scope)
      const { page } = app
      await send(page, "What's the weather in Paris?")

      // the app's tool answers 21 for Paris; the second turn's text is built on it
      await expect.poll(() => answer(page), { timeout: TIMEOUT }).toBe('It is 21 °C in Paris.')
      await page.waitForSelector(READY, { timeout: TIMEOUT })
      const tool = page.locator('.message.assistant:last-of-type .tool[data-tool="get_weather"]')
      expect(await tool.getAttribute('data-state')).toBe('output-available')
      expect(JSON.parse((await tool.locator('.output').textContent()) ?? '')).toEqual({ city: 'Paris', temp: 21 })
      // one assistant message holds both steps, as useChat keeps a continued answer
      expect(await page.locator('.message.assistant').count()).toBe(1)

      const entries = chatEntries(await way.journal(app, scope))
      expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 200], ['POST', 'ai-sdk-ui', 200]])
      const [, first, second] = entries
      expect(first.conversation.at(-1)).toMatchObject({ role: 'user', text: "What's the weather in Paris?" })
      const call = second.conversation.at(-2)
      expect(call).toMatchObject({ role: 'assistant', tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] })
      const results = second.conversation.at(-1)
      expect(results).toMatchObject({ role: 'tool', results: [{ id: call.tool_calls[0].id, name: 'get_weather', is_error: false }] })
      expect(JSON.parse(results.results[0].content)).toEqual({ city: 'Paris', temp: 21 })
      expectClean(way, app)
    })

    it('shows a stall as a pause in the growing text, then the whole answer', async () => {
      const scope = 'use-chat-stall'
      const STALL_MS = 2000
      await way.script(scope, `- match: { contains: stall }\n  reply: greeting\n  fault: stall-after:10:${STALL_MS}\n`)
      const planned = replyText('greeting')
      const app = await openApp(way, scope)
      const { page } = app

      await page.evaluate(startSampling, ANSWER)
      await send(page, 'Please stall')
      await page.waitForSelector(READY, { timeout: TIMEOUT })
      expect(await answer(page)).toBe(planned)
      const pause = longestPause(await readSamples(page), planned.length)
      expect(pause, 'the pause the stall made').toBeGreaterThan(STALL_MS * 0.8)
      expect(pause).toBeLessThan(STALL_MS + 3000)
      expectClean(way, app)
    })

    it("shows an in-stream error on the app's error line, with useChat's status error", async () => {
      const scope = 'use-chat-error'
      await way.script(scope, '- match: { contains: fail }\n  reply: greeting\n  fault: error-after:5\n')
      const app = await openApp(way, scope)
      const { page } = app
      // what the stream's error chunk says, read in the page from the wire the same request gets
      const body = JSON.stringify({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Please fail' }] }] })
      const wire = await page.evaluate(
        async ({ scope, body }) =>
          (
            await fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tokensim-scope': scope }, body })
          ).text(),
        { scope, body },
      )
      const errorChunk = wire
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => JSON.parse(line.slice(6)) as { type: string; errorText?: string })
        .find((chunk) => chunk.type === 'error')
      expect(errorChunk?.errorText).toBeTruthy()

      await send(page, 'Please fail')
      await page.waitForSelector(`${STATUS}[data-status="error"]`, { timeout: TIMEOUT })
      expect(await page.locator(ERROR).textContent()).toBe(errorChunk!.errorText)
      expect(await page.locator(STATUS).textContent()).toBe('Something went wrong')
      // units 0 to 5 arrived before the error, and stay shown
      const shown = await answer(page)
      expect(shown.length).toBeGreaterThan(0)
      expect(replyText('greeting').startsWith(shown)).toBe(true)
      expectClean(way, app)
    })

    it("shows an HTTP error status on the app's error line: DefaultChatTransport throws the body", async () => {
      const scope = 'use-chat-status'
      await way.script(scope, '- match: { contains: busy }\n  reply: greeting\n  fault: status:503\n')
      const app = await openApp(way, scope)
      const { page } = app
      await send(page, 'Are you busy?')
      await page.waitForSelector(`${STATUS}[data-status="error"]`, { timeout: TIMEOUT })
      const shown = JSON.parse((await page.locator(ERROR).textContent()) ?? '') as { error: { message: string; type: string } }
      expect(shown.error.message).toBeTruthy()
      expect(await page.locator('.message.assistant').count()).toBe(0)
      const entries = chatEntries(await way.journal(app, scope))
      expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 503]])
      // the browser itself reports the failed request on the console
      expectClean(way, app, /status of 503/)
    })

    it('stops the answer with Stop: the text so far stays and the status line says Stopped', async () => {
      const scope = 'use-chat-stop'
      await way.script(scope, '- match: { contains: retry }\n  reply: code\n')
      const planned = replyText('code')
      const app = await openApp(way, scope)
      const { page } = app
      await send(page, 'Write a retry helper')
      await expect.poll(async () => (await answer(page)).length, { timeout: TIMEOUT }).toBeGreaterThan(100)
      await page.click('button:has-text("Stop")')
      await page.waitForSelector(READY, { timeout: TIMEOUT })
      expect(await page.locator(STATUS).textContent()).toBe('Stopped')
      const shown = await answer(page)
      expect(shown.length).toBeLessThan(planned.length)
      expect(planned.startsWith(shown)).toBe(true)
      // The server sees the client go and stops the stream. MSW's Service Worker does not pass the page's abort
      // back to the handler: the answer plays on in the page, unread, to its end.
      const outcome = way.mock ? 'complete' : 'stopped'
      await expect.poll(async () => chatEntries(await way.journal(app, scope))[1]?.outcome, { timeout: TIMEOUT }).toBe(outcome)
      expectClean(way, app)
    })
  }

  /** Sends `Explain debounce` (the markdown reply, 663 tokens 10 ms apart) and reloads once part of it shows. */
  async function reloadMidAnswer(way: Way, scope: string): Promise<{ app: OpenApp; chatId: string; paths: string[] }> {
    await way.script(scope, '- match: { contains: debounce }\n  reply: markdown\n')
    const app = await openApp(way, scope)
    const { page } = app
    const paths: string[] = []
    page.on('request', (request) => {
      const { pathname } = new URL(request.url())
      if (pathname.startsWith('/api/')) paths.push(`${request.method()} ${pathname}`)
    })
    await send(page, 'Explain debounce')
    await expect.poll(async () => (await answer(page)).length, { timeout: TIMEOUT }).toBeGreaterThan(200)
    const chatId = new URL(page.url()).searchParams.get('chat') ?? ''
    expect(chatId).not.toBe('')
    await page.reload()
    expect(new URL(page.url()).searchParams.get('chat')).toBe(chatId)
    return { app, chatId, paths }
  }

  describe('against the tokensim server', () => {
    let sim: Tokensim
    let server: PreviewServer
    const way: Way = {
      mock: false,
      appUrl: () => server.resolvedUrls?.local[0] ?? '',
      async script(scope, yaml) {
        const response = await fetch(`${sim.url}/scenarios`, {
          method: 'PUT',
          headers: { 'x-tokensim-scope': scope, 'content-type': 'application/yaml' },
          body: yaml,
        })
        expect(response.status, await response.clone().text()).toBe(200)
      },
      async journal(_app, scope) {
        const response = await fetch(`${sim.url}/journal`, { headers: { 'x-tokensim-scope': scope } })
        return ((await response.json()) as { entries: any[] }).entries
      },
    }

    beforeAll(async () => {
      sim = await start({ port: 0, ...PACE })
      // The app's config proxies /api to tokensim's default address; here, to the one just started.
      server = await previewApp(outDir, sim.url)
    }, TIMEOUT)

    afterAll(async () => {
      await server?.close()
      await sim?.close()
    })

    chatTests(way)

    it('resumes the answer after a reload: useChat reconnects and the whole answer appears, nothing lost or repeated', async () => {
      const scope = 'use-chat-resume'
      const planned = replyText('markdown')
      const { app, chatId, paths } = await reloadMidAnswer(way, scope)
      const { page } = app
      // the part the app saved shows at once, then the rest streams in from the resumed answer
      await page.waitForSelector(ANSWER)
      const saved = await answer(page)
      expect(saved.length).toBeLessThan(planned.length)
      expect(planned.startsWith(saved)).toBe(true)
      await page.waitForSelector(READY, { timeout: TIMEOUT })
      expect(await answer(page)).toBe(planned)
      expect(await page.locator('.message.assistant').count()).toBe(1)
      expect(await page.locator('.message.user').count()).toBe(1)

      expect(paths).toEqual(['POST /api/chat', `GET /api/chat/${chatId}/stream`])
      const entries = chatEntries(await way.journal(app, scope))
      expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 200], ['GET', 'ai-sdk-ui-resume', 200]])
      expectClean(way, app)
    })
  })

  describe('against tokensim/msw in the page, with no server', () => {
    let server: PreviewServer
    const way: Way = {
      mock: true,
      appUrl: () => server.resolvedUrls?.local[0] ?? '',
      async script(scope, yaml) {
        mswRules.set(scope, yaml)
      },
      // tokensim's own endpoints answer under /__tokensim on the page's origin
      journal: ({ page }, scope) =>
        page.evaluate(
          async (scope) =>
            ((await (await fetch('/__tokensim/journal', { headers: { 'x-tokensim-scope': scope } })).json()) as { entries: any[] }).entries,
          scope,
        ),
    }

    beforeAll(async () => {
      // Nothing listens where the proxy points: an /api request the handlers did not answer fails.
      server = await previewApp(outDir, `http://127.0.0.1:${await freePort()}`)
    }, TIMEOUT)

    afterAll(async () => {
      await server?.close()
    })

    chatTests(way)

    it('ends the answer on a reload: the handlers lived in the page, so the resume finds nothing and the saved part stays', async () => {
      const scope = 'use-chat-msw-reload'
      const planned = replyText('markdown')
      const { app, chatId, paths } = await reloadMidAnswer(way, scope)
      const { page } = app
      await page.waitForSelector(ANSWER)
      await page.waitForSelector(READY, { timeout: TIMEOUT })
      const saved = await answer(page)
      expect(saved.length).toBeGreaterThan(200)
      expect(saved.length).toBeLessThan(planned.length)
      expect(planned.startsWith(saved)).toBe(true)
      // the answer would have played on for seconds; it does not come back
      await page.waitForTimeout(1000)
      expect(await answer(page)).toBe(saved)
      expect(await page.locator(STATUS).getAttribute('data-status')).toBe('ready')

      expect(paths).toEqual(['POST /api/chat', `GET /api/chat/${chatId}/stream`])
      // the new page's handlers are a new tokensim: their journal starts with the resume, a 204
      const entries = chatEntries(await way.journal(app, scope))
      expect(entries.map(row)).toEqual([ON_LOAD])
      expectClean(way, app)
    })
  })
})
