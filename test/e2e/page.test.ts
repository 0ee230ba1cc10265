/**
 * The page at / in a real headless Chromium against the real server: streaming and Markdown rendering, raw HTML
 * shown as text (no script runs), the server's error message, token boundaries, reconnects and Stop; and the
 * vendor wire formats (POSTed with fetch, read with the page's SSE reader): the same reply as the native
 * stream, their raw events in the wire pane, the user's own text echoed, errors, Stop, and the format in the URL;
 * the fault toggles (the `fault` query on /stream, the `x-tokensim-fault` header), mid-stream errors, injected
 * statuses, a native drop that resumes and a coalesced stream; the latency picker (the server's profiles, a
 * user's own among them, sent by name; Custom; the page's presets without GET /profiles); the compare view; the
 * measured distribution next to the declared one; and the buffering detector.
 *
 * Every page is served under the strict Content-Security-Policy the server sends with it (no inline script or
 * style), and a test fails on any violation, page error or console error. Every wait is a condition
 * (waitForFunction, waitForSelector, expect.poll), never a fixed sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page, Request } from 'playwright-core'
import type { Profile } from '../../src/core/profiles.js'
import { split } from '../../src/core/split.js'
import { browserAvailable } from '../helpers/browser.js'
import {
  expectStreamedFrameByFrame,
  loadBuffering,
  pageBench,
  PANES,
  pickReply,
  readPanes,
  READY,
  REPLY,
  replyText,
  sampleReplyFrames,
  typeText,
  waitForCompare,
  waitForReply,
  type Buffering,
  type OpenOptions,
  type OpenPage,
} from '../helpers/page.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const TIMEOUT = 30_000

/** A user's profile (as `--profiles` adds one) that is constant: 600 ms to the first unit, then 20 ms a unit. */
const STEADY: Profile = {
  name: 'steady',
  description: 'constant: 600 ms to first token, then 20 ms a unit',
  ttft: { median: 600, p99: 600 },
  gap: { median: 20, p99: 20 },
}

/** The built-in profiles, in the order GET /profiles lists them. */
const BUILTIN_PROFILES = ['instant', 'fast', 'typical', 'slow', 'reasoning', 'flaky']

describe.skipIf(!browserAvailable)('the web page', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  /** A server with a user's profile besides the built-in ones, as `--profiles` gives it. */
  let profiled: RunningServer

  beforeAll(async () => {
    profiled = await startServer({ profiles: [STEADY] })
  }, TIMEOUT)

  afterAll(async () => {
    await profiled?.close()
  })

  /**
   * Opens the page (of `base`, the test server by default), served under the server's policy; `setup` runs
   * before it loads (to route a request).
   * @param query the page URL's query, `?…`
   */
  const openPage = (query = '', options: Pick<OpenOptions, 'base' | 'setup'> = {}): Promise<OpenPage> =>
    bench.openPage(query, { ...options, checkCspHeader: true })

  /** Fills the latency settings (any field left out keeps the page's value). */
  async function configure(
    page: Page,
    settings: Partial<Record<'unit' | 'delay' | 'ttft' | 'jitter' | 'seed' | 'chunk', string>>,
  ): Promise<void> {
    for (const [name, value] of Object.entries(settings)) {
      if (name === 'unit') await page.selectOption('#unit', value)
      else await page.fill(`#${name}`, value)
    }
  }

  async function pickFormat(page: Page, format: string): Promise<void> {
    await page.selectOption('#format', format)
  }

  /** The wire pane's lines (`event: …`, `data: …`), in order. */
  const wireLines = (page: Page): Promise<string[]> =>
    page.locator('#wire-list .wire-line').evaluateAll((lines) => lines.map((line) => line.textContent ?? ''))

  const raw = (page: Page): Promise<string | null> => page.locator(REPLY).getAttribute('data-raw')

  /** The text of the reply's token spans, joined, with token boundaries on. */
  const spansText = (page: Page): Promise<string> =>
    page
      .locator(`${REPLY} .content.tokens`)
      .evaluate((content) => Array.from(content.querySelectorAll('span.tk'), (span) => span.textContent ?? '').join(''))

  /** Picks a tile of the Latency card: a profile (or, without GET /profiles, a preset) by name, or Custom. */
  async function pickLatency(page: Page, name: string | 'Custom'): Promise<void> {
    await page.click(name === 'Custom' ? '#latency-picker label[data-custom]' : `#latency-picker label[data-profile="${name}"]`)
  }

  /** The tile lit in the Latency card: a profile's (or preset's) name, 'Custom', or null for none. */
  const pickedLatency = (page: Page): Promise<string | null> =>
    page.locator('#latency-picker').evaluate((picker) => {
      const input = picker.querySelector<HTMLInputElement>('input:checked')
      return input === null ? null : input.value === '' ? 'Custom' : input.value
    })

  /** A distribution table (a pane's, the panel's): its declared quantiles and what was measured, as shown. */
  const distribution = (root: Locator) =>
    root.evaluate((dist) => {
      const texts = (selector: string) => Array.from(dist.querySelectorAll(selector), (cell) => cell.textContent ?? '')
      const text = (selector: string) => dist.querySelector(selector)?.textContent ?? ''
      return {
        kind: (dist as HTMLElement).dataset.distribution ?? '',
        declared: {
          ttft: texts('[data-quantiles="ttft"] [data-source="declared"] td'),
          gap: texts('[data-quantiles="gap"] [data-source="declared"] td'),
        },
        ttft: text('[data-measured="ttft"]'),
        gap: ['p50', 'p90', 'p99', 'max'].map((c) => text(`[data-measured="gap-${c}"]`)),
        note: text('[data-measured="count"]'),
      }
    })

  /** The panel's distribution table (of the last Send's first stream). */
  const panelDistribution = (page: Page) => distribution(page.locator('#figures-distribution .dist'))

  /** A measured figure as a number (`664 (this run)` → 664). */
  const figureMs = (text: string): number => Number.parseFloat(text)

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

  it('takes its settings from its own URL and keeps them there', async () => {
    // an old link's preset: the server's profile of that name is picked (its values wait in the fields for Custom)
    const { page, errors } = await openPage('?reply=code&preset=slow&unit=word&chunk=2&boundaries=1')
    expect(await pickedLatency(page)).toBe('slow')
    expect(await page.inputValue('#ttft')).toBe('3000')
    expect(await page.inputValue('#delay')).toBe('60')
    expect(await page.inputValue('#unit')).toBe('word')
    expect(await page.inputValue('#chunk')).toBe('2')
    expect(await page.inputValue('#reply')).toBe('code')
    expect(await page.isChecked('#boundaries')).toBe(true)
    await page.selectOption('#unit', 'char')
    await expect.poll(() => new URL(page.url()).searchParams.get('unit')).toBe('char')
    const query = new URL(page.url()).searchParams
    expect(query.get('profile')).toBe('slow')
    for (const key of ['preset', 'ttft', 'delay', 'jitter']) expect(query.has(key), key).toBe(false)
    expect(errors).toEqual([])
  })

  // ---- vendor wire formats ---------------------------------------------------------------------------------

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

  it('reads SSE by the WHATWG rules: LF, CR and CRLF line ends, multi-line data, comments, cut anywhere', async () => {
    const { page, errors } = await openPage()
    // a string, so that the test runner leaves this import() alone: the page's own module, as the page loads it
    await page.evaluate("import('/sse.js').then((sse) => { window.__sse = sse })")
    const results = await page.evaluate(async () => {
      type Message = { event: string; data: string; id: string | null }
      const { createSseParser, readSse } = (
        window as unknown as {
          __sse: {
            createSseParser(onMessage: (message: Message) => void): { push(text: string): void }
            readSse(body: ReadableStream<Uint8Array>, onMessage: (message: Message) => void): Promise<void>
          }
        }
      ).__sse
      const stream = [
        ': a comment, then an event with no data (dropped)\r\n',
        'event: lonely\r\n\r\n',
        'event: first\rdata: one\rdata:  two (one space dropped)\r\r',
        'data:no space\nid: 7\n\n',
        'data\r\n',
        'data: é 👩‍👩‍👧 中\r\n\r\n',
        'event: cut\ndata: never finished',
      ].join('')
      const expected = [
        { event: 'first', data: 'one\n two (one space dropped)', id: null },
        { event: '', data: 'no space', id: '7' },
        { event: '', data: '\né 👩‍👩‍👧 中', id: null },
      ]
      const outcomes: string[] = []
      // the same stream cut at every boundary, into text pieces of 1 to 5 chars
      for (let size = 1; size <= 5; size++) {
        const got: unknown[] = []
        const parser = createSseParser((message) => got.push(message))
        for (let i = 0; i < stream.length; i += size) parser.push(stream.slice(i, i + size))
        outcomes.push(JSON.stringify(got) === JSON.stringify(expected) ? 'ok' : `text/${size}: ${JSON.stringify(got)}`)
      }
      // bytes, one at a time (UTF-8 cut inside characters), with a BOM first
      const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(stream)])
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const byte of bytes) controller.enqueue(new Uint8Array([byte]))
          controller.close()
        },
      })
      const got: unknown[] = []
      await readSse(body, (message) => got.push(message))
      outcomes.push(JSON.stringify(got) === JSON.stringify(expected) ? 'ok' : `bytes: ${JSON.stringify(got)}`)
      return outcomes
    })
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok'])
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

  // ---- faults ------------------------------------------------------------------------------------------------

  /** Every request the page makes from now on, with when it was made. */
  function recordRequests(page: Page): { requests: { request: Request; at: number }[] } {
    const log = { requests: [] as { request: Request; at: number }[] }
    page.on('request', (request) => log.requests.push({ request, at: Date.now() }))
    return log
  }

  const isStream = (request: Request): boolean => new URL(request.url()).pathname === '/stream'

  /** The query of the first GET /stream among the recorded requests. */
  const firstStreamQuery = (log: { requests: { request: Request }[] }): URLSearchParams =>
    new URL(
      log.requests
        .map(({ request }) => request)
        .find(isStream)!
        .url(),
    ).searchParams

  /** Turns every fault toggle off, then the given ones on with their fields. */
  async function setFaults(page: Page, faults: Record<string, Record<string, string>>): Promise<void> {
    for (const box of await page.locator('#faults input[type="checkbox"]').all()) await box.uncheck()
    for (const [id, values] of Object.entries(faults)) {
      for (const [key, value] of Object.entries(values)) {
        if (id === 'status' && key === 'code') await page.selectOption('#fault-status-code', value)
        else await page.fill(`#fault-${id}-${key}`, value)
      }
      await page.check(`#fault-${id}`)
    }
  }

  /** Chromium's own line for a response with an error status, which a refused request is meant to get. */
  const unexpected = (errors: readonly string[]): string[] =>
    errors.filter((error) => !/^Failed to load resource: the server responded with a status of (4|5)\d\d/.test(error))

  it('sends each fault toggle as the fault query on /stream and as the x-tokensim-fault header, and keeps them in the URL', async () => {
    const { page, errors } = await openPage()
    const seen = recordRequests(page)
    await pickReply(page, 'greeting')
    await configure(page, { unit: 'word', delay: '0', ttft: '0', jitter: '0' })
    expect(await page.locator('#fault-spec').textContent()).toContain('No faults')
    const cases: [Record<string, Record<string, string>>, string][] = [
      [{ status: { code: '503', retry: '5' } }, 'status:503:5'],
      [{ status: { code: '529', retry: '' } }, 'status:529'],
      [{ 'slow-headers': { ms: '40' } }, 'slow-headers:40'],
      [{ 'error-after': { n: '3' } }, 'error-after:3'],
      [{ 'drop-after': { n: '3' } }, 'drop-after:3'],
      [{ 'stall-after': { n: '2', ms: '30' } }, 'stall-after:2:30'],
      [{ 'truncate-after': { n: '4' } }, 'truncate-after:4'],
      [{ coalesce: { ms: '40' } }, 'coalesce:40'],
      [
        { coalesce: { ms: '30' }, 'stall-after': { n: '1', ms: '20' }, 'error-after': { n: '5' }, status: { code: '429', retry: '1' } },
        'status:429:1,error-after:5,stall-after:1:20,coalesce:30',
      ],
    ]
    for (const [faults, spec] of cases) {
      await setFaults(page, faults)
      for (const format of ['native', 'openai-chat']) {
        await pickFormat(page, format)
        expect(await page.locator('#fault-spec').textContent(), spec).toBe(
          format === 'native' ? `fault=${spec}` : `x-tokensim-fault: ${spec}`,
        )
        seen.requests.length = 0
        await page.click('#send')
        await waitForReply(page, 'finished', TIMEOUT)
        const sent = seen.requests
          .map(({ request }) => request)
          .filter((r) => isStream(r) || new URL(r.url()).pathname === '/v1/chat/completions')
        expect(sent.length, `${format} ${spec}`).toBeGreaterThanOrEqual(1)
        const first = sent[0]!
        if (format === 'native') {
          const url = new URL(first.url())
          expect(url.searchParams.get('fault'), spec).toBe(spec)
          expect(url.searchParams.get('reply')).toBe('greeting')
          expect(first.headers()['x-tokensim-fault']).toBeUndefined()
        } else {
          expect(first.headers()['x-tokensim-fault'], spec).toBe(spec)
          expect(new URL(first.url()).searchParams.has('fault')).toBe(false)
        }
      }
      expect(new URL(page.url()).searchParams.get('fault')).toBe(spec)
    }

    // the URL brings the toggles back; none leaves it
    await page.reload()
    await page.waitForSelector(READY)
    expect(await page.isChecked('#fault-status')).toBe(true)
    expect(await page.inputValue('#fault-status-code')).toBe('429')
    expect(await page.inputValue('#fault-status-retry')).toBe('1')
    expect(await page.isChecked('#fault-error-after')).toBe(true)
    expect(await page.inputValue('#fault-error-after-n')).toBe('5')
    expect(await page.isChecked('#fault-stall-after')).toBe(true)
    expect(await page.inputValue('#fault-stall-after-ms')).toBe('20')
    expect(await page.isChecked('#fault-coalesce')).toBe(true)
    expect(await page.inputValue('#fault-coalesce-ms')).toBe('30')
    expect(await page.isChecked('#fault-drop-after')).toBe(false)
    await setFaults(page, {})
    await expect.poll(() => new URL(page.url()).searchParams.has('fault')).toBe(false)
    expect(unexpected(errors)).toEqual([])
  })

  it('shows a mid-stream error (error-after) with the text that came before it, natively and in a vendor format', async () => {
    const { page, errors } = await openPage()
    const words = split(replyText('greeting'), 'word')
    await pickReply(page, 'greeting')
    await configure(page, { unit: 'word', delay: '5', ttft: '0', jitter: '0' })
    await setFaults(page, { 'error-after': { n: '4' } })
    for (const [format, code] of [
      ['native', 'injected_fault'],
      ['anthropic-messages', 'overloaded_error'],
      ['openai-chat', 'server_error'],
      ['gemini', 'INTERNAL'],
    ] as const) {
      await pickFormat(page, format)
      await page.click('#send')
      await waitForReply(page, 'error', TIMEOUT)
      expect(await raw(page), format).toBe(words.slice(0, 5).join(''))
      const box = page.locator(`${REPLY} .error-box[role="alert"]`)
      expect(await box.locator('.error-title').textContent(), format).toBe('The stream broke off after 5 words')
      expect(await box.locator('.error-message').textContent(), format).toBe('tokensim: injected error after unit 4 (fault error-after)')
      expect(await box.locator('.error-code').textContent(), format).toBe(code)
      expect(await box.locator('.error-status').count()).toBe(0) // the response itself was a 200
      expect(await page.locator(`${REPLY} .msg-footer`).textContent()).toContain('5 words')
      expect(await page.locator('#status').textContent()).toBe('Error')
      // the error event is on the wire, marked
      expect(await page.locator('#wire-list .wire-error').count(), format).toBe(1)
    }
    expect(errors).toEqual([])
  })

  it('shows an injected HTTP status clearly: the status, its retry-after and the message', async () => {
    const { page, errors } = await openPage()
    await pickReply(page, 'greeting')
    await configure(page, { unit: 'word', delay: '0', ttft: '0', jitter: '0' })
    await setFaults(page, { status: { code: '429', retry: '2' } })
    for (const [format, code] of [
      ['native', 'rate_limit_exceeded'],
      ['openai-chat', 'rate_limit_exceeded'],
      ['anthropic-messages', 'rate_limit_error'],
      ['gemini', 'RESOURCE_EXHAUSTED'],
    ] as const) {
      await pickFormat(page, format)
      await page.click('#send')
      await waitForReply(page, 'error', TIMEOUT)
      const box = page.locator(`${REPLY} .error-box[role="alert"]`)
      await expect.poll(() => box.locator('.error-status').textContent()).toBe('HTTP 429 Too Many Requests')
      expect(await box.locator('.error-title').textContent(), format).toBe('The stream could not start')
      expect(await box.textContent(), format).toContain('retry after 2 s')
      expect(await box.locator('.error-code').textContent(), format).toBe(code)
      expect(await box.locator('.error-message').textContent(), format).toBe('tokensim: injected status 429 (fault status:429:2)')
      expect(await raw(page)).toBe('')
      expect(await page.locator('#status').textContent()).toBe('Error')
    }
    // Anthropic's own overloaded status, which Node has no reason phrase for
    await pickFormat(page, 'anthropic-messages')
    await setFaults(page, { status: { code: '529', retry: '' } })
    await page.click('#send')
    await waitForReply(page, 'error', TIMEOUT)
    expect(await page.locator(`${REPLY} .error-status`).textContent()).toBe('HTTP 529 Overloaded')
    expect(await page.locator(`${REPLY} .error-code`).textContent()).toBe('overloaded_error')
    // a fault list the server refuses marks the list, in either transport
    await setFaults(page, { 'error-after': { n: '' } })
    for (const format of ['anthropic-messages', 'native']) {
      await pickFormat(page, format)
      await page.click('#send')
      await waitForReply(page, 'error', TIMEOUT)
      expect(await page.locator(`${REPLY} .error-message`).textContent(), format).toMatch(/fault: "error-after:" needs a number of units/)
      expect(await page.locator(`${REPLY} .error-status`).textContent(), format).toBe('HTTP 400 Bad Request')
      expect(await page.getAttribute('#fault-spec', 'class'), format).toContain('server-invalid')
      await page.fill('#fault-error-after-n', '3') // fixing it clears the mark
      expect(await page.getAttribute('#fault-spec', 'class')).not.toContain('server-invalid')
      await page.fill('#fault-error-after-n', '')
    }
    expect(errors.length).toBeGreaterThan(0) // Chromium reports each refused request...
    expect(unexpected(errors)).toEqual([]) // ...and nothing else went wrong
  })

  it('resumes a native stream that drop-after cut off: EventSource reconnects with Last-Event-ID, the text complete', async () => {
    const { page, errors } = await openPage()
    const seen = recordRequests(page)
    const expected = replyText('markdown')
    await pickReply(page, 'markdown')
    await configure(page, { unit: 'token', delay: '2', ttft: '0', jitter: '0', chunk: '1' })
    await setFaults(page, { 'drop-after': { n: '40' } })
    await page.click('#send')

    const notice = page.locator(`${REPLY} .notice-resume`)
    await notice.waitFor({ timeout: TIMEOUT })
    expect(await notice.textContent()).toBe('Connection dropped — resumed after unit 40')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(expected) // no unit lost, none repeated
    expect(await page.locator(REPLY).getAttribute('data-units')).toBe('663')
    expect(await page.locator('[data-figure="reconnects"]').textContent()).toBe('1')
    expect(await page.locator('[data-figure="count"]').textContent()).toBe('663 / 663')
    expect(await page.locator(`${REPLY} .error-box`).count()).toBe(0)
    expect(await page.locator('#wire-list .wire-note .wire-note-text').textContent()).toBe('reconnected with Last-Event-ID: 40')
    // two connections, both asking for the fault; the second resumes after unit 40 (the fault is spent)
    const streams = seen.requests.map(({ request }) => request).filter(isStream)
    expect(streams).toHaveLength(2)
    for (const request of streams) expect(new URL(request.url()).searchParams.get('fault')).toBe('drop-after:40')
    // the server resumed after unit 40, as its done event says
    expect(
      (await wireLines(page)).some((line) => line.startsWith('data: {"tokens":663,"sent":622,') && line.includes('"resumed_after":40')),
    ).toBe(true)
    expect(errors).toEqual([])
  })

  it('coalesces a native stream as a buffering proxy would: the text complete, the gaps heaped up, the buffering seen', async () => {
    const { page, errors } = await openPage()
    const seen = recordRequests(page)
    await pickReply(page, 'greeting')
    // 34 words 30 ms apart: paced, the gaps between them are about 30 ms
    await configure(page, { unit: 'word', delay: '30', ttft: '0', jitter: '0' })
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    const paced = (await panelDistribution(page)).gap.map(figureMs)
    expect(paced[1]).toBeGreaterThan(15) // the p90: paced, many gaps are about 30 ms (a busy machine may heap a few up)

    // coalesced about every 300 ms: a few writes of many words each, so most gaps are next to nothing
    await setFaults(page, { coalesce: { ms: '300' } })
    expect(await page.locator('#fault-spec').textContent()).toBe('fault=coalesce:300')
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(replyText('greeting'))
    expect(
      new URL(
        seen.requests
          .map(({ request }) => request)
          .filter(isStream)
          .at(-1)!
          .url(),
      ).searchParams.get('fault'),
    ).toBe('coalesce:300')
    const [p50, , , max] = (await panelDistribution(page)).gap.map(figureMs) as [number, number, number, number]
    expect(p50).toBeLessThan(15)
    expect(max).toBeGreaterThanOrEqual(100) // the writes are 150 to 450 ms apart

    // a long reply coalesced about every 800 ms: the whole Markdown, and the page sees a buffered stream
    await pickReply(page, 'markdown')
    await configure(page, { unit: 'token', delay: '5' })
    await setFaults(page, { coalesce: { ms: '800' } })
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(replyText('markdown'))
    expect(await page.locator(`${REPLY} .content h1`).count()).toBe(1)
    expect(await page.locator('[data-figure="count"]').textContent()).toBe('663 / 663')
    expect(await page.locator(`${REPLY} .notice-buffer`).count()).toBe(1)
    expect(errors).toEqual([])
  })

  // ---- the compare view --------------------------------------------------------------------------------------

  /** Each pane of the last compare view: its profile, state, text and figures. */
  const panes = (page: Page) => page.locator(PANES).evaluateAll(readPanes)

  it('streams the same reply in two or three panes at once, each with its own profile and figures', async () => {
    const { page, errors } = await openPage('?compare=fast,typical,slow&reply=greeting')
    const seen = recordRequests(page)
    const expected = replyText('greeting')
    expect(await page.isChecked('#compare')).toBe(true)
    expect(await page.getAttribute('#app', 'data-wire')).toBe('closed') // the panes get the room
    expect([await page.inputValue('#compare-1'), await page.inputValue('#compare-2'), await page.inputValue('#compare-3')]).toEqual([
      'fast',
      'typical',
      'slow',
    ])
    await configure(page, { unit: 'word' })
    await page.click('#send')

    // mid-stream: the fast pane is ahead of the slow one
    await page.waitForSelector(`${PANES}[data-profile="fast"][data-state="done"]`, { timeout: TIMEOUT })
    const during = await panes(page)
    expect(during.find((p) => p.profile === 'slow')?.raw.length ?? 0).toBeLessThan(expected.length)

    await waitForCompare(page, TIMEOUT)
    const done = await panes(page)
    expect(done.map((p) => p.profile)).toEqual(['fast', 'typical', 'slow'])
    for (const pane of done) {
      expect(pane.state, pane.profile).toBe('done')
      expect(pane.raw, pane.profile).toBe(expected)
      expect(pane.ttft).toMatch(/^\d+ ms$/)
      expect(pane.tps).toMatch(/^\d+(\.\d)?$/)
      expect(pane.elapsed).toMatch(/^\d+\.\d s$/)
      expect(pane.count).toBe('34 / 34')
    }
    const ttft = done.map((p) => Number.parseInt(p.ttft, 10))
    expect(ttft[0]!).toBeLessThan(ttft[1]!)
    expect(ttft[1]!).toBeLessThan(ttft[2]!)
    expect(new Set(done.map((p) => p.elapsed)).size).toBe(3)
    expect(await page.locator('#status').textContent()).toBe('Done')

    // one request per pane, all at once, each naming its profile instead of the latency fields
    const streams = seen.requests.filter(({ request }) => isStream(request))
    expect(streams).toHaveLength(3)
    expect(streams.map(({ request }) => new URL(request.url()).searchParams.get('profile'))).toEqual(['fast', 'typical', 'slow'])
    for (const { request } of streams) {
      const query = new URL(request.url()).searchParams
      for (const knob of ['ttft', 'delay', 'jitter']) expect(query.has(knob), knob).toBe(false)
      expect(query.get('unit')).toBe('word')
    }
    expect(Math.max(...streams.map((s) => s.at)) - Math.min(...streams.map((s) => s.at))).toBeLessThan(500)

    // two panes, in a vendor format: the profile goes as x-tokensim-profile
    await page.selectOption('#compare-1', 'instant')
    await page.selectOption('#compare-2', 'fast')
    await page.selectOption('#compare-3', '')
    await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBe('instant,fast')
    expect(page.url()).toContain('compare=instant,fast')
    await pickFormat(page, 'anthropic-messages')
    seen.requests.length = 0
    await page.click('#send')
    await waitForCompare(page, TIMEOUT)
    const vendor = await panes(page)
    expect(vendor.map((p) => [p.profile, p.state, p.raw === expected])).toEqual([
      ['instant', 'done', true],
      ['fast', 'done', true],
    ])
    const posts = seen.requests.map(({ request }) => request).filter((r) => new URL(r.url()).pathname === '/v1/messages')
    expect(posts.map((r) => r.headers()['x-tokensim-profile'])).toEqual(['instant', 'fast'])
    for (const post of posts) expect(post.headers()['x-tokensim-delay']).toBeUndefined()

    // off: one reply again, and the URL forgets the panes
    await page.click('label[for="compare"]')
    await expect.poll(() => new URL(page.url()).searchParams.has('compare')).toBe(false)
    await page.click('#send')
    await waitForReply(page, 'finished', TIMEOUT)
    expect(await raw(page)).toBe(expected)
    expect(errors).toEqual([])
  })

  it("shows the start's three moments in order, and each pane's profile distribution next to its figures", async () => {
    // typical: headers in about 100 ms, the first frame (response.created) later, the first text later still
    const { page, errors } = await openPage('?compare=typical,fast&format=openai-responses&reply=greeting')
    // How long the page's main thread was held during the run: a measured figure can be late by as much.
    const stalls = await watchMainThread(page)
    await page.click('#send')
    await waitForCompare(page, TIMEOUT)
    const longestStall = await stalls()
    const figure = async (name: string) => (await page.locator(`#figures [data-figure="${name}"]`).textContent()) ?? ''
    const moments = [await figure('headers'), await figure('byte'), await figure('ttft')]
    for (const value of moments) expect(value).toMatch(/^\d+ ms$/)
    const [headers, byte, text] = moments.map((m) => Number.parseInt(m, 10)) as [number, number, number]
    expect(headers).toBeLessThanOrEqual(byte)
    expect(byte).toBeLessThanOrEqual(text)
    expect(text).toBeGreaterThan(headers)

    const tables = page.locator(`${PANES} .dist`)
    expect(await tables.count()).toBe(2)
    const typical = await distribution(tables.nth(0))
    const fast = await distribution(tables.nth(1))
    expect(typical.kind).toBe('declared')
    // typical's quantiles, as GET /profiles computes them (p50, p90, p99, max)
    expect(typical.declared).toEqual({ ttft: ['450', '841', '1400', '2032'], gap: ['25', '44.1', '70', '98.2'] })
    expect(fast.declared).toEqual({ ttft: ['150', '258', '400', '552'], gap: ['8', '13.3', '20', '27'] })
    // what arrived: one ttft and the 38 gaps between the reply's 39 token events, per pane
    for (const pane of [typical, fast]) {
      expect(pane.ttft).toMatch(/^\d+(\.\d)? \(this run\)$/)
      for (const value of pane.gap) expect(value).toMatch(/^\d+(\.\d)?$/)
      expect(pane.note).toBe('Measured: arrivals in this browser, 38 gaps.')
      const [p50, p90, p99, max] = pane.gap.map(figureMs) as [number, number, number, number]
      expect(p50).toBeLessThanOrEqual(p90)
      expect(p90).toBeLessThanOrEqual(p99)
      expect(p99).toBeLessThanOrEqual(max)
    }
    // plausible: typical starts later than fast (the same seed draws 450 ms against 150 ms, scaled), up to what
    // a held main thread adds to a measured figure (a busy machine held it 350 ms in a clean-clone run)
    expect(figureMs(typical.ttft) + longestStall).toBeGreaterThan(figureMs(fast.ttft))
    // the measured ttft is the pane's own figure; the panel's table follows the first pane, as its figures do
    const paneTtft = await page.locator(PANES).first().locator('[data-figure="ttft"]').textContent()
    expect(Math.abs(figureMs(typical.ttft) - figureMs(paneTtft ?? ''))).toBeLessThanOrEqual(1)
    expect(await panelDistribution(page)).toEqual(typical)
    expect(errors).toEqual([])
  })

  // ---- the latency picker ----------------------------------------------------------------------------------

  it("offers the server's profiles, a user's own among them, and streams with profile=NAME in place of the latency fields", async () => {
    const { page, errors } = await openPage('?reply=greeting&unit=word', { base: profiled.url })
    const seen = recordRequests(page)
    const expected = replyText('greeting')
    const tiles = await page
      .locator('#latency-picker label')
      .evaluateAll((labels) =>
        labels.map((label) => (label as HTMLElement).dataset.profile ?? ((label as HTMLElement).dataset.custom ? 'Custom' : '')),
      )
    expect(tiles).toEqual([...BUILTIN_PROFILES, 'steady', 'Custom'])
    expect(await page.locator('#latency-picker label[data-profile="steady"]').textContent()).toBe('steady600 ms · 20 ms')
    expect(await pickedLatency(page)).toBe('typical') // the default, which the URL leaves out
    expect(new URL(page.url()).searchParams.has('profile')).toBe(false)

    await pickLatency(page, 'steady')
    await expect.poll(() => new URL(page.url()).searchParams.get('profile')).toBe('steady')
    for (const key of ['ttft', 'delay', 'jitter']) expect(new URL(page.url()).searchParams.has(key), key).toBe(false)
    expect(await page.getAttribute('#latency-fields', 'data-applies')).toBe('false')
    expect(await page.locator('#latency-note').textContent()).toContain(STEADY.description)

    // native: profile=steady on /stream, and no latency field
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(expected)
    const query = firstStreamQuery(seen)
    expect(query.get('profile')).toBe('steady')
    for (const knob of ['ttft', 'delay', 'jitter']) expect(query.has(knob), knob).toBe(false)
    expect(query.get('unit')).toBe('word')
    // the server followed it: its done event reports steady's first unit at 600 ms
    expect((await wireLines(page)).some((line) => line.startsWith('data: {"tokens":34,') && line.includes('"first_text_ms":600'))).toBe(
      true,
    )
    expect(await page.locator(`${REPLY} .msg-label`).textContent()).toContain('profile steady')
    expect(await page.locator('#figures-of').textContent()).toBe('· steady')

    // the panel shows steady's declared distribution (a constant) beside what arrived
    const dist = await panelDistribution(page)
    expect(dist.declared).toEqual({ ttft: ['600', '600', '600', '600'], gap: ['20', '20', '20', '20'] })
    expect(dist.note).toBe('Measured: arrivals in this browser, 33 gaps.')
    const ttft = figureMs(dist.ttft)
    expect(ttft).toBeGreaterThanOrEqual(600) // nothing can come before the server sends it
    expect(ttft).toBeLessThan(600 + 5000)
    const [p50, p90, p99, max] = dist.gap.map(figureMs) as [number, number, number, number]
    expect(p50).toBeLessThanOrEqual(p90)
    expect(p90).toBeLessThanOrEqual(p99)
    expect(p99).toBeLessThanOrEqual(max)
    // sent 20 ms apart: some gap is at least about that (a busy machine heaps events up, never spreads them out
    // evenly), and the typical one is far from a second
    expect(max).toBeGreaterThanOrEqual(15)
    expect(p50).toBeLessThan(200)

    // a vendor format: x-tokensim-profile, and no latency header
    await pickFormat(page, 'openai-chat')
    seen.requests.length = 0
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(expected)
    const post = seen.requests.map(({ request }) => request).find((r) => new URL(r.url()).pathname === '/v1/chat/completions')
    expect(post!.headers()['x-tokensim-profile']).toBe('steady')
    for (const knob of ['ttft', 'delay', 'jitter']) expect(post!.headers()[`x-tokensim-${knob}`], knob).toBeUndefined()
    expect(figureMs((await panelDistribution(page)).ttft)).toBeGreaterThanOrEqual(600)

    // Custom: typing a latency picks it; the fields go, the profile does not
    await pickFormat(page, 'native')
    await configure(page, { ttft: '0', delay: '3', jitter: '0' })
    expect(await pickedLatency(page)).toBe('Custom')
    expect(await page.locator('#latency-picker label[data-custom] .preset-detail').textContent()).toBe('0 ms · 3 ms')
    expect(await page.locator('#latency-picker label[data-profile="instant"] .preset-detail').textContent()).toBe('no delay')
    expect(await page.getAttribute('#latency-fields', 'data-applies')).toBe('true')
    await expect.poll(() => new URL(page.url()).searchParams.has('profile')).toBe(false)
    expect(new URL(page.url()).searchParams.get('delay')).toBe('3')
    seen.requests.length = 0
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    const custom = firstStreamQuery(seen)
    expect([custom.get('ttft'), custom.get('delay'), custom.get('jitter'), custom.get('profile')]).toEqual(['0', '3', '0', null])
    const measuredOnly = await panelDistribution(page)
    expect(measuredOnly.kind).toBe('measured') // no profile: nothing declared to set beside it
    expect(measuredOnly.declared).toEqual({ ttft: [], gap: [] })
    expect(measuredOnly.note).toBe('Measured: arrivals in this browser, 33 gaps.')
    expect(await page.locator('#figures-of').isHidden()).toBe(true)

    // back to a profile, then Custom by its tile; the URL keeps each, and brings it back
    await pickLatency(page, 'fast')
    await expect.poll(() => new URL(page.url()).searchParams.get('profile')).toBe('fast')
    await page.reload()
    await page.waitForSelector(READY)
    expect(await pickedLatency(page)).toBe('fast')
    // (a profile's link keeps no latency field: the fields hold the values of the preset named like it)
    expect([await page.inputValue('#ttft'), await page.inputValue('#delay'), await page.inputValue('#jitter')]).toEqual(['150', '8', '0.3'])
    await pickLatency(page, 'Custom')
    await expect.poll(() => new URL(page.url()).searchParams.has('profile')).toBe(false)
    expect(new URL(page.url()).searchParams.get('delay')).toBe('8')
    await page.reload()
    await page.waitForSelector(READY)
    expect(await pickedLatency(page)).toBe('Custom')
    expect(await page.inputValue('#delay')).toBe('8')
    // a link to a user's profile; an old link's preset=fast picks the profile fast
    const linked = await openPage('?profile=steady', { base: profiled.url })
    expect(await pickedLatency(linked.page)).toBe('steady')
    const old = await openPage('?preset=fast', { base: profiled.url })
    expect(await pickedLatency(old.page)).toBe('fast')
    await expect.poll(() => new URL(old.page.url()).searchParams.get('profile')).toBe('fast')
    expect(new URL(old.page.url()).searchParams.has('preset')).toBe(false)
    expect([...errors, ...linked.errors, ...old.errors]).toEqual([])
  })

  it("falls back to the page's presets against a server without GET /profiles, sending their values", async () => {
    const noProfiles = {
      setup: (page: Page) =>
        page.route(
          (url) => url.pathname === '/profiles',
          (route) => route.abort(),
        ),
    }
    const { page, errors } = await openPage('?reply=greeting&unit=word', noProfiles)
    const seen = recordRequests(page)
    expect(await page.locator('#latency-picker .preset-name').allTextContents()).toEqual([
      'Instant',
      'Fast',
      'Typical chat',
      'Slow reasoning',
    ])
    expect(await page.locator('#latency-picker label[data-custom]').count()).toBe(0)
    expect(await pickedLatency(page)).toBe('typical')
    expect(await page.locator('#latency-picker .preset-custom').isVisible()).toBe(false)

    await pickLatency(page, 'fast')
    expect([await page.inputValue('#ttft'), await page.inputValue('#delay'), await page.inputValue('#jitter')]).toEqual(['150', '8', '0.3'])
    await expect.poll(() => new URL(page.url()).searchParams.get('preset')).toBe('fast')
    expect(new URL(page.url()).searchParams.has('profile')).toBe(false)
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(replyText('greeting'))
    const query = firstStreamQuery(seen)
    expect([query.get('ttft'), query.get('delay'), query.get('jitter'), query.get('profile')]).toEqual(['150', '8', '0.3', null])
    expect((await panelDistribution(page)).kind).toBe('measured')

    // values of one's own: no preset lit, "Custom values", and the fields in the URL
    await configure(page, { delay: '9' })
    expect(await pickedLatency(page)).toBeNull()
    expect(await page.locator('#latency-picker .preset-custom').isVisible()).toBe(true)
    await expect.poll(() => new URL(page.url()).searchParams.get('delay')).toBe('9')
    expect(new URL(page.url()).searchParams.has('preset')).toBe(false)
    // a link to a profile a preset has the name of gets the preset's values
    const linked = await openPage('?profile=slow', noProfiles)
    expect(await pickedLatency(linked.page)).toBe('slow')
    expect(await linked.page.inputValue('#ttft')).toBe('3000')
    await expect.poll(() => new URL(linked.page.url()).searchParams.get('preset')).toBe('slow')
    // the compare view offers the presets too
    expect(await linked.page.locator('#compare-source').textContent()).toContain('this server has no GET /profiles')
    // Chromium reports the aborted GET /profiles; nothing else went wrong
    const aborted = (list: readonly string[]) => list.filter((error) => !/^Failed to load resource: net::ERR_FAILED/.test(error))
    expect([...aborted(errors), ...aborted(linked.errors)]).toEqual([])
  })

  // ---- the buffering detector --------------------------------------------------------------------------------

  it('detects buffering from arrivals and scheduled offsets: a table of the pure function', async () => {
    const { page, errors } = await openPage()
    await loadBuffering(page)
    const results = await page.evaluate(() => {
      const { findBursts } = (window as unknown as { __buffering: Buffering }).__buffering
      const range = (n: number) => Array.from({ length: n }, (_, i) => i)
      const paced = (n: number, ttft: number, gap: number, lag = 20) =>
        range(n).map((i) => ({ t: ttft + i * gap, at: ttft + i * gap + lag }))
      const cases: Record<string, { t: number; at: number }[]> = {
        // 40 events 25 ms apart, held back and let go at once
        'all at the end': range(40).map((i) => ({ t: i * 25, at: 1000 + i * 0.05 })),
        // a proxy that flushes every 30 events
        'two flushes': range(60).map((i) => ({ t: i * 25, at: (i < 30 ? 750 : 1500) + (i % 30) * 0.04 })),
        paced: paced(200, 450, 25),
        // dense: 1 ms apart after a long first token, arriving as paced as sent
        'dense, long ttft': paced(600, 3000, 1),
        // the main thread busy for 200 ms: a frame's worth of events arrive in a heap
        'busy main thread': range(100).map((i) => ({ t: i * 10, at: i * 10 >= 300 && i * 10 < 500 ? 500 + i * 0.01 : i * 10 + 5 })),
        // a scheduled burst (a profile's): many events due at once, arriving at once
        'scheduled burst': range(30).map((i) => ({ t: 300, at: 320 + i * 0.02 })),
        // too few events to tell
        'five events': range(5).map((i) => ({ t: i * 200, at: 1000 + i * 0.1 })),
        // vendor events carry no offset
        'no offsets': range(40).map((i) => ({ t: Number.NaN, at: 1000 + i * 0.05 })),
      }
      return Object.fromEntries(Object.entries(cases).map(([name, events]) => [name, findBursts(events)]))
    })
    expect(results['all at the end']).toEqual([{ first: 0, count: 40, scheduledMs: 975, arrivalMs: expect.closeTo(1.95, 5), waitMs: 1000 }])
    expect(results['two flushes']?.map((b) => [b.first, b.count, b.scheduledMs])).toEqual([
      [0, 30, 725],
      [30, 30, 725],
    ])
    for (const name of ['paced', 'dense, long ttft', 'busy main thread', 'scheduled burst', 'five events', 'no offsets'])
      expect(results[name], name).toEqual([])
    expect(errors).toEqual([])
  })

  it('measures the percentiles of what arrived: a table of the pure function', async () => {
    const { page, errors } = await openPage()
    // a string, so that the test runner leaves this import() alone: the page's own module, as the page loads it
    await page.evaluate("import('/percentiles.js').then((m) => { window.__percentiles = m })")
    const results = await page.evaluate(() => {
      type Measured = { count: number; p50: number; p90: number; p99: number; max: number }
      const { measure, quantile } = (
        window as unknown as {
          __percentiles: { measure(values: Iterable<number>): Measured | null; quantile(sorted: ArrayLike<number>, p: number): number }
        }
      ).__percentiles
      const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
      const cases: Record<string, number[]> = {
        none: [],
        one: [7],
        'one to four': [1, 2, 3, 4],
        'one to a hundred': range(100),
        'in any order': [30, 10, 20],
        // bursts (gaps of 0) and a stall
        'zeros and a stall': [0, 0, 0, 100],
        // what is not a finite number is left out
        'not numbers': [Number.NaN, 2, Number.POSITIVE_INFINITY, 4],
      }
      return {
        measured: Object.fromEntries(Object.entries(cases).map(([name, values]) => [name, measure(values)])),
        quantile: { empty: quantile([], 0.5), below: quantile([1, 2], -1), above: quantile([1, 2], 2), p25: quantile([0, 10], 0.25) },
      }
    })
    const { measured, quantile } = results
    expect(measured.none).toBeNull()
    expect(measured.one).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 })
    // linear between the closest ranks, as NumPy's percentile gives them
    const close = (q: { count: number; p50: number; p90: number; p99: number; max: number } | null | undefined) =>
      q && { count: q.count, p50: +q.p50.toFixed(6), p90: +q.p90.toFixed(6), p99: +q.p99.toFixed(6), max: q.max }
    expect(close(measured['one to four'])).toEqual({ count: 4, p50: 2.5, p90: 3.7, p99: 3.97, max: 4 })
    expect(close(measured['one to a hundred'])).toEqual({ count: 100, p50: 50.5, p90: 90.1, p99: 99.01, max: 100 })
    expect(close(measured['in any order'])).toEqual({ count: 3, p50: 20, p90: 28, p99: 29.8, max: 30 })
    expect(close(measured['zeros and a stall'])).toEqual({ count: 4, p50: 0, p90: 70, p99: 97, max: 100 })
    expect(close(measured['not numbers'])).toEqual({ count: 2, p50: 3, p90: 3.8, p99: 3.98, max: 4 })
    expect(quantile).toEqual({ empty: Number.NaN, below: 1, above: 2, p25: 2.5 })
    expect(errors).toEqual([])
  })

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

/**
 * Watches how long the page's main thread is held (the longest gap between ticks of a 10 ms interval) from now
 * until the returned function is called, which gives it in ms: a figure the page measures on that thread can be
 * late by as much.
 */
async function watchMainThread(page: Page): Promise<() => Promise<number>> {
  await page.evaluate(() => {
    const w = window as unknown as { longestStall: number; stallTimer: number }
    let last = performance.now()
    w.longestStall = 0
    w.stallTimer = window.setInterval(() => {
      const now = performance.now()
      w.longestStall = Math.max(w.longestStall, now - last)
      last = now
    }, 10)
  })
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { longestStall: number; stallTimer: number }
      window.clearInterval(w.stallTimer)
      return w.longestStall
    })
}
