/**
 * The page's vendor wire formats in a real headless Chromium against the real server (POSTed with fetch, read
 * with the page's SSE reader): the same reply as the native stream, their raw events in the wire pane, the
 * user's own text echoed, errors, Esc, a stream cut short, and the format in the URL. Every page is served under the strict Content-Security-Policy the server sends
 * with it, and a test fails on any violation, page error or console error; every wait is a condition, never a
 * fixed sleep.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserAvailable } from '../helpers/browser.js'
import { pageBench, pickReply, READY, REPLY, replyText, typeText, waitForReply } from '../helpers/page.js'
import { openUnderCsp, TIMEOUT, configure, pickFormat, raw, wireLines } from '../helpers/page-controls.js'

describe.skipIf(!browserAvailable)('the page, vendor formats', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  const openPage = openUnderCsp(bench)

  /** Per vendor format: wire lines its stream must show (a string: exactly that line; a RegExp: a line it matches). */
  const VENDOR_FORMATS: readonly { format: string; label: string; lines: readonly (string | RegExp)[] }[] = [
    {
      format: 'openai-chat',
      label: 'OpenAI Chat Completions',
      lines: [
        /^data: \{"id":"chatcmpl-\w+","object":"chat\.completion\.chunk"/,
        /"finish_reason":"stop"/,
        /"usage":\{"prompt_tokens"/,
        'data: [DONE]',
      ],
    },
    {
      format: 'openai-responses',
      label: 'OpenAI Responses',
      lines: [
        'event: response.created',
        'event: response.output_text.delta',
        /^data: \{"type":"response\.output_text\.delta"/,
        'event: response.completed',
      ],
    },
    {
      format: 'anthropic-messages',
      label: 'Anthropic Messages',
      lines: [
        'event: message_start',
        'event: content_block_delta',
        /^data: \{"type":"content_block_delta",.*"text_delta"/,
        'event: message_stop',
      ],
    },
    {
      format: 'gemini',
      label: 'Gemini',
      lines: [/^data: \{"candidates": \[\{"content": \{"parts": \[\{"text": /, /"finishReason": "STOP"/],
    },
    {
      format: 'ai-sdk-ui',
      label: 'AI SDK UI',
      lines: [/^data: \{"type":"start"/, /^data: \{"type":"text-delta"/, /^data: \{"type":"finish"/, 'data: [DONE]'],
    },
  ]

  const hasLine = (lines: readonly string[], wanted: string | RegExp): boolean =>
    typeof wanted === 'string' ? lines.includes(wanted) : lines.some((line) => wanted.test(line))

  /** Streams the chosen reply to its end; returns what the reply holds: raw text, rendered HTML and figures. */
  async function streamToEnd(page: Page): Promise<{ raw: string | null; html: string; count: string | null; state: string | null }> {
    await page.click('#send')
    await waitForReply(page, 'finished', TIMEOUT)
    return {
      raw: await raw(page),
      html: await page.locator(`${REPLY} .content`).innerHTML(),
      count: await page.locator('[data-figure="count"]').textContent(),
      state: await page.locator(REPLY).getAttribute('data-state'),
    }
  }

  for (const { format, label, lines } of VENDOR_FORMATS) {
    it(`streams a canned reply in the ${format} format exactly as the native stream, and shows its events on the wire`, async () => {
      const { page, errors, dialogs } = await openPage()
      await pickReply(page, 'markdown')
      await configure(page, { unit: 'token', delay: '1', ttft: '20', jitter: '0', chunk: '1' })
      const native = await streamToEnd(page)
      expect(native.state).toBe('done')
      expect(native.raw).toBe(replyText('markdown'))
      expect(await wireLines(page)).toContain('event: token')

      await pickFormat(page, format)
      const vendor = await streamToEnd(page)
      expect(vendor.state).toBe('done')
      expect(vendor.raw).toBe(native.raw)
      expect(vendor.html).toBe(native.html) // the same Markdown, rendered the same
      expect(vendor.count).toBe('663 / 663')
      expect(await page.locator(REPLY).getAttribute('data-units')).toBe('663')
      expect(await page.locator(REPLY).getAttribute('data-format')).toBe(format)
      expect(await page.locator('[data-figure="ttft"]').textContent()).toMatch(/^\d+ ms$/)
      expect(await page.locator('[data-figure="tps"]').textContent()).toMatch(/^\d+(\.\d)?$/)
      expect(await page.locator('#status').textContent()).toBe('Done')

      // the wire pane: this format's events, one marked row per text delta, each with its arrival time
      expect(await page.locator('#wire-format').textContent()).toBe(label)
      const shown = await wireLines(page)
      for (const line of lines) expect(hasLine(shown, line), `a wire line ${line}`).toBe(true)
      expect(shown).not.toContain('event: token')
      expect(await page.locator('#wire-list .wire-text').count()).toBe(663)
      const times = await page.locator('#wire-list .wire-at').allTextContents()
      expect(times.length).toBeGreaterThanOrEqual(663)
      for (const time of times) expect(time).toMatch(/^\d+ ms$/)
      const ms = times.map((time) => Number.parseInt(time, 10))
      for (let i = 1; i < ms.length; i++) expect(ms[i]).toBeGreaterThanOrEqual(ms[i - 1] ?? 0)
      expect(await page.locator('#wire-count').textContent()).toBe(`${times.length} events`)
      // newest at the bottom, scrolled into view
      await expect
        .poll(() => page.locator('#wire-list').evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight))
        .toBeLessThan(2)
      // an event with a long data line (every format's but the AI SDK's has some) is clamped until clicked
      const marked = await page
        .locator('#wire-list .wire-row')
        .evaluateAll((rows) =>
          rows.map((row) => [
            row.classList.contains('wire-long'),
            Array.from(row.querySelectorAll('.wire-data .wire-value'), (value) => value.textContent ?? '').some(
              (line) => line.length > 160,
            ),
          ]),
        )
      for (const [isLong, hasLongLine] of marked) expect(isLong).toBe(hasLongLine)
      expect(marked.some(([isLong]) => isLong)).toBe(format !== 'ai-sdk-ui')
      if (format !== 'ai-sdk-ui') {
        const long = page.locator('#wire-list .wire-long').first()
        await long.click()
        expect(await long.getAttribute('aria-expanded')).toBe('true')
        await long.click()
        expect(await long.getAttribute('aria-expanded')).toBe('false')
      }

      // the URL keeps the format
      expect(new URL(page.url()).searchParams.get('format')).toBe(format)
      expect(errors).toEqual([])
      expect(dialogs).toEqual([])
    })
  }

  it('answers "Your text" in every vendor format with exactly the text typed', async () => {
    const { page, errors } = await openPage()
    const text = [
      '# Echo',
      '',
      'Your **own** text, word for word: `code`, <b>raw HTML</b>, 👩‍👩‍👧‍👦 🇯🇵 e\u0301, 中文，한국어, العربية.',
      '',
      '- one',
      '- two',
      '',
      '```js',
      'const x = "quotes" + \'and\' + `backticks`',
      '```',
    ].join('\n')
    await typeText(page, text)
    await configure(page, { unit: 'char', delay: '0', ttft: '0', jitter: '0', chunk: '3' })
    for (const { format } of VENDOR_FORMATS) {
      await pickFormat(page, format)
      await page.click('#send')
      await waitForReply(page, 'finished', TIMEOUT)
      expect(await page.locator(REPLY).getAttribute('data-state'), format).toBe('done')
      expect(await raw(page), format).toBe(text)
      expect(await page.locator(`${REPLY} .content h1`).textContent()).toBe('Echo')
      expect(await page.locator(`${REPLY} .content pre > code`).textContent()).toContain('backticks')
      expect(await page.locator('.msg-user').last().textContent()).toBe(text)
    }
    expect(errors).toEqual([])
  })

  it("shows a vendor format's error body as the server's message and marks the setting", async () => {
    const { page, errors } = await openPage()
    await pickReply(page, 'greeting')
    await configure(page, { delay: '-5' })
    for (const { format } of VENDOR_FORMATS) {
      await pickFormat(page, format)
      await page.click('#send')
      await waitForReply(page, 'error', TIMEOUT)
      const box = (await page.locator(`${REPLY} .error-box`).textContent()) ?? ''
      expect(box, format).toContain('The stream could not start')
      expect(box, format).toContain('x-tokensim-delay: delay must be a number of ms between units from 0 to 60000; got "-5"')
      expect(await page.getAttribute('#delay', 'aria-invalid'), format).toBe('true')
      expect(await page.locator('#status').textContent()).toBe('Error')
      await configure(page, { delay: '-5' }) // typing again clears the mark; the value stays wrong
    }
    // an unknown reply is refused too, in each vendor's error shape
    await configure(page, { delay: '1', ttft: '0' })
    await page.evaluate(() => {
      const select = document.querySelector<HTMLSelectElement>('#reply')
      select?.append(new Option('no-such-reply', 'no-such-reply'))
      if (select) select.value = 'no-such-reply'
    })
    await pickFormat(page, 'gemini')
    await page.click('#send')
    await waitForReply(page, 'error', TIMEOUT)
    expect(await page.locator(`${REPLY} .error-box`).textContent()).toContain('There is no reply named "no-such-reply"')
    // the browser reports each refused request as a failed load; nothing else may go wrong
    expect(errors.filter((error) => !/Failed to load resource: the server responded with a status of 400/.test(error))).toEqual([])
  })

  it('stops a vendor stream with Esc: the request is aborted and the server stops streaming', async () => {
    const { page, errors } = await openPage('?format=anthropic-messages')
    const expected = replyText('long')
    await pickReply(page, 'long')
    await configure(page, { unit: 'word', delay: '20', ttft: '0', jitter: '0' })
    await page.click('#send')
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.msg-assistant:last-of-type')?.dataset.units ?? 0) >= 5)
    expect(bench.server.server.registry.size).toBeGreaterThan(0)
    await page.keyboard.press('Escape')

    await waitForReply(page, 'stopped', TIMEOUT)
    await expect.poll(() => bench.server.server.registry.size, { timeout: TIMEOUT }).toBe(0) // the server saw the client go
    const got = (await raw(page)) ?? ''
    expect(got.length).toBeGreaterThan(0)
    expect(expected.startsWith(got)).toBe(true)
    expect(await page.locator(`${REPLY} .msg-footer`).textContent()).toContain('Stopped after')
    expect(await page.locator('#status').textContent()).toBe('Stopped')
    expect(await page.isEnabled('#send')).toBe(true)
    expect(errors).toEqual([])
  })

  it('says so when a vendor stream ends before its end event', async () => {
    const { page, errors } = await openPage('?format=openai-responses')
    await pickReply(page, 'markdown')
    await configure(page, { unit: 'token', delay: '6', ttft: '0', jitter: '0', chunk: '1' })
    await page.click('#send')
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.msg-assistant:last-of-type')?.dataset.units ?? 0) >= 20)
    bench.server.server.registry.endAll('test: cut the stream') // no reconnect for a fetch stream: the reply is cut short

    await waitForReply(page, 'error', TIMEOUT)
    const box = (await page.locator(`${REPLY} .error-box`).textContent()) ?? ''
    expect(box).toContain('The stream broke off')
    expect(box).toContain('The stream ended before its end (response.completed)')
    expect(replyText('markdown').startsWith((await raw(page)) ?? '')).toBe(true)
    expect(errors).toEqual([])
  })

  it('keeps the format in its URL and restores it on load', async () => {
    const { page, errors } = await openPage('?format=gemini&reply=code')
    expect(await page.inputValue('#format')).toBe('gemini')
    expect(await page.locator('#wire-format').textContent()).toBe('Gemini')
    expect(await page.locator('#wire-endpoint').textContent()).toBe('POST /v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    expect(await page.locator('#format-note').textContent()).toContain('finishReason')

    await pickFormat(page, 'openai-responses')
    await expect.poll(() => new URL(page.url()).searchParams.get('format')).toBe('openai-responses')
    expect(new URL(page.url()).searchParams.get('reply')).toBe('code')
    expect(await page.locator('#wire-format').textContent()).toBe('OpenAI Responses')
    await page.reload()
    await page.waitForSelector(READY)
    expect(await page.inputValue('#format')).toBe('openai-responses')
    expect(await page.inputValue('#reply')).toBe('code')

    // native is the default: it leaves the URL
    await pickFormat(page, 'native')
    await expect.poll(() => new URL(page.url()).searchParams.has('format')).toBe(false)
    // an unknown format falls back to native
    const other = await openPage('?format=nonsense')
    expect(await other.page.inputValue('#format')).toBe('native')
    expect(errors).toEqual([])
    expect(other.errors).toEqual([])
  })
})
