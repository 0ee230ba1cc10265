/**
 * The page's fault toggles in a real headless Chromium against the real server: the `fault` query on /stream
 * and the `x-tokensim-fault` header, kept in the URL; mid-stream errors, injected statuses, a native drop that
 * resumes and a coalesced stream; the toggles built from the server's grammar (GET /faults). Every page is served under the strict Content-Security-Policy the server sends
 * with it, and a test fails on any violation, page error or console error; every wait is a condition, never a
 * fixed sleep.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { split } from '../../src/core/split.js'
import { browserAvailable } from '../helpers/browser.js'
import { FAULT_SPEC_CASES } from '../helpers/fault-cases.js'
import { pageBench, pickReply, READY, REPLY, replyText, waitForReply } from '../helpers/page.js'
import {
  openUnderCsp,
  TIMEOUT,
  configure,
  pickFormat,
  setFaults,
  raw,
  wireLines,
  panelDistribution,
  figureMs,
  recordRequests,
  isStream,
  unexpected,
} from '../helpers/page-controls.js'

/** A fault as GET /faults lists it. */
interface ListedFault {
  name: string
  description: string
  vendorOnly: boolean
  args: { name: string; label: string; what: string; min: number; max: number; optional: boolean }[]
}

describe.skipIf(!browserAvailable)('the page, faults', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  const openPage = openUnderCsp(bench)

  // 18 streams and a reload: about 15 s on an idle machine, twice that beside other browser tests
  it(
    'sends each fault toggle as the fault query on /stream and as the x-tokensim-fault header, and keeps them in the URL',
    { timeout: 3 * TIMEOUT },
    async () => {
      const { page, errors } = await openPage()
      const seen = recordRequests(page)
      await pickReply(page, 'greeting')
      await configure(page, { unit: 'word', delay: '0', ttft: '0', jitter: '0' })
      expect(await page.locator('#fault-spec').textContent()).toContain('No faults')
      const cases = FAULT_SPEC_CASES
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
    },
  )

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

  it("builds its toggles from the server's fault grammar (GET /faults): its values, their ranges and notes", async () => {
    const listed = ((await (await fetch(`${bench.server.url}/faults`)).json()) as { faults: ListedFault[] }).faults
    const { page, errors } = await openPage()
    const rows = await page.locator('#faults .fault').evaluateAll((all) =>
      all.map((row) => ({
        id: (row as HTMLElement).dataset.fault ?? '',
        title: (row as HTMLElement).title,
        fields: Array.from(row.querySelectorAll<HTMLInputElement>('input[type="number"]'), (input) => ({
          id: input.id,
          min: input.min,
          max: input.max,
        })),
      })),
    )
    expect(rows.map((row) => row.id)).toEqual([
      'status',
      'slow-headers',
      'error-after',
      'drop-after',
      'stall-after',
      'coalesce',
      'truncate-after',
    ])
    for (const row of rows) {
      const fault = listed.find((f) => f.name === row.id)!
      expect(row.title, row.id).toBe(fault.description)
      const numbers = fault.args.filter((arg) => !(row.id === 'status' && arg.name === 'code')) // the code is a picker
      expect(row.fields, row.id).toEqual(
        numbers.map((arg) => ({ id: `fault-${row.id}-${arg.name}`, min: String(arg.min), max: String(arg.max) })),
      )
    }

    // a server whose grammar differs: the page follows it (no coalesce; error-after with a value of its own)
    const other = listed
      .filter((f) => f.name !== 'coalesce')
      .map((f) =>
        f.name === 'error-after'
          ? { ...f, args: [...f.args, { name: 'extra', label: 'X', what: 'x', min: 1, max: 9, optional: true }] }
          : f,
      )
    const changed = await openPage('?fault=error-after:3,coalesce:40', {
      setup: (p: Page) =>
        p.route(
          (url) => url.pathname === '/faults',
          (route) => route.fulfill({ json: { faults: other } }),
        ),
    })
    expect(await changed.page.locator('#fault-coalesce').count()).toBe(0)
    expect(await changed.page.isChecked('#fault-error-after')).toBe(true)
    expect(await changed.page.getAttribute('#fault-error-after-extra', 'max')).toBe('9')
    await changed.page.fill('#fault-error-after-extra', '7')
    expect(await changed.page.locator('#fault-spec').textContent()).toBe('fault=error-after:3:7')

    // no grammar at all: no toggles, and the page URL's fault list is sent as it is
    const none = await openPage('?reply=greeting&unit=word&delay=0&ttft=0&fault=truncate-after:2', {
      setup: (p: Page) =>
        p.route(
          (url) => url.pathname === '/faults',
          (route) => route.abort(),
        ),
    })
    expect(await none.page.locator('#faults input').count()).toBe(0)
    expect(await none.page.locator('#fault-spec').textContent()).toBe('fault=truncate-after:2')
    await none.page.click('#send')
    await waitForReply(none.page, 'done', TIMEOUT)
    expect(await raw(none.page)).toBe(split(replyText('greeting'), 'word').slice(0, 3).join(''))
    expect([...errors, ...changed.errors]).toEqual([])
    expect(none.errors.filter((error) => !/^Failed to load resource: net::ERR_FAILED/.test(error))).toEqual([])
  })
})
