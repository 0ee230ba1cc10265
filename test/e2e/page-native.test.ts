/**
 * The page at / in a real headless Chromium against the real server, natively (GET /stream through
 * EventSource): streaming and Markdown rendering, raw HTML shown as text (no script runs), the server's error
 * message, token boundaries, reconnects, Ctrl+Enter and Stop. Every page is served under the strict Content-Security-Policy the server sends
 * with it, and a test fails on any violation, page error or console error; every wait is a condition, never a
 * fixed sleep.
 */
import { describe, expect, it } from 'vitest'
import { startServer } from '../helpers/server.js'
import { browserAvailable } from '../helpers/browser.js'
import {
  pageBench,
  expectStreamedFrameByFrame,
  pickReply,
  REPLY,
  replyText,
  sampleReplyFrames,
  typeText,
  waitForReply,
} from '../helpers/page.js'
import { openUnderCsp, TIMEOUT, configure, pickFormat, raw, wireLines, spansText } from '../helpers/page-controls.js'

describe.skipIf(!browserAvailable)('the page, native stream', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  const openPage = openUnderCsp(bench)

  it('streams a canned reply frame by frame and renders its Markdown', async () => {
    const { page, errors, dialogs } = await openPage()
    const expected = replyText('markdown')
    await pickReply(page, 'markdown')
    // 663 tokens, 2 ms apart: about 1.5 s of streaming
    await configure(page, { unit: 'token', delay: '2', ttft: '150', jitter: '0', chunk: '1' })

    await page.click('#send')
    // Sample every animation frame in the page until the reply is over: raw length and rendered text length.
    const samples = await page.evaluate(sampleReplyFrames)
    expectStreamedFrameByFrame(samples, expected)

    expect(await page.locator(REPLY).getAttribute('data-state')).toBe('done')
    expect(await raw(page)).toBe(expected)
    const content = page.locator(`${REPLY} .content`)
    expect(await content.locator('h1').count()).toBe(1)
    expect(await content.locator('h2').count()).toBeGreaterThanOrEqual(3)
    expect(await content.locator('table th').count()).toBe(4)
    expect(await content.locator('pre > code').count()).toBe(1)
    expect(await content.locator('pre > code').textContent()).toContain('export function debounce')
    expect(await content.locator('a[href="https://lodash.com/docs/#debounce"]').count()).toBe(1)
    expect(await content.locator('.caret').count(), 'no caret once done').toBe(0)

    // the user's bubble names the canned reply; the figures are filled in
    expect(await page.locator('.msg-user').last().textContent()).toContain('markdown')
    expect(await page.locator('[data-figure="count"]').textContent()).toBe('663 / 663')
    expect(await page.locator('[data-figure="ttft"]').textContent()).toMatch(/^\d+ ms$/)
    expect(await page.locator('[data-figure="tps"]').textContent()).toMatch(/^\d+(\.\d)?$/)
    expect(await page.locator('#status').textContent()).toBe('Done')
    expect(await page.isEnabled('#send')).toBe(true)
    expect(await page.isDisabled('#stop')).toBe(true)

    // the same reply with token boundaries on: the spans hold exactly the reply
    await page.check('#boundaries')
    await expect.poll(() => spansText(page)).toBe(expected)
    expect(errors).toEqual([])
    expect(dialogs).toEqual([])
  })

  it('shows raw HTML in a reply as text and runs none of it', async () => {
    const { page, errors, dialogs } = await openPage()
    const text = [
      'Here is an image: <img src=x onerror="window.__xss=1"> and a script: <script>window.__xss=2</script>',
      '',
      'A [x](javascript:window.__xss=3) link, <img src=y onerror=alert(1)> and <script>alert(2)</script>.',
      '',
      'After a raw tag: <script>y<img/src=z onerror="window.__xss=4"></script> and <b onclick="window.__xss=5">bold?</b>',
      '',
      '<iframe src="javascript:window.__xss=6"></iframe>',
    ].join('\n')
    await typeText(page, text)
    await configure(page, { unit: 'word', delay: '1', ttft: '0', jitter: '0' })
    await page.click('#send')
    await waitForReply(page, 'finished', TIMEOUT)

    expect(await page.locator(REPLY).getAttribute('data-state')).toBe('done')
    expect(await raw(page)).toBe(text)
    const log = page.locator('#log')
    expect(await log.locator('img, script, iframe, [onerror], [onclick]').count()).toBe(0)
    expect(await log.locator('a[href^="javascript"]').count()).toBe(0)
    const shown = (await page.locator(`${REPLY} .content`).textContent()) ?? ''
    expect(shown).toContain('<img src=x onerror=')
    expect(shown).toContain('<script>window.__xss=2</script>')
    expect(shown).toContain('<iframe src=')
    // the prompt bubble shows the text as typed, too
    expect(await page.locator('.msg-user').last().textContent()).toBe(text)
    // clicking what is left of the javascript: link does nothing either
    const link = page.locator(`${REPLY} .content a`, { hasText: 'x' })
    if ((await link.count()) > 0) await link.first().click()
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
  })

  it("shows a user's reply file with HTML in it as text, natively and in a vendor format, and runs none of it", async () => {
    // What a --replies file holds reaches the page as a canned reply (scenarios and captures never do: the page
    // always names its reply, and a reply header wins over a scenario).
    const text =
      'A file reply: <img src=x onerror="window.__xss=7"> <script>window.__xss=8</script> <svg onload="window.__xss=9"></svg> done.'
    const hostile = await startServer({ replies: [{ name: 'hostile', description: 'HTML in a reply file', text }] })
    try {
      const { page, errors, dialogs } = await openPage('', { base: hostile.url })
      for (const format of ['native', 'openai-chat', 'anthropic-messages']) {
        await pickFormat(page, format)
        await pickReply(page, 'hostile')
        await configure(page, { unit: 'word', delay: '1', ttft: '0', jitter: '0' })
        await page.click('#send')
        await waitForReply(page, 'finished', TIMEOUT)
        expect(await page.locator(REPLY).getAttribute('data-state'), format).toBe('done')
        expect(await raw(page), format).toBe(text)
        expect(await page.locator('#log').locator('img, script, svg, [onerror], [onload]').count(), format).toBe(0)
        expect((await page.locator(`${REPLY} .content`).textContent()) ?? '', format).toContain('<img src=x onerror=')
      }
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined()
      expect(dialogs).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await hostile.close()
    }
  })

  it("shows the server's error message when the stream is refused", async () => {
    const { page } = await openPage()
    await pickReply(page, 'greeting')
    // the form lets an out-of-range value through on purpose: the server validates, the page shows its answer
    await configure(page, { delay: '-5' })
    const response = await fetch(`${bench.server.url}/stream?reply=greeting&delay=-5`)
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { message: string; param: string } }
    expect(body.error.param).toBe('delay')

    await page.click('#send')
    await waitForReply(page, 'error', TIMEOUT)
    await expect.poll(() => page.locator(`${REPLY} .error-box`).textContent()).toContain(body.error.message)
    expect(await page.locator(`${REPLY} [role="alert"]`).count()).toBe(1)
    expect(await page.getAttribute('#delay', 'aria-invalid')).toBe('true')
    expect(await page.locator('#status').textContent()).toBe('Error')
    expect(await page.isEnabled('#send')).toBe(true)

    // fixing the value clears the mark, and the next send streams
    await configure(page, { delay: '1', ttft: '0' })
    expect(await page.getAttribute('#delay', 'aria-invalid')).toBeNull()
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(replyText('greeting'))
  })

  it('shows token boundaries: one span per event, together exactly the reply', async () => {
    const { page, errors } = await openPage()
    const expected = replyText('code')
    await pickReply(page, 'code')
    await configure(page, { unit: 'token', delay: '1', ttft: '0', jitter: '0', chunk: '3' })
    await page.check('#boundaries')
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)

    expect(await spansText(page)).toBe(expected)
    const spans = page.locator(`${REPLY} .content.tokens span.tk`)
    const events = await spans.count()
    const units = Number(await page.locator(REPLY).getAttribute('data-units'))
    expect(units).toBeGreaterThan(100)
    expect(events).toBe(Math.ceil(units / 3))
    // alternate spans alternate tints; whitespace is kept
    const classes = await spans.evaluateAll((all) => all.slice(0, 4).map((span) => span.classList.contains('tk-a')))
    expect(classes).toEqual([true, false, true, false])
    expect(await page.locator(`${REPLY} .content.tokens`).evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap')
    // no Markdown while boundaries are on; Markdown again when they are off
    expect(await page.locator(`${REPLY} .content pre`).count()).toBe(0)
    await page.uncheck('#boundaries')
    await page.waitForSelector(`${REPLY} .content.md pre > code`)
    await page.check('#boundaries')
    await expect.poll(() => spansText(page)).toBe(expected)

    // grapheme clusters (ZWJ emoji, flags, combining marks, RTL) survive one span each
    await pickReply(page, 'multilingual')
    await configure(page, { unit: 'char', delay: '0', chunk: '1' })
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await spansText(page)).toBe(replyText('multilingual'))
    expect(await spans.count()).toBe(Number(await page.locator(REPLY).getAttribute('data-units')))
    expect(errors).toEqual([])
  })

  it('resumes after a dropped connection, says so, and loses no unit', async () => {
    const { page, errors } = await openPage()
    const expected = replyText('markdown')
    await pickReply(page, 'markdown')
    await configure(page, { unit: 'token', delay: '6', ttft: '0', jitter: '0', chunk: '1' })
    await page.click('#send')
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.msg-assistant:last-of-type')?.dataset.units ?? 0) >= 40)

    bench.server.server.registry.endAll('test: drop the connection') // EventSource reconnects with Last-Event-ID

    const notice = page.locator(`${REPLY} .notice-resume`)
    await notice.waitFor({ timeout: TIMEOUT })
    expect(await notice.textContent()).toMatch(/^Connection dropped — resumed after unit \d+$/)
    await waitForReply(page, 'done', TIMEOUT)
    expect(await page.locator('[data-figure="reconnects"]').textContent()).toBe('1')
    expect(await raw(page)).toBe(expected)
    // the wire pane marks the reconnect between the events, and shows each event with its id
    expect(await page.locator('#wire-list .wire-note').textContent()).toMatch(/reconnected with Last-Event-ID: \d+$/)
    expect(await wireLines(page)).toContain('id: 0')
    expect(errors).toEqual([])
  })

  it('sends with Ctrl+Enter and stops with the Stop button', async () => {
    const { page, errors } = await openPage()
    const expected = replyText('long')
    await pickReply(page, 'long')
    await configure(page, { unit: 'word', delay: '20', ttft: '0', jitter: '0' })
    await page.focus('#reply')
    await page.keyboard.press('Control+Enter')
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.msg-assistant:last-of-type')?.dataset.units ?? 0) >= 5)
    await page.click('#stop')

    await waitForReply(page, 'stopped', TIMEOUT)
    const got = (await raw(page)) ?? ''
    expect(got.length).toBeGreaterThan(0)
    expect(got.length).toBeLessThan(expected.length)
    expect(expected.startsWith(got)).toBe(true)
    expect(await page.locator(`${REPLY} .caret`).count()).toBe(0)
    expect(await page.locator(`${REPLY} .msg-footer`).textContent()).toContain('Stopped after')
    expect(await page.isEnabled('#send')).toBe(true)
    expect(await page.locator('#status').textContent()).toBe('Stopped')
    expect(errors).toEqual([])
  })
})
