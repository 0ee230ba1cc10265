/**
 * What the page measures, in a real headless Chromium against the real server: each event's arrival is taken
 * in the arrivals worker, apart from the page's rendering, so the page's measured gaps are those a bare
 * EventSource in the same browser sees, with three panes and the wire pane rendering; a main thread held for a
 * second neither shows in the measured gaps nor looks like buffering, and a buffered flush whose reading is held
 * up for a moment is still one burst; the Markdown is rendered in pieces (the settled blocks stay as rendered)
 * and ends as the whole reply renders; the page still streams when the worker cannot start; and a run's export
 * (JSON and CSV, downloaded) holds every event the server sent, with its arrival.
 *
 * Every page is served under the strict Content-Security-Policy the server sends with it, and a test fails on
 * any violation, page error or console error.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { findBursts } from '../../web/buffering.js'
import { browserAvailable } from '../helpers/browser.js'
import {
  loadBuffering,
  loadPage,
  pageBench,
  PANES,
  PROJECTOR,
  recordErrors,
  REPLY,
  replyText,
  waitForCompare,
  waitForReply,
  type Buffering,
  type OpenPage,
  type Viewport,
} from '../helpers/page.js'
import { readSse } from '../helpers/sse.js'

const TIMEOUT = 30_000

/** The type-7 quantile (linear between the closest ranks), as the page computes it (web/percentiles.js). */
function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const rank = p * (sorted.length - 1)
  const below = Math.floor(rank)
  const low = sorted[below]!
  const high = sorted[Math.min(below + 1, sorted.length - 1)]!
  return low + (high - low) * (rank - below)
}

/** The export's JSON, as the README describes it. */
interface RunExport {
  tokensim: string
  version: number
  started_at: string
  reply: string | null
  format: string
  unit: string
  latency: string | null
  pane: number | null
  fault: string
  request: { method: string; url: string; headers: Record<string, string> }
  outcome: string
  units: number
  total: number | null
  reconnects: number
  start: { headers: number | null; first_byte: number | null; ttft: number | null }
  elapsed: number
  tps: number | null
  declared: { ttft: Record<string, number>; gap: Record<string, number> } | null
  measured: { ttft: number | null; gap: { count: number; p50: number; p90: number; p99: number; max: number } | null }
  events: { index: number; units: number; at: number; gap: number | null; t: number | null; resumed: boolean }[]
}

describe.skipIf(!browserAvailable)('what the page measures', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })

  /** A context of its own, its downloads accepted, 1280x720 unless given. */
  const newContext = async (viewport: Viewport = PROJECTOR): Promise<BrowserContext> =>
    bench.keep(await bench.browser.newContext({ viewport, acceptDownloads: true }))

  /** Opens the page with a query, in a context of its own unless one is given. */
  async function openPage(query: string, context?: BrowserContext, setup?: (page: Page) => Promise<unknown>): Promise<OpenPage> {
    const page = await (context ?? (await newContext())).newPage()
    return loadPage(page, `${bench.server.url}/${query}`, { setup, checkCspHeader: true })
  }

  /** The measured gap quantiles a distribution table shows (`7.9` → 7.9). */
  const measuredGaps = (page: Page, table: string) =>
    page.locator(table).evaluate((dist) => {
      const value = (c: string) => Number.parseFloat(dist.querySelector(`[data-measured="gap-${c}"]`)?.textContent ?? '')
      return {
        p50: value('p50'),
        p99: value('p99'),
        max: value('max'),
        note: dist.querySelector('[data-measured="count"]')?.textContent ?? '',
      }
    })

  /** Clicks an Export button and reads the file it downloads. */
  async function download(page: Page, button: string): Promise<{ name: string; text: string }> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)])
    const path = await file.path()
    return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') }
  }

  /**
   * One run of the `long` reply with profile `fast` and one seed, streamed to the page (three panes of it, the
   * wire pane open) and, at the same time, to a bare EventSource on a blank page in the same browser: the gaps
   * each measured, and those the server scheduled (the events' `t`, which are the same in every stream).
   */
  async function pageBesideBare() {
    const context = await newContext()
    // the bare page: a blank document of the server's own origin, where nothing but an EventSource runs
    const bare = await context.newPage()
    const bareErrors = await recordErrors(bare)
    await bare.route(`${bench.server.url}/blank`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>bare</title>' }),
    )
    await bare.goto(`${bench.server.url}/blank`)
    const { page, errors } = await openPage('?reply=long&compare=fast,fast,fast&seed=16&unit=token', context)
    // the streams are read in the arrivals worker
    await expect.poll(() => page.workers().map((worker) => new URL(worker.url()).pathname)).toContain('/arrivals-worker.js')
    await page.click('#toggle-wire')
    expect(await page.getAttribute('#app', 'data-wire')).toBe('open')

    // the page's three requests are the same (same reply, profile and seed): the bare page asks the first's URL
    const asked = page.waitForRequest((request) => new URL(request.url()).pathname === '/stream')
    await page.click('#send')
    const url = (await asked).url()
    // both at once, so that whatever load the machine is under weighs on both
    const bareRun = bare.evaluate(
      (streamUrl) =>
        new Promise<{ gaps: number[]; scheduled: number[]; events: number }>((resolve, reject) => {
          const gaps: number[] = []
          const scheduled: number[] = []
          let last: { at: number; t: number } | null = null
          let events = 0
          const source = new EventSource(streamUrl)
          source.addEventListener('token', (event) => {
            const at = performance.now()
            const data = JSON.parse(event.data) as { units?: number; t: number }
            const units = data.units ?? 1
            if (last !== null) {
              gaps.push((at - last.at) / units)
              scheduled.push((data.t - last.t) / units)
            }
            last = { at, t: data.t }
            events += 1
          })
          source.addEventListener('done', () => {
            source.close()
            resolve({ gaps, scheduled, events })
          })
          source.addEventListener('error', () => {
            source.close()
            reject(new Error('the bare EventSource failed'))
          })
        }),
      url,
    )
    await waitForCompare(page, 120_000)
    const reference = await bareRun
    const panes = []
    for (const n of [1, 2, 3]) panes.push(await measuredGaps(page, `${PANES}:nth-child(${n}) .dist`))
    // the panel's figures follow pane 1, as does the wire pane, which shows every event
    const panel = await measuredGaps(page, '#figures-distribution .dist')
    await context.close()
    return {
      events: reference.events,
      bare: { p50: quantile(reference.gaps, 0.5), p99: quantile(reference.gaps, 0.99) },
      scheduled: { p50: quantile(reference.scheduled, 0.5), p99: quantile(reference.scheduled, 0.99) },
      panes,
      panel,
      errors: [...errors, ...bareErrors],
    }
  }

  it('measures the gaps a bare EventSource in the same browser measures, with three panes and the wire pane rendering', async () => {
    const units = split(replyText('long'), 'token').length
    // A loaded machine can deliver the stream itself out of time (the server's writes late and heaped up): no
    // browser then measures what was scheduled, and the bare EventSource and each pane see their own share of
    // it. So the run is repeated (three at most) until the bare EventSource's p50 kept within 1 ms of the
    // schedule's, and the page may be off the bare one's p50 by 2 ms plus what the bare one was off the
    // schedule's (0 on a machine that keeps time: the 2 ms the issue asks for).
    for (let attempt = 1; ; attempt++) {
      const run = await pageBesideBare()
      expect(run.errors).toEqual([])
      expect(run.events).toBe(units)
      const off = Math.abs(run.bare.p50 - run.scheduled.p50)
      if (off > 1 && attempt < 3) continue
      const { bare } = run
      for (const [i, pane] of run.panes.entries()) {
        const seen =
          `run ${attempt}, pane ${i + 1}: page p50 ${pane.p50}, p99 ${pane.p99}; bare p50 ${bare.p50.toFixed(1)}, ` +
          `p99 ${bare.p99.toFixed(1)}; scheduled p50 ${run.scheduled.p50.toFixed(1)}, p99 ${run.scheduled.p99.toFixed(1)}`
        expect(pane.note, seen).toBe(`Measured: arrivals in this browser, ${units - 1} gaps.`)
        expect(Math.abs(pane.p50 - bare.p50), seen).toBeLessThanOrEqual(2 + off)
        expect(pane.p99, seen).toBeLessThanOrEqual(bare.p99 * 1.5 + 5)
        expect(bare.p99, seen).toBeLessThanOrEqual(pane.p99 * 1.5 + 5)
      }
      expect(run.panel).toEqual(run.panes[0])
      break
    }
  }, 400_000)

  it('takes each arrival apart from the main thread: a second of it held is in no measured gap, nor seen as buffering', async () => {
    // A loaded machine can itself hold the stream back for a moment and let it go in a heap (the server's writes,
    // or the browser's network thread, late): the arrivals worker then records a burst, and the page rightly says
    // so. The claim here is that the page's own thread held for a second makes none. So the notice must match what
    // the recorded arrivals show, and a run whose arrivals show a burst is repeated (three at most): a page that
    // took its arrivals on its own thread would show one every time.
    for (let attempt = 1; ; attempt++) {
      // 397 words 20 ms apart: about 8 s of stream
      const { page, errors } = await openPage('?reply=markdown&unit=word&ttft=0&delay=20&jitter=0&seed=1')
      await page.click('#send')
      await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.msg-assistant:last-of-type')?.dataset.units) >= 40)
      // the page's own thread, busy for 1.2 s: the events keep arriving meanwhile, and are handled after
      const held = await page.evaluate(() => {
        const from = performance.now()
        while (performance.now() - from < 1200);
        return performance.now() - from
      })
      expect(held).toBeGreaterThanOrEqual(1200)
      await waitForReply(page, 'done', TIMEOUT)
      const run = JSON.parse((await download(page, '#figures-distribution [data-export="json"]')).text) as RunExport
      expect(run.events).toHaveLength(split(replyText('markdown'), 'word').length)
      const bursts = findBursts(run.events.map((e) => ({ t: e.t ?? Number.NaN, at: e.at })))
      expect(await page.locator(`${REPLY} .notice-buffer`).count()).toBe(bursts.length > 0 ? 1 : 0)
      expect(errors).toEqual([])
      if (bursts.length > 0) {
        expect(attempt, `run ${attempt}: the arrivals recorded held a burst: ${JSON.stringify(bursts)}`).toBeLessThan(3)
        continue
      }
      // the events that came while the thread was held have their own arrivals, 20 ms apart, not one heap at
      // its end after a gap of 1.2 s (which is what a page that takes them on its own thread measures)
      const gaps = run.events.slice(1).map((e) => e.gap ?? 0)
      expect(Math.max(...gaps)).toBeLessThan(600)
      const measured = await measuredGaps(page, '#figures-distribution .dist')
      expect(measured.max).toBeLessThan(600)
      break
    }
  }, 120_000)

  it('sees a buffered flush as one burst though its reading is held up for a moment: a table of the pure function', async () => {
    const { page, errors } = await openPage('')
    await loadBuffering(page)
    const results = await page.evaluate(() => {
      const { findBursts } = (window as unknown as { __buffering: Buffering }).__buffering
      const range = (n: number) => Array.from({ length: n }, (_, i) => i)
      return {
        // 400 events 5 ms apart, held back for 2 s and let go at once; their reading held up 170 ms after 200
        'held up in the middle': findBursts(range(400).map((i) => ({ t: i * 5, at: 2100 + i * 0.02 + (i >= 200 ? 170 : 0) }))),
        // two flushes of 100 events 6 ms apart, 600 ms apart: two bursts, the second after a silence that starts one
        'two flushes': findBursts(range(200).map((i) => ({ t: i * 6, at: (i < 100 ? 600 : 1200) + (i % 100) * 0.02 }))),
        // a paced stream that pauses for 170 ms: never a burst
        'paced, with a pause': findBursts(range(400).map((i) => ({ t: i * 5, at: 20 + i * 5 + (i >= 200 ? 170 : 0) }))),
      }
    })
    expect(results['held up in the middle'].map((b) => [b.first, b.count, b.scheduledMs])).toEqual([[0, 400, 1995]])
    expect(results['held up in the middle'][0]?.arrivalMs).toBeCloseTo(170 + 399 * 0.02, 5)
    expect(results['two flushes'].map((b) => [b.first, b.count])).toEqual([
      [0, 100],
      [100, 100],
    ])
    expect(results['paced, with a pause']).toEqual([])
    expect(errors).toEqual([])
  })

  it('exports a run as JSON and CSV: every event the server sent, with its arrival, and the figures shown', async () => {
    const { page, errors } = await openPage('?reply=greeting&unit=word&profile=fast&seed=3')
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    const json = await download(page, '#figures-distribution [data-export="json"]')
    const csv = await download(page, '#figures-distribution [data-export="csv"]')
    expect(json.name).toMatch(/^tokensim-greeting-fast-\d{8}-\d{6}\.json$/)
    expect(csv.name).toBe(json.name.replace(/json$/, 'csv'))
    const run = JSON.parse(json.text) as RunExport
    expect(run).toMatchObject({
      tokensim: 'run',
      version: 1,
      reply: 'greeting',
      format: 'native',
      unit: 'word',
      latency: 'fast',
      pane: null,
      fault: '',
      outcome: 'done',
      units: 34,
      total: 34,
      reconnects: 0,
    })
    expect(Date.parse(run.started_at)).toBeGreaterThan(Date.now() - 120_000)

    // what the server sent: the same request again (same seed, same schedule) read by a client of our own
    expect(run.request.method).toBe('GET')
    const query = new URL(run.request.url, bench.server.url).searchParams
    expect([query.get('reply'), query.get('profile'), query.get('seed'), query.get('unit')]).toEqual(['greeting', 'fast', '3', 'word'])
    const sent = await readSse(await fetch(`${bench.server.url}${run.request.url}`))
    expect(sent.done?.tokens).toBe(34)
    expect(run.events.map((e) => [e.index, e.units, e.t])).toEqual(sent.tokens.map((t) => [t.index, t.units ?? 1, t.t]))

    // the arrivals: in order, each gap the difference of two, the first at the ttft
    let previous = 0
    for (const [i, event] of run.events.entries()) {
      expect(event.at).toBeGreaterThanOrEqual(previous)
      if (i === 0) expect(event.gap).toBeNull()
      else expect(event.gap!).toBeCloseTo(event.at - previous, 2)
      expect(event.resumed).toBe(false)
      previous = event.at
    }
    expect(run.events[0]!.at).toBe(run.start.ttft)
    const { headers, first_byte: firstByte, ttft } = run.start
    expect(headers!).toBeGreaterThan(0)
    expect(headers!).toBeLessThanOrEqual(firstByte!)
    expect(firstByte!).toBeLessThanOrEqual(ttft!)
    expect(run.elapsed).toBeGreaterThanOrEqual(run.events.at(-1)!.at)

    // the figures: the profile's declared quantiles (GET /profiles), and what was measured, from those gaps
    const profiles = (await (await fetch(`${bench.server.url}/profiles`)).json()) as {
      profiles: { name: string; stats: Record<'ttft' | 'gap', unknown> }[]
    }
    const fast = profiles.profiles.find((p) => p.name === 'fast')?.stats
    expect(run.declared).toEqual({ ttft: fast?.ttft, gap: fast?.gap })
    const gaps = run.events.slice(1).map((e) => e.gap!)
    expect(run.measured.ttft).toBe(ttft)
    expect(run.measured.gap?.count).toBe(33)
    expect(run.measured.gap?.p50).toBeCloseTo(quantile(gaps, 0.5), 1)
    expect(run.measured.gap?.p99).toBeCloseTo(quantile(gaps, 0.99), 1)
    expect(run.measured.gap?.max).toBeCloseTo(Math.max(...gaps), 1)
    const shown = await measuredGaps(page, '#figures-distribution .dist')
    expect(shown.p50).toBeCloseTo(run.measured.gap!.p50, 0)
    expect(shown.p99).toBeCloseTo(run.measured.gap!.p99, 0)

    // the CSV: a header and one row per event, the same values
    const lines = csv.text.split('\r\n')
    expect(lines.at(-1)).toBe('')
    expect(lines[0]).toBe('index,units,at,gap,t,resumed')
    const rows = lines.slice(1, -1).map((line) => line.split(','))
    expect(rows).toEqual(
      run.events.map((e) => [String(e.index), String(e.units), String(e.at), e.gap === null ? '' : String(e.gap), String(e.t), '0']),
    )
    expect(errors).toEqual([])
  })

  it("exports a compare pane's run from its own buttons, in a vendor format", async () => {
    // tall enough that each pane shows its distribution table, and the buttons under it
    const context = await newContext({ width: 1920, height: 1080 })
    const { page, errors } = await openPage('?reply=greeting&unit=word&compare=fast,typical&seed=3&format=openai-chat', context)
    await page.click('#send')
    await waitForCompare(page, TIMEOUT)
    const pane = page.locator(PANES).nth(1)
    const json = await download(page, `${PANES}:nth-child(2) [data-export="json"]`)
    expect(json.name).toMatch(/^tokensim-greeting-typical-pane2-\d{8}-\d{6}\.json$/)
    const run = JSON.parse(json.text) as RunExport
    expect(run).toMatchObject({
      reply: 'greeting',
      format: 'openai-chat',
      unit: 'word',
      latency: 'typical',
      pane: 2,
      outcome: 'done',
      units: 34,
    })
    expect(run.request).toMatchObject({ method: 'POST', url: '/v1/chat/completions' })
    expect(run.request.headers).toMatchObject({ 'x-tokensim-reply': 'greeting', 'x-tokensim-profile': 'typical', 'x-tokensim-seed': '3' })
    expect(run.events.map((e) => e.index)).toEqual(Array.from({ length: 34 }, (_, i) => i))
    expect(run.events.every((e) => e.t === null && e.units === 1)).toBe(true)
    // the pane's ttft, as its figures show it (rounded to the ms there, to the µs in the file: 540.4996 shows as
    // 540 and is written 540.5, so the two may differ by one)
    const shown = Number.parseInt((await pane.locator('[data-figure="ttft"]').textContent()) ?? '', 10)
    expect(Math.abs(run.start.ttft! - shown)).toBeLessThanOrEqual(0.5005)
    const csv = await download(page, `${PANES}:nth-child(2) [data-export="csv"]`)
    expect(csv.text.split('\r\n')).toHaveLength(34 + 2)
    expect(errors).toEqual([])
  })

  it('renders Markdown in pieces that make the whole: step after step, the same HTML as the whole text rendered', async () => {
    const { page, errors } = await openPage('')
    await page.evaluate(
      "Promise.all([import('/markdown-stream.js'), import('/markdown.js')]).then(([s, m]) => { window.__md = { ...s, ...m } })",
    )
    for (const reply of BUILTIN_REPLIES) {
      const pieces = split(reply.text, 'token')
      const result = await page.evaluate(
        ({ pieces, every }) => {
          const md = (window as unknown as { __md: Record<string, any> }).__md
          const stream = new md.MarkdownStream()
          let text = ''
          let settledHtml = ''
          let open = ''
          let differ = 0
          let largestOpen = 0
          pieces.forEach((piece: string, i: number) => {
            text += piece
            const update = stream.update(text)
            settledHtml += update.settled
            open = update.open
            largestOpen = Math.max(largestOpen, text.length - stream.settledChars)
            if ((i % every === 0 || i === pieces.length - 1) && settledHtml + open !== md.renderMarkdown(text)) differ += 1
          })
          return { differ, settled: stream.settledChars, length: text.length, largestOpen, same: settledHtml === stream.settledHtml }
        },
        // compared with the whole rendered at once at every step, or every few steps of a long reply
        { pieces, every: reply.name === 'long' ? 40 : reply.text.length > 1000 ? 3 : 1 },
      )
      expect(result.differ, reply.name).toBe(0)
      expect(result.same, reply.name).toBe(true)
      if (reply.name === 'long' || reply.name === 'markdown') {
        // most of it settled along the way, and what stays open is a block or two, not the reply (the code
        // reply is mostly two code blocks: a block or two is most of it)
        expect(result.settled, reply.name).toBeGreaterThan(result.length / 2)
        expect(result.largestOpen, reply.name).toBeLessThan(Math.max(1200, result.length / 4))
      }
    }
    expect(errors).toEqual([])
  }, 120_000)

  it('keeps the settled blocks of a streaming reply as rendered, and ends with the whole reply rendered', async () => {
    // the long reply, 1 ms a token: over 3,000 tokens in a few seconds
    const { page, errors } = await openPage('?reply=long&unit=token&ttft=0&delay=1&jitter=0')
    await page.click('#send')
    await page.waitForSelector(`${REPLY} .content h2`, { timeout: TIMEOUT })
    await page.evaluate(() => {
      const title = document.querySelector('.msg-assistant:last-of-type .content h1') as HTMLElement & { kept?: boolean }
      title.kept = true
    })
    await waitForReply(page, 'done', TIMEOUT)
    await page.evaluate("import('/markdown.js').then((m) => { window.__renderMarkdown = m.renderMarkdown })")
    const end = await page.evaluate(() => {
      const renderMarkdown = (window as unknown as { __renderMarkdown: (text: string) => string }).__renderMarkdown
      const reply = document.querySelector<HTMLElement>('.msg-assistant:last-of-type')!
      const content = reply.querySelector<HTMLElement>('.content')!
      const title = content.querySelector('h1') as (HTMLElement & { kept?: boolean }) | null
      const whole = document.createElement('div')
      whole.innerHTML = renderMarkdown(reply.dataset.raw ?? '')
      const shown = content.cloneNode(true) as HTMLElement
      for (const pre of shown.querySelectorAll('pre[data-lang]')) pre.removeAttribute('data-lang') // the code's label
      shown.normalize() // the caret split a text node
      return { kept: title?.kept === true, same: shown.innerHTML === whole.innerHTML, caret: content.querySelector('.caret') !== null }
    })
    expect(await page.locator(REPLY).getAttribute('data-raw')).toBe(replyText('long'))
    expect(end).toEqual({ kept: true, same: true, caret: false })
    expect(errors).toEqual([])
  })

  it('still streams when the worker cannot start: the page reads its streams itself', async () => {
    const refused: string[] = []
    const { page, errors } = await openPage('?reply=greeting&unit=word&ttft=0&delay=5&jitter=0', undefined, (p) =>
      p.route(
        (url) => url.pathname === '/arrivals-worker.js',
        (route) => {
          refused.push(route.request().url())
          return route.fulfill({ status: 404, contentType: 'text/plain', body: 'no worker here' })
        },
      ),
    )
    expect(refused).toHaveLength(1)
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await page.locator(REPLY).getAttribute('data-raw')).toBe(replyText('greeting'))
    await page.selectOption('#format', 'anthropic-messages')
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await page.locator(REPLY).getAttribute('data-raw')).toBe(replyText('greeting'))
    expect(await page.locator('#figures [data-figure="count"]').textContent()).toBe('34 / 34')
    // no worker runs: the page read the streams itself
    expect(page.workers().map((worker) => new URL(worker.url()).pathname)).not.toContain('/arrivals-worker.js')
    expect(errors.filter((error) => !/404/.test(error))).toEqual([])
  })
})
