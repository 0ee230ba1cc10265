/**
 * The page's main flows in Firefox (Debian's firefox-esr, driven through WebDriver BiDi by puppeteer-core), against
 * the real server: a native stream rendered frame by frame with its figures; a reconnect after a dropped
 * connection (the drop-after fault) that loses and repeats no unit; the compare view streaming three panes; the
 * vendor wire formats read with the page's own SSE reader; and presenter mode opened from a share link, left with
 * P and put back with the Present button. The same assertions as the Chromium tests (test/e2e/page-*.test.ts), on
 * the same selectors, for users who are not on Chromium.
 *
 * One browser for the whole file; every page is served under the strict Content-Security-Policy the server sends
 * with it, and a test fails on any violation, page error or console error. Every wait is a condition, never a
 * fixed sleep.
 */
import type { IncomingMessage } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'puppeteer-core'
import { PAGE_CSP } from '../../src/app/routes/page.js'
import { firefoxAvailable, launchFirefox } from '../helpers/firefox.js'
import {
  expectStreamedFrameByFrame,
  PANES,
  readPanes,
  READY,
  REPLY,
  replyText,
  reportCspViolations,
  sampleReplyFrames,
  waitForCompare,
  waitForReply,
} from '../helpers/page.js'
import { startServer, type RunningServer } from '../helpers/server.js'

/** A wait's bound; a test's is twice that (a loaded machine runs the whole suite beside this browser). */
const TIMEOUT = 30_000

/** A page with its errors (page errors, console errors, CSP violations) and dialogs recorded. */
interface OpenPage {
  readonly page: Page
  readonly errors: string[]
  readonly dialogs: string[]
}

describe.skipIf(!firefoxAvailable)('the web page in Firefox', { timeout: 2 * TIMEOUT }, () => {
  let server: RunningServer
  let browser: Browser
  const pages: Page[] = []

  beforeAll(async () => {
    server = await startServer()
    browser = await launchFirefox()
  }, 90_000)

  afterAll(async () => {
    await Promise.all(pages.map((page) => page.close().catch(() => undefined)))
    await browser?.close()
    await server?.close()
  })

  /** Opens the page with `query` (`?…`) and waits until it is ready. */
  async function openPage(query = ''): Promise<OpenPage> {
    const page = await browser.newPage()
    pages.push(page)
    const errors: string[] = []
    const dialogs: string[] = []
    page.on('pageerror', (error) => errors.push(error instanceof Error ? error.message : String(error)))
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`)
      void dialog.dismiss()
    })
    await page.evaluateOnNewDocument(reportCspViolations)
    const response = await page.goto(`${server.url}/${query}`)
    // The server's own header: the page is tested under the policy it is served with.
    expect(response?.headers()['content-security-policy']).toBe(PAGE_CSP)
    await page.waitForSelector(READY)
    return { page, errors, dialogs }
  }

  /** An element's text ('' when there is none). */
  const text = (page: Page, selector: string): Promise<string> =>
    page.$eval(selector, (element) => element.textContent ?? '').catch(() => '')

  const attribute = (page: Page, selector: string, name: string): Promise<string | null> =>
    page.$eval(selector, (element, name) => element.getAttribute(name), name)

  const raw = (page: Page): Promise<string | null> => attribute(page, REPLY, 'data-raw')

  /** Types into a settings field, replacing what it held. */
  async function fill(page: Page, selector: string, value: string): Promise<void> {
    await page.locator(selector).fill(value)
  }

  /** Whether an element takes room on the page (not hidden, not display: none). */
  const shown = (page: Page, selector: string): Promise<boolean> =>
    page.$eval(selector, (element) => {
      const box = element.getBoundingClientRect()
      return box.width > 0 && box.height > 0
    })

  /** The wire pane's lines (`event: …`, `data: …`), in order. */
  const wireLines = (page: Page): Promise<string[]> =>
    page.$$eval('#wire-list .wire-line', (lines) => lines.map((line) => line.textContent ?? ''))

  it('streams a canned reply frame by frame, renders its Markdown and fills in its figures', async () => {
    const { page, errors, dialogs } = await openPage()
    const expected = replyText('markdown')
    // through the form, as a user sets it up
    await page.click('label[for="mode-canned"]') // the radio itself is visually hidden behind its label
    await page.select('#reply', 'markdown')
    await page.select('#unit', 'token')
    // 663 tokens, 2 ms apart: about 1.5 s of streaming
    for (const [field, value] of [
      ['#delay', '2'],
      ['#ttft', '150'],
      ['#jitter', '0'],
      ['#chunk', '1'],
    ] as const)
      await fill(page, field, value)
    expect(new URL(page.url()).searchParams.get('delay')).toBe('2')

    await page.click('#send')
    // Sample every animation frame in the page until the reply is over: raw length and rendered text length.
    const samples = await page.evaluate(sampleReplyFrames)
    expectStreamedFrameByFrame(samples, expected)

    expect(await attribute(page, REPLY, 'data-state')).toBe('done')
    expect(await raw(page)).toBe(expected)
    const counts = await page.$eval(`${REPLY} .content`, (content) => ({
      h1: content.querySelectorAll('h1').length,
      h2: content.querySelectorAll('h2').length,
      th: content.querySelectorAll('table th').length,
      code: content.querySelector('pre > code')?.textContent ?? '',
      link: content.querySelectorAll('a[href="https://lodash.com/docs/#debounce"]').length,
      caret: content.querySelectorAll('.caret').length,
    }))
    expect(counts.h1).toBe(1)
    expect(counts.h2).toBeGreaterThanOrEqual(3)
    expect(counts.th).toBe(4)
    expect(counts.code).toContain('export function debounce')
    expect(counts.link).toBe(1)
    expect(counts.caret, 'no caret once done').toBe(0)

    // the user's bubble names the canned reply; the figures are filled in
    expect(await page.$$eval('.msg-user', (all) => all.at(-1)?.textContent ?? '')).toContain('markdown')
    expect(await text(page, '[data-figure="count"]')).toBe('663 / 663')
    expect(await text(page, '[data-figure="ttft"]')).toMatch(/^\d+ ms$/)
    expect(Number.parseInt(await text(page, '[data-figure="ttft"]'), 10)).toBeGreaterThanOrEqual(150)
    expect(await text(page, '[data-figure="tps"]')).toMatch(/^\d+(\.\d)?$/)
    expect(await text(page, '#status')).toBe('Done')
    expect(await page.$eval('#send', (button) => (button as HTMLButtonElement).disabled)).toBe(false)
    expect(await page.$eval('#stop', (button) => (button as HTMLButtonElement).disabled)).toBe(true)
    expect(errors).toEqual([])
    expect(dialogs).toEqual([])
  })

  it("resumes a native stream that drop-after cut off: Firefox's EventSource reconnects with Last-Event-ID, no unit lost or repeated", async () => {
    const expected = replyText('markdown')
    // the whole set-up from the page's own URL, as a shared link gives it
    const { page, errors } = await openPage('?reply=markdown&unit=token&delay=2&ttft=0&jitter=0&chunk=1&fault=drop-after:40')
    expect(await page.$eval('#fault-drop-after', (box) => (box as HTMLInputElement).checked)).toBe(true)
    await page.click('#send')

    const notice = await page.waitForSelector(`${REPLY} .notice-resume`, { timeout: TIMEOUT })
    expect(await notice?.evaluate((element) => element.textContent)).toBe('Connection dropped — resumed after unit 40')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(expected) // no unit lost, none repeated
    expect(await attribute(page, REPLY, 'data-units')).toBe('663')
    expect(await text(page, '[data-figure="reconnects"]')).toBe('1')
    expect(await text(page, '[data-figure="count"]')).toBe('663 / 663')
    expect(await page.$$(`${REPLY} .error-box`)).toHaveLength(0)
    expect(await text(page, '#wire-list .wire-note .wire-note-text')).toBe('reconnected with Last-Event-ID: 40')
    // the server resumed after unit 40 (the fault spent), as its done event says
    expect(
      (await wireLines(page)).some((line) => line.startsWith('data: {"tokens":663,"sent":622,') && line.includes('"resumed_after":40')),
    ).toBe(true)
    expect(errors).toEqual([])
  })

  it('streams the same reply in three compare panes at once, each with its own profile and figures', async () => {
    const { page, errors } = await openPage('?compare=fast,typical,slow&reply=greeting&unit=word')
    const expected = replyText('greeting')
    expect(await page.$eval('#compare', (box) => (box as HTMLInputElement).checked)).toBe(true)
    // the streams' requests as the server receives them, and when (the page may open them from a worker, whose
    // requests the browser's driver does not report)
    const streams: { profile: string | null; at: number }[] = []
    const onRequest = (request: IncomingMessage): void => {
      const url = new URL(request.url ?? '/', server.url)
      if (url.pathname === '/stream') streams.push({ profile: url.searchParams.get('profile'), at: performance.now() })
    }
    server.server.http.on('request', onRequest)
    await page.click('#send')

    /** Each pane of the last compare view: its profile, state, text and figures. */
    const panes = () => page.$$eval(PANES, readPanes)

    await waitForCompare(page, TIMEOUT)
    const done = await panes()
    for (const pane of done) {
      expect(pane.state, pane.profile).toBe('done')
      expect(pane.raw, pane.profile).toBe(expected)
      expect(pane.ttft, pane.profile).toMatch(/^\d+ ms$/)
      expect(pane.tps, pane.profile).toMatch(/^\d+(\.\d)?$/)
      expect(pane.elapsed, pane.profile).toMatch(/^\d+\.\d s$/)
      expect(pane.count, pane.profile).toBe('34 / 34')
    }
    // fast (about 150 ms to the first token) before slow (about 3 s); typical between them may be held up by a
    // loaded machine, so it is only checked against the slow one's seconds
    const ttft = done.map((p) => Number.parseInt(p.ttft, 10)) as [number, number, number]
    expect(ttft[0]).toBeLessThan(ttft[2])
    expect(ttft[1]).toBeLessThan(ttft[2])
    expect(await text(page, '#status')).toBe('Done')
    // one request per pane, all at once (one after another, the slow one would wait seconds for the others),
    // each naming its profile
    server.server.http.off('request', onRequest)
    expect(streams.map((s) => s.profile).sort()).toEqual(['fast', 'slow', 'typical'])
    expect(Math.max(...streams.map((s) => s.at)) - Math.min(...streams.map((s) => s.at))).toBeLessThan(1000)
    expect(errors).toEqual([])
  })

  it('streams a canned reply in the OpenAI chat format through the page: the same text and Markdown as the native stream', async () => {
    const markdown = replyText('markdown')
    const { page, errors } = await openPage('?reply=markdown&unit=token&delay=1&ttft=20&jitter=0&chunk=1')
    await page.click('#send')
    await waitForReply(page, 'finished', TIMEOUT)
    expect(await attribute(page, REPLY, 'data-state')).toBe('done')
    expect(await raw(page)).toBe(markdown)
    const nativeHtml = await page.$eval(`${REPLY} .content`, (content) => content.innerHTML)

    // OpenAI Chat Completions: the same text, rendered the same, with its own events on the wire
    await page.select('#format', 'openai-chat')
    await page.click('#send')
    await waitForReply(page, 'finished', TIMEOUT)
    expect(await attribute(page, REPLY, 'data-state')).toBe('done')
    expect(await attribute(page, REPLY, 'data-format')).toBe('openai-chat')
    expect(await raw(page)).toBe(markdown)
    expect(await page.$eval(`${REPLY} .content`, (content) => content.innerHTML)).toBe(nativeHtml)
    expect(await attribute(page, REPLY, 'data-units')).toBe('663')
    expect(await text(page, '[data-figure="count"]')).toBe('663 / 663')
    expect(await text(page, '[data-figure="ttft"]')).toMatch(/^\d+ ms$/)
    expect(await text(page, '#status')).toBe('Done')
    const lines = await wireLines(page)
    expect(lines.some((line) => /^data: \{"id":"chatcmpl-\w+","object":"chat\.completion\.chunk"/.test(line))).toBe(true)
    expect(lines).toContain('data: [DONE]')
    expect(lines).not.toContain('event: token')
    expect(await page.$$('#wire-list .wire-text')).toHaveLength(663)
    expect(new URL(page.url()).searchParams.get('format')).toBe('openai-chat')
    expect(errors).toEqual([])
  })

  it('streams a canned reply in every other vendor format through the page', async () => {
    const { page, errors } = await openPage('?reply=greeting&unit=word&delay=5&ttft=20&jitter=0')
    for (const format of ['openai-responses', 'anthropic-messages', 'gemini', 'ai-sdk-ui']) {
      await page.select('#format', format)
      await page.click('#send')
      await waitForReply(page, 'finished', TIMEOUT)
      expect(await attribute(page, REPLY, 'data-state'), format).toBe('done')
      expect(await attribute(page, REPLY, 'data-format'), format).toBe(format)
      expect(await raw(page), format).toBe(replyText('greeting'))
      expect(await text(page, '[data-figure="count"]'), format).toBe('34 / 34')
      expect(await text(page, '#status'), format).toBe('Done')
    }
    expect(errors).toEqual([])
  })

  it('opens a share link in presenter mode: the same demo, only the panes, and P or the Present button toggles it', async () => {
    const expected = replyText('greeting')
    const link = '?presenter=1&compare=fast,slow&reply=greeting&unit=word&seed=7&format=anthropic-messages'
    const { page, errors } = await openPage(link)
    expect(await attribute(page, '#app', 'data-presenter')).toBe('on')
    expect(await attribute(page, '#toggle-presenter', 'aria-pressed')).toBe('true')
    /** The settings the link carries, as the form holds them. */
    const settings = (p: Page) =>
      p.evaluate(() =>
        Object.fromEntries(
          ['compare-1', 'compare-2', 'compare-3', 'reply', 'unit', 'seed', 'format'].map((id) => [
            id,
            (document.getElementById(id) as HTMLInputElement | HTMLSelectElement).value,
          ]),
        ),
      )
    const demo = {
      'compare-1': 'fast',
      'compare-2': 'slow',
      'compare-3': '',
      reply: 'greeting',
      unit: 'word',
      seed: '7',
      format: 'anthropic-messages',
    }
    expect(await settings(page)).toEqual(demo)
    expect(await page.$eval('#compare', (box) => (box as HTMLInputElement).checked)).toBe(true)
    // the wire pane and the settings are hidden
    expect(await shown(page, '#wire')).toBe(false)
    expect(await shown(page, '#panel')).toBe(false)

    await page.click('#send')
    await waitForCompare(page, TIMEOUT)
    const panes = await page.$$eval(PANES, (all) =>
      all.map((pane) => ({
        profile: (pane as HTMLElement).dataset.profile ?? '',
        raw: (pane as HTMLElement).dataset.raw ?? '',
        ttft: pane.querySelector('[data-figure="ttft"]')?.textContent ?? '',
      })),
    )
    expect(panes.map((pane) => pane.profile)).toEqual(['fast', 'slow'])
    for (const pane of panes) {
      expect(pane.raw, pane.profile).toBe(expected)
      expect(pane.ttft, pane.profile).toMatch(/^\d+ ms$/)
    }
    // each pane's name and its time to first token in sight
    for (const selector of ['.pane-name', '[data-figure="ttft"]'])
      expect(
        await page.$$eval(`${PANES} ${selector}`, (all) =>
          all.map((element) => {
            const box = element.getBoundingClientRect()
            return box.width > 0 && box.top >= 0 && box.bottom <= innerHeight && box.left >= 0 && box.right <= innerWidth
          }),
        ),
        selector,
      ).toEqual([true, true])

    // P (outside a text field) leaves presenter mode: the panel is back, the URL forgets it
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('p')
    expect(await attribute(page, '#app', 'data-presenter')).toBe('off')
    expect(await shown(page, '#panel')).toBe(true)
    expect(new URL(page.url()).searchParams.has('presenter')).toBe(false)
    // the Present button puts it back, and the share link carries it
    await page.click('#toggle-presenter')
    expect(await attribute(page, '#app', 'data-presenter')).toBe('on')
    expect(new URL(page.url()).searchParams.get('presenter')).toBe('1')
    await page.click('#share-link')
    await page.waitForFunction(() => document.getElementById('share-link-label')?.textContent !== 'Share link')
    const shared = page.url()
    if ((await text(page, '#share-link-label')) === 'Copy the link')
      expect(await page.$eval('#share-link-field', (field) => (field as HTMLInputElement).value)).toBe(shared)
    else expect(await text(page, '#share-link-label')).toBe('Link copied')

    const again = await openPage(new URL(shared).search)
    expect(await attribute(again.page, '#app', 'data-presenter')).toBe('on')
    expect(await settings(again.page)).toEqual(demo)
    expect([...errors, ...again.errors]).toEqual([])
  })
})
