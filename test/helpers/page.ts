/**
 * The page at / in the browser tests: a server and a Chromium for a describe block (`pageBench`), the page
 * opened with its errors recorded (page errors, console errors and CSP violations, which every test expects to
 * be none) and its dialogs, the texts of the built-in replies, the selectors of the reply a test reads, the waits
 * on it, and the form's reply pickers.
 *
 * The selectors, the waits and the functions that run in the page (`reportCspViolations`, `sampleReplyFrames`,
 * `readPanes`) serve the Firefox tests' puppeteer-core pages as well; the rest is playwright-core's.
 */
import { afterAll, beforeAll, expect } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import type { NodeServerOptions } from '../../src/node/server.js'
import { PAGE_CSP } from '../../src/app/routes/page.js'
import { launchBrowser } from './browser.js'
import { startServer, type RunningServer } from './server.js'

/** The text of the built-in reply `name`. */
export function replyText(name: string): string {
  const reply = BUILTIN_REPLIES.find((r) => r.name === name)
  if (reply === undefined) throw new Error(`no built-in reply named ${name}`)
  return reply.text
}

// ---- selectors ---------------------------------------------------------------------------------------------------

/** The page once its script has set it up. */
export const READY = '#app[data-ready="true"]'

/** The last assistant message, where each test's reply goes (each exchange appends a user and an assistant article). */
export const REPLY = '.msg-assistant:last-of-type'

/** The last reply once it is over: done, stopped or failed. */
export const FINISHED = `${REPLY}:is([data-state="done"], [data-state="stopped"], [data-state="error"])`

/** The last compare view, and its panes. */
const COMPARE = '.msg-compare:last-of-type'
export const PANES = `${COMPARE} .pane`

/** A reply's (or a pane's) `data-state`. */
export type ReplyState = 'waiting' | 'streaming' | 'done' | 'stopped' | 'error'

// ---- waits -------------------------------------------------------------------------------------------------------

/** A page of either driver (playwright-core's or puppeteer-core's), as far as the waits need it. */
interface Waitable {
  waitForSelector(selector: string, options: { timeout: number }): Promise<unknown>
}

/** Waits until the last reply is in `state`; `finished`: done, stopped or failed. */
export const waitForReply = (page: Waitable, state: ReplyState | 'finished', timeout: number): Promise<unknown> =>
  page.waitForSelector(state === 'finished' ? FINISHED : `${REPLY}[data-state="${state}"]`, { timeout })

/** Waits until the last compare view is done (every pane over). */
export const waitForCompare = (page: Waitable, timeout: number): Promise<unknown> =>
  page.waitForSelector(`${COMPARE}[data-state="done"]`, { timeout })

// ---- opening the page --------------------------------------------------------------------------------------------

/** A page with its errors (page errors, console errors, CSP violations) and dialogs recorded. */
export interface OpenPage {
  readonly page: Page
  readonly errors: string[]
  readonly dialogs: string[]
}

/** The page's size unless a test sets another, and a projector's. */
const VIEWPORT = { width: 1280, height: 800 } as const
export const PROJECTOR = { width: 1280, height: 720 } as const

export interface Viewport {
  readonly width: number
  readonly height: number
}

/**
 * Runs in the page, before its own script (an init script): logs each Content-Security-Policy violation as a
 * console error, which the tests record as one of the page's errors.
 */
export function reportCspViolations(): void {
  document.addEventListener('securitypolicyviolation', (event) => {
    console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`)
  })
}

/** Records a page's errors from now on: its page errors, console errors and, in every document it loads, CSP violations. */
export async function recordErrors(page: Page): Promise<string[]> {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  await page.addInitScript(reportCspViolations)
  return errors
}

/** Records the dialogs a page opens (`alert: …`), and dismisses each. */
function recordDialogs(page: Page): string[] {
  const dialogs: string[] = []
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  return dialogs
}

export interface LoadOptions {
  /** runs before the page loads (to route a request) */
  readonly setup?: ((page: Page) => Promise<unknown>) | undefined
  /** expects the server's Content-Security-Policy header on the page: it is tested under the policy it is served with */
  readonly checkCspHeader?: boolean | undefined
}

/** Loads the page at `url` into `page`, its errors and dialogs recorded, and waits until it is ready. */
export async function loadPage(page: Page, url: string, { setup, checkCspHeader = false }: LoadOptions = {}): Promise<OpenPage> {
  const errors = await recordErrors(page)
  const dialogs = recordDialogs(page)
  await setup?.(page)
  const response = await page.goto(url)
  if (checkCspHeader) expect(response?.headers()['content-security-policy']).toBe(PAGE_CSP)
  await page.waitForSelector(READY)
  return { page, errors, dialogs }
}

export interface OpenOptions extends LoadOptions {
  /** the page's size; the bench's unless given */
  readonly viewport?: Viewport | undefined
  /** the server's base URL; the bench's server unless given */
  readonly base?: string | undefined
}

/** The real server and a headless Chromium for a describe block's tests. */
export interface PageBench {
  readonly server: RunningServer
  readonly browser: Browser
  /** Closes `closable` (a page, a context) after the block's tests, before the browser. */
  keep<T extends { close(): Promise<void> }>(closable: T): T
  /** Opens the page with `query` (`?…`) in a new page, kept until the block is over. */
  openPage: (query?: string, options?: OpenOptions) => Promise<OpenPage>
}

/**
 * Starts the server (with `server`'s options) and the browser before the tests of the describe block it is
 * called in, and closes them after, with every page and context kept.
 */
export function pageBench({
  timeout,
  server: serverOptions = {},
  viewport: defaultViewport = VIEWPORT,
}: {
  /** the bound on starting the server and the browser */
  readonly timeout: number
  readonly server?: NodeServerOptions
  /** the size of the pages `openPage` opens */
  readonly viewport?: Viewport
}): PageBench {
  let server: RunningServer | undefined
  let browser: Browser | undefined
  const kept: { close(): Promise<void> }[] = []

  beforeAll(async () => {
    server = await startServer(serverOptions)
    browser = await launchBrowser()
  }, timeout)

  afterAll(async () => {
    await Promise.all(kept.map((closable) => closable.close().catch(() => undefined)))
    await browser?.close()
    await server?.close()
  })

  const bench: PageBench = {
    get server(): RunningServer {
      if (server === undefined) throw new Error('the bench has not started its server (use it in a test or a hook)')
      return server
    },
    get browser(): Browser {
      if (browser === undefined) throw new Error('the bench has not launched its browser (use it in a test or a hook)')
      return browser
    },
    keep(closable) {
      kept.push(closable)
      return closable
    },
    async openPage(query = '', { viewport = defaultViewport, base = bench.server.url, ...load } = {}) {
      const page = bench.keep(await bench.browser.newPage({ viewport }))
      return loadPage(page, `${base}/${query}`, load)
    },
  }
  return bench
}

// ---- the form ----------------------------------------------------------------------------------------------------

/** Picks a canned reply by name. */
export async function pickReply(page: Page, name: string): Promise<void> {
  await page.click('label[for="mode-canned"]') // the radio itself is visually hidden behind its label
  await page.selectOption('#reply', name)
}

/** Types a text of one's own to send. */
export async function typeText(page: Page, text: string): Promise<void> {
  await page.click('label[for="mode-text"]')
  await page.fill('#text', text)
}

// ---- in the page -------------------------------------------------------------------------------------------------

/** What a frame showed of the last reply: its raw text's length, its rendered text's, and whether a caret blinked. */
export interface ReplyFrame {
  readonly raw: number
  readonly rendered: number
  readonly caret: boolean
}

/**
 * Runs in the page (`page.evaluate(sampleReplyFrames)`) once Send is clicked: samples the last reply every
 * animation frame, this one first, until the reply is over.
 */
export function sampleReplyFrames(): Promise<ReplyFrame[]> {
  return new Promise((resolve) => {
    const out: ReplyFrame[] = []
    const tick = (): void => {
      const msg = document.querySelector<HTMLElement>('.msg-assistant:last-of-type')
      const content = msg?.querySelector('.content')
      out.push({
        raw: msg?.dataset.raw?.length ?? 0,
        rendered: content?.textContent?.length ?? 0,
        caret: content?.querySelector('.caret') != null,
      })
      if (msg && msg.dataset.state !== 'waiting' && msg.dataset.state !== 'streaming') resolve(out)
      else requestAnimationFrame(tick)
    }
    tick()
  })
}

/** That the frames saw `expected` stream in: the raw text growing in steps, the rendering following, a caret meanwhile. */
export function expectStreamedFrameByFrame(frames: readonly ReplyFrame[], expected: string): void {
  const rawLengths = frames.map((s) => s.raw)
  for (let i = 1; i < rawLengths.length; i++) expect(rawLengths[i]).toBeGreaterThanOrEqual(rawLengths[i - 1] ?? 0)
  const distinct = new Set(rawLengths.filter((n) => n > 0 && n < expected.length))
  expect(distinct.size, `raw lengths seen while streaming: ${[...distinct].join(', ')}`).toBeGreaterThanOrEqual(3)
  expect(new Set(frames.map((s) => s.rendered)).size).toBeGreaterThanOrEqual(3)
  expect(
    frames.some((s) => s.caret && s.raw > 0),
    'a caret while streaming',
  ).toBe(true)
}

/** A burst the page's buffering detector found (web/buffering.js). */
interface Burst {
  readonly first: number
  readonly count: number
  readonly scheduledMs: number
  readonly arrivalMs: number
  readonly waitMs: number
}

/** The page's buffering detector, as `loadBuffering` puts it on the page's `window.__buffering`. */
export interface Buffering {
  findBursts: (events: { t: number; at: number }[], startAt?: number) => Burst[]
}

/** Puts the page's own buffering detector (web/buffering.js, as the page loads it) on its `window.__buffering`. */
export async function loadBuffering(page: Page): Promise<void> {
  // a string, so that the test runner leaves this import() alone
  await page.evaluate("import('/buffering.js').then((m) => { window.__buffering = m })")
}

/** A compare pane as it shows: its profile, state, text and figures. */
export interface PaneShown {
  readonly profile: string
  readonly state: string
  readonly raw: string
  readonly ttft: string
  readonly tps: string
  readonly elapsed: string
  readonly count: string
}

/** Runs in the page on the panes (`evaluateAll`, `$$eval` of `PANES`): each pane as it shows. */
export function readPanes(panes: Element[]): PaneShown[] {
  return panes.map((pane) => {
    const figure = (name: string) => pane.querySelector(`[data-figure="${name}"]`)?.textContent ?? ''
    return {
      profile: (pane as HTMLElement).dataset.profile ?? '',
      state: (pane as HTMLElement).dataset.state ?? '',
      raw: (pane as HTMLElement).dataset.raw ?? '',
      ttft: figure('ttft'),
      tps: figure('tps'),
      elapsed: figure('elapsed'),
      count: figure('count'),
    }
  })
}
