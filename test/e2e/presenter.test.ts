/**
 * Presenter mode and the share link in a real headless Chromium against the real server: the P key (not while
 * typing in a field) and the Present button turn it on and off, `presenter=1` in the page URL opens in it; it
 * shows the panes and the figures that matter (ttft, units per second, the gap's p50 / p99, the reading pace, a
 * stall as it happens) in large type, with the wire pane and the settings hidden, and gives the page back as it
 * was when left. The share link copies a link that, opened in a new page, sets up the same demo: the reply, the
 * compare view's panes, the seed, the faults, the format and presenter mode.
 *
 * Every page is served under the server's strict Content-Security-Policy, and a test fails on any page error,
 * console error or policy violation. Every wait is a condition, never a fixed sleep.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { browserAvailable } from '../helpers/browser.js'
import { loadPage, pageBench, PANES, pickReply, PROJECTOR, REPLY, typeText, waitForReply, type OpenPage } from '../helpers/page.js'

const TIMEOUT = 60_000

describe.skipIf(!browserAvailable)('presenter mode and the share link', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  let context: BrowserContext

  beforeAll(async () => {
    context = bench.keep(await bench.browser.newContext({ viewport: PROJECTOR, permissions: ['clipboard-read', 'clipboard-write'] }))
  }, TIMEOUT)

  const open = async (url: string): Promise<OpenPage> => loadPage(await context.newPage(), url)
  const openPage = (query: string): Promise<OpenPage> => open(`${bench.server.url}/${query}`)

  const presenting = (page: Page) => page.getAttribute('#app', 'data-presenter')
  const urlKey = (page: Page, key: string) => new URL(page.url()).searchParams.get(key)
  const fontSize = (page: Page, selector: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((node) => Number.parseFloat(getComputedStyle(node).fontSize))

  it('turns on and off with the P key, not while typing in a field, and with the Present button', async () => {
    const { page, errors } = await openPage('?compare=fast,typical,slow&reply=long')
    expect(await presenting(page)).toBe('off')
    expect(await page.isVisible('#panel')).toBe(true)

    await page.locator('body').press('p')
    expect(await presenting(page)).toBe('on')
    expect(await page.getAttribute('#toggle-presenter', 'aria-pressed')).toBe('true')
    await expect.poll(() => urlKey(page, 'presenter')).toBe('1')
    // the wire pane and the settings are hidden, and so are their buttons
    for (const hidden of ['#panel', '#wire', '#toggle-wire', '#toggle-panel']) expect(await page.isHidden(hidden), hidden).toBe(true)

    // a Send: the panes, each with its name and the figures that matter, large; the rest of a pane hidden
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector(`${PANES}[data-profile="slow"][data-state="streaming"]`, { timeout: TIMEOUT })
    await expect.poll(() => page.locator(`${PANES} .pane-pace`).first().textContent(), { timeout: TIMEOUT }).toMatch(/× reading$/)
    const pane = page.locator(PANES).first()
    for (const part of [
      '.pane-name',
      '[data-figure="ttft"]',
      '[data-figure="tps"]',
      '.pane-figures [data-measured="gap-p50"]',
      '.pane-figures [data-measured="gap-p99"]',
      '.pane-pace',
    ])
      expect(await pane.locator(part).isVisible(), part).toBe(true)
    for (const part of ['.pane-description', '.dist', '[data-pane-figure="elapsed"]'])
      expect(await pane.locator(part).isHidden(), part).toBe(true)
    expect(await fontSize(page, `${PANES} .pane-name`)).toBeGreaterThanOrEqual(24)
    expect(await fontSize(page, `${PANES} [data-figure="ttft"]`)).toBeGreaterThanOrEqual(32)
    expect(await fontSize(page, `${PANES} .pane-figures [data-measured="gap-p50"]`)).toBeGreaterThanOrEqual(32)
    expect(await fontSize(page, `${PANES} .pane-body`)).toBeGreaterThanOrEqual(20)
    // the user's message and the composer's extras are gone; the reply picker and Send / Stop stay
    expect(await page.locator('.msg-user').first().isHidden()).toBe(true)
    for (const hidden of ['#reply-description', '#mode']) expect(await page.isHidden(hidden), hidden).toBe(true)
    for (const shown of ['#reply', '#stop']) expect(await page.isVisible(shown), shown).toBe(true)
    await page.click('#stop')

    // typing a "p" in a field types it, and presenter mode stays as it was
    await page.locator('body').press('p') // off
    expect(await presenting(page)).toBe('off')
    await expect.poll(() => urlKey(page, 'presenter')).toBeNull()
    await typeText(page, '')
    await page.locator('#text').press('p')
    await page.locator('#text').press('P')
    expect(await page.inputValue('#text')).toBe('pP')
    await page.locator('#seed').press('p')
    expect(await presenting(page)).toBe('off')
    // nor with a modifier
    await page.locator('body').press('Alt+p')
    expect(await presenting(page)).toBe('off')

    // the Present button; leaving gives the page back as it was (the compare view had closed the wire pane)
    await page.click('#toggle-presenter')
    expect(await presenting(page)).toBe('on')
    expect(await page.isHidden('#panel')).toBe(true)
    await page.click('#toggle-presenter')
    expect(await presenting(page)).toBe('off')
    expect(await page.getAttribute('#toggle-presenter', 'aria-pressed')).toBe('false')
    expect(await page.isVisible('#panel')).toBe(true)
    expect(await page.getAttribute('#app', 'data-wire')).toBe('closed')
    expect(await page.isVisible('.msg-user')).toBe(true)
    expect(errors).toEqual([])
  })

  it('opens in presenter mode from presenter=1: a single reply with its large figures, a stall shown as it happens', async () => {
    const { page, errors } = await openPage('?presenter=1&reply=long&profile=fast&fault=stall-after:30:3000')
    expect(await presenting(page)).toBe('on')
    expect(await page.getAttribute('#toggle-presenter', 'aria-pressed')).toBe('true')
    expect(await page.isHidden('#wire')).toBe(true)
    await page.click('#send')
    // the panel keeps only the figures that matter
    await waitForReply(page, 'streaming', TIMEOUT)
    for (const tile of ['ttft', 'tps', 'gap', 'pace']) expect(await page.isVisible(`#figures [data-tile="${tile}"]`), tile).toBe(true)
    for (const tile of ['headers', 'byte', 'elapsed', 'count', 'reconnects'])
      expect(await page.isHidden(`#figures [data-tile="${tile}"]`), tile).toBe(true)
    for (const hidden of ['#timeline', '#figures-distribution', '#format', '#latency-picker', '#faults', '#compare'])
      expect(await page.locator(hidden).isHidden(), hidden).toBe(true)
    expect(await fontSize(page, '#figures [data-figure="ttft"]')).toBeGreaterThanOrEqual(36)
    expect(await fontSize(page, `${REPLY} .content`)).toBeGreaterThanOrEqual(20)
    // the gap figure fills in from what arrived
    await expect.poll(() => page.locator('#figures [data-gap="p50"]').textContent(), { timeout: TIMEOUT }).toMatch(/^\d+(\.\d)?$/)
    // the stall, while it happens, in large type
    const stall = page.locator('#panel .stall-indicator[data-stall="live"]')
    await stall.waitFor({ state: 'visible', timeout: TIMEOUT })
    expect(await stall.textContent()).toMatch(/^no token for \d+\.\d s$/)
    expect(await fontSize(page, '#panel .stall-indicator')).toBeGreaterThanOrEqual(18)
    await page.click('#stop')
    expect(errors).toEqual([])
  })

  it('copies a share link that sets up the same demo in a new page, presenter mode included', async () => {
    const { page, errors } = await openPage('')
    // set the demo up by hand: reply, seed, format, three panes' profiles, a fault, presenter mode
    await pickReply(page, 'code')
    await page.fill('#seed', '42')
    await page.selectOption('#format', 'openai-chat')
    await page.click('label[for="compare"]')
    await page.selectOption('#compare-1', 'instant')
    await page.selectOption('#compare-2', 'slow')
    await page.selectOption('#compare-3', 'reasoning')
    await page.fill('#fault-stall-after-n', '15')
    await page.fill('#fault-stall-after-ms', '1500')
    await page.check('#fault-stall-after')
    // out of the fields (a "p" typed in one stays there), then P
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('p')
    expect(await presenting(page)).toBe('on')

    await page.click('#share-link')
    await expect.poll(() => page.locator('#share-link-label').textContent()).toBe('Link copied')
    const link = await page.evaluate(() => navigator.clipboard.readText())
    expect(link).toBe(page.url())
    const url = new URL(link)
    expect(url.origin).toBe(bench.server.url)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      presenter: '1',
      seed: '42',
      reply: 'code',
      format: 'openai-chat',
      compare: 'instant,slow,reasoning',
      fault: 'stall-after:15:1500',
    })

    // a new page from the link: the same settings, in presenter mode
    const copy = await open(link)
    const settings = (p: Page) =>
      Promise.all([
        p.inputValue('#reply'),
        p.inputValue('#seed'),
        p.inputValue('#format'),
        p.isChecked('#compare'),
        p.inputValue('#compare-1'),
        p.inputValue('#compare-2'),
        p.inputValue('#compare-3'),
        p.isChecked('#fault-stall-after'),
        p.inputValue('#fault-stall-after-n'),
        p.inputValue('#fault-stall-after-ms'),
        p.locator('#fault-spec').textContent(),
        presenting(p),
      ])
    const mine = await settings(page)
    expect(await settings(copy.page)).toEqual(mine)
    expect(mine).toEqual([
      'code',
      '42',
      'openai-chat',
      true,
      'instant',
      'slow',
      'reasoning',
      true,
      '15',
      '1500',
      expect.stringContaining('stall-after:15:1500'),
      'on',
    ])
    expect(copy.page.url()).toBe(link) // nothing to rewrite: it was already the page's own

    // and it streams the same demo: three panes of the same reply
    await copy.page.click('#send')
    await copy.page.waitForSelector(`${PANES}[data-profile="instant"][data-state="done"]`, { timeout: TIMEOUT })
    expect(await copy.page.locator(PANES).count()).toBe(3)
    await copy.page.click('#stop')

    // presenter mode off: the link says so
    await page.locator('body').press('p')
    await page.click('#share-link')
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(page.url())
    expect(new URL(page.url()).searchParams.has('presenter')).toBe(false)
    const plain = await open(page.url())
    expect(await presenting(plain.page)).toBe('off')
    expect(await settings(plain.page)).toEqual([...mine.slice(0, -1), 'off'])
    expect([...errors, ...copy.errors, ...plain.errors]).toEqual([])
  })
})
