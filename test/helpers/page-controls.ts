/**
 * What the page's browser tests (test/e2e/page-*.test.ts) do to the page and read back from it, beside the
 * bench and the waits of page.ts: the form's latency, format, fault and latency-picker controls; the reply's
 * raw text, token spans and wire lines; a distribution table as shown; the requests the page makes; and how
 * long its main thread was held.
 */
import type { Locator, Page, Request } from 'playwright-core'
import { REPLY, type OpenOptions, type OpenPage, type PageBench } from './page.js'

/** The browser tests' bound on a wait, a test and starting a bench. */
export const TIMEOUT = 30_000

/**
 * Opens the page of `bench` (of `base`, the bench's server by default), checked to be served under the
 * server's policy; `setup` runs before it loads (to route a request).
 */
export const openUnderCsp =
  (bench: PageBench) =>
  (query = '', options: Pick<OpenOptions, 'base' | 'setup'> = {}): Promise<OpenPage> =>
    bench.openPage(query, { ...options, checkCspHeader: true })

// ---- the form ----------------------------------------------------------------------------------------------------

/** Fills the latency settings (any field left out keeps the page's value). */
export async function configure(
  page: Page,
  settings: Partial<Record<'unit' | 'delay' | 'ttft' | 'jitter' | 'seed' | 'chunk', string>>,
): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    if (name === 'unit') await page.selectOption('#unit', value)
    else await page.fill(`#${name}`, value)
  }
}

export async function pickFormat(page: Page, format: string): Promise<void> {
  await page.selectOption('#format', format)
}

/** Picks a tile of the Latency card: a profile by name, or Custom. */
export async function pickLatency(page: Page, name: string): Promise<void> {
  await page.click(name === 'Custom' ? '#latency-picker label[data-custom]' : `#latency-picker label[data-profile="${name}"]`)
}

/** The tile lit in the Latency card: a profile's name, 'Custom', or null for none. */
export const pickedLatency = (page: Page): Promise<string | null> =>
  page.locator('#latency-picker').evaluate((picker) => {
    const input = picker.querySelector<HTMLInputElement>('input:checked')
    return input === null ? null : input.value === '' ? 'Custom' : input.value
  })

/** Turns every fault toggle off, then the given ones on with their fields. */
export async function setFaults(page: Page, faults: Record<string, Record<string, string>>): Promise<void> {
  for (const box of await page.locator('#faults input[type="checkbox"]').all()) await box.uncheck()
  for (const [id, values] of Object.entries(faults)) {
    for (const [key, value] of Object.entries(values)) {
      if (id === 'status' && key === 'code') await page.selectOption('#fault-status-code', value)
      else await page.fill(`#fault-${id}-${key}`, value)
    }
    await page.check(`#fault-${id}`)
  }
}

// ---- the reply ---------------------------------------------------------------------------------------------------

/** The last reply's raw text. */
export const raw = (page: Page): Promise<string | null> => page.locator(REPLY).getAttribute('data-raw')

/** The wire pane's lines (`event: …`, `data: …`), in order. */
export const wireLines = (page: Page): Promise<string[]> =>
  page.locator('#wire-list .wire-line').evaluateAll((lines) => lines.map((line) => line.textContent ?? ''))

/** The text of the reply's token spans, joined, with token boundaries on. */
export const spansText = (page: Page): Promise<string> =>
  page
    .locator(`${REPLY} .content.tokens`)
    .evaluate((content) => Array.from(content.querySelectorAll('span.tk'), (span) => span.textContent ?? '').join(''))

/** A distribution table (a pane's, the panel's): its declared quantiles and what was measured, as shown. */
export const distribution = (root: Locator) =>
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
export const panelDistribution = (page: Page) => distribution(page.locator('#figures-distribution .dist'))

/** A measured figure as a number (`664 (this run)` → 664). */
export const figureMs = (text: string): number => Number.parseFloat(text)

// ---- the page's requests and errors -----------------------------------------------------------------------------

/** Every request the page makes from now on, with when it was made. */
export function recordRequests(page: Page): { requests: { request: Request; at: number }[] } {
  const log = { requests: [] as { request: Request; at: number }[] }
  page.on('request', (request) => log.requests.push({ request, at: Date.now() }))
  return log
}

export const isStream = (request: Request): boolean => new URL(request.url()).pathname === '/stream'

/** The query of the first GET /stream among the recorded requests. */
export const firstStreamQuery = (log: { requests: { request: Request }[] }): URLSearchParams =>
  new URL(
    log.requests
      .map(({ request }) => request)
      .find(isStream)!
      .url(),
  ).searchParams

/** The errors but Chromium's own line for a response with an error status, which a refused request is meant to get. */
export const unexpected = (errors: readonly string[]): string[] =>
  errors.filter((error) => !/^Failed to load resource: the server responded with a status of (4|5)\d\d/.test(error))

/**
 * Watches how long the page's main thread is held (the longest gap between ticks of a 10 ms interval) from now
 * until the returned function is called, which gives it in ms: a figure the page measures on that thread can be
 * late by as much.
 */
export async function watchMainThread(page: Page): Promise<() => Promise<number>> {
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
