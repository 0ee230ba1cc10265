/**
 * The page's latency picker in a real headless Chromium against the real server: the server's profiles (a
 * user's own among them) sent by name, Custom and its fields, the latency in the page URL (an old link's
 * preset among it), and a server whose GET /profiles does not answer. Every page is served under the strict Content-Security-Policy the server sends
 * with it, and a test fails on any violation, page error or console error; every wait is a condition, never a
 * fixed sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { Profile } from '../../src/core/profiles.js'
import { startServer, type RunningServer } from '../helpers/server.js'

/** A user's profile (as `--profiles` adds one) that is constant: 600 ms to the first unit, then 20 ms a unit. */
const STEADY: Profile = {
  name: 'steady',
  description: 'constant: 600 ms to first token, then 20 ms a unit',
  ttft: { median: 600, p99: 600 },
  gap: { median: 20, p99: 20 },
}

/** The built-in profiles, in the order GET /profiles lists them. */
const BUILTIN_PROFILES = ['instant', 'fast', 'typical', 'slow', 'reasoning', 'flaky']
import { browserAvailable } from '../helpers/browser.js'
import { pageBench, READY, REPLY, replyText, waitForReply } from '../helpers/page.js'
import {
  openUnderCsp,
  TIMEOUT,
  configure,
  pickFormat,
  pickLatency,
  pickedLatency,
  raw,
  wireLines,
  panelDistribution,
  figureMs,
  recordRequests,
  firstStreamQuery,
} from '../helpers/page-controls.js'

describe.skipIf(!browserAvailable)('the page, latency', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })
  const openPage = openUnderCsp(bench)
  /** A server with a user's profile besides the built-in ones, as `--profiles` gives it. */
  let profiled: RunningServer

  beforeAll(async () => {
    profiled = await startServer({ profiles: [STEADY] })
  }, TIMEOUT)

  afterAll(async () => {
    await profiled?.close()
  })

  it('takes its settings from its own URL and keeps them there', async () => {
    // an old link's preset: the server's profile of that name is picked (its medians wait in the fields for Custom)
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
    // (a profile's link keeps no latency field: the fields start with that profile's medians, and jitter 0)
    expect([await page.inputValue('#ttft'), await page.inputValue('#delay'), await page.inputValue('#jitter')]).toEqual(['150', '8', '0'])
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

  it('offers Custom alone when GET /profiles does not answer, and sends the latency fields', async () => {
    const noProfiles = {
      setup: (page: Page) =>
        page.route(
          (url) => url.pathname === '/profiles',
          (route) => route.abort(),
        ),
    }
    // an old link's preset names no profile here: Custom, with the fields the URL gives
    const { page, errors } = await openPage('?reply=greeting&unit=word&preset=fast&delay=9', noProfiles)
    const seen = recordRequests(page)
    expect(await page.locator('#latency-picker label').count()).toBe(1)
    expect(await pickedLatency(page)).toBe('Custom')
    expect(await page.getAttribute('#latency-fields', 'data-applies')).toBe('true')
    expect(await page.locator('#latency-note').textContent()).toContain('did not load (GET /profiles)')
    expect([await page.inputValue('#ttft'), await page.inputValue('#delay'), await page.inputValue('#jitter')]).toEqual(['0', '9', '0'])
    await expect.poll(() => new URL(page.url()).searchParams.get('delay')).toBe('9')
    expect(new URL(page.url()).searchParams.has('preset')).toBe(false)
    expect(new URL(page.url()).searchParams.has('profile')).toBe(false)

    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await raw(page)).toBe(replyText('greeting'))
    const query = firstStreamQuery(seen)
    expect([query.get('ttft'), query.get('delay'), query.get('jitter'), query.get('profile')]).toEqual(['0', '9', '0', null])
    expect((await panelDistribution(page)).kind).toBe('measured')
    // the compare view has nothing to offer
    expect(await page.locator('#compare-source').textContent()).toContain('did not load (GET /profiles)')
    // Chromium reports the aborted GET /profiles; nothing else went wrong
    expect(errors.filter((error) => !/^Failed to load resource: net::ERR_FAILED/.test(error))).toEqual([])
  })
})
