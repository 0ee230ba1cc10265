/**
 * The page's buffering detector in a real headless Chromium against the real server: no notice for a stream
 * that arrives as paced, a notice when a middleman holds the whole response back. (The detector's pure function
 * is tested in Node: test/web/buffering.test.ts.) Every page is served under the strict Content-Security-Policy the server sends
 * with it, and a test fails on any violation, page error or console error; every wait is a condition, never a
 * fixed sleep.
 */
import { describe, expect, it } from 'vitest'
import { browserAvailable } from '../helpers/browser.js'
import { pageBench, pickReply, REPLY, replyText, waitForReply } from '../helpers/page.js'
import { openUnderCsp, TIMEOUT, configure, raw, watchMainThread } from '../helpers/page-controls.js'

describe.skipIf(!browserAvailable)('the page, buffering detector', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  const openPage = openUnderCsp(bench)

  it('says the stream is buffered when something holds it back, and not when it arrives as paced', async () => {
    const { page, errors } = await openPage()
    await pickReply(page, 'markdown')
    // 397 words 5 ms apart: about 2 s of stream
    await configure(page, { unit: 'word', delay: '5', ttft: '0', jitter: '0' })
    // The detector reads arrivals on the page's main thread, so a main thread held for 500 ms or more (a busy
    // machine running the whole suite beside this browser) delivers a paced stream in a burst, as a buffer
    // would, and no page can tell the two apart. So the paced stream must not be flagged on a run whose main
    // thread was never held that long; up to three runs to get one, and a machine that holds it every time fails.
    let stallFree = false
    for (let run = 0; run < 3 && !stallFree; run++) {
      const stalls = await watchMainThread(page)
      await page.click('#send')
      await waitForReply(page, 'done', TIMEOUT)
      const longest = await stalls()
      expect(await raw(page)).toBe(replyText('markdown'))
      if (longest >= 400) continue
      stallFree = true
      expect(await page.locator(`${REPLY} .notice-buffer`).count()).toBe(0)
      expect(await page.locator(REPLY).getAttribute('data-buffered')).toBeNull()
    }
    expect(stallFree, "a run in which the page's main thread was never held for 400 ms").toBe(true)

    // a buffering middleman: the whole response is read, then handed on at once
    await page.route(
      (url) => url.pathname === '/stream',
      async (route) => {
        const response = await route.fetch()
        await route.fulfill({ response })
      },
    )
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(replyText('markdown'))
    const notice = page.locator(`${REPLY} .notice-buffer`)
    expect(await notice.count()).toBe(1)
    const text = (await notice.textContent()) ?? ''
    expect(text).toMatch(/^Buffering detected \d+ events sent over \d\.\d s arrived within \d+ ms, after \d\.\d s of silence/)
    expect(text).toContain(
      'something between the server and the browser (a proxy, compression, a dev-server middleware) buffers the stream',
    )
    expect(Number(/^Buffering detected (\d+)/.exec(text)?.[1])).toBeGreaterThan(300)
    expect(await page.locator(REPLY).getAttribute('data-buffered')).toBe('true')
    expect(errors).toEqual([])
  })
})
