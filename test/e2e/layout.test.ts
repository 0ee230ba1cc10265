/**
 * The page's layout in a real headless Chromium against the real server: the compare view keeps each pane's
 * name and key figures (ttft, units per second, the gap's p50 / p99, elapsed) inside the viewport and
 * uncovered while its text streams and scrolls, at 1280x720 (a projector), 1920x1080 and 390x844 (a phone:
 * the panes stacked, pane 1 in sight); a Markdown table wider than its pane scrolls sideways instead of being
 * crushed; the reading-pace marker and figure; and the native format's one start tile.
 *
 * Every page is served under the server's strict Content-Security-Policy, and a test fails on any page error,
 * console error or policy violation. Every wait is a condition, never a fixed sleep.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserAvailable } from '../helpers/browser.js'
import { pageBench, PANES, PROJECTOR, waitForReply, type Viewport } from '../helpers/page.js'

const TIMEOUT = 60_000

/** What must stay in sight in every pane: its name and its key figures. */
const KEY_PARTS = [
  '.pane-name',
  '[data-figure="ttft"]',
  '[data-figure="tps"]',
  '.pane-figures [data-measured="gap-p50"]',
  '[data-figure="elapsed"]',
] as const

interface PartBox {
  readonly pane: number
  readonly part: string
  readonly text: string
  readonly top: number
  readonly left: number
  readonly bottom: number
  readonly right: number
  /** the element at the centre of its box is the part itself (or inside it): nothing covers it */
  readonly uncovered: boolean
}

describe.skipIf(!browserAvailable)('the page layout', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT, viewport: PROJECTOR })
  const openPage = (query: string, viewport?: Viewport) => bench.openPage(query, { viewport })

  /** The boxes of every pane's name and key figures, and whether something covers each. */
  const partBoxes = (page: Page): Promise<PartBox[]> =>
    page.evaluate(
      ({ selector, parts }) =>
        Array.from(document.querySelectorAll(selector)).flatMap((pane, index) =>
          parts.map((part) => {
            const node = pane.querySelector(part)
            if (!(node instanceof HTMLElement))
              return { pane: index + 1, part, text: '', top: -1, left: -1, bottom: -1, right: -1, uncovered: false }
            const box = node.getBoundingClientRect()
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)
            return {
              pane: index + 1,
              part,
              text: node.textContent ?? '',
              top: box.top,
              left: box.left,
              bottom: box.bottom,
              right: box.right,
              uncovered: hit !== null && (hit === node || node.contains(hit) || hit.contains(node)),
            }
          }),
        ),
      { selector: PANES, parts: KEY_PARTS },
    )

  /** Each pane's text box: how much it holds and how much it shows. */
  const scrollers = (page: Page) =>
    page.locator(`${PANES} .pane-body`).evaluateAll((all) =>
      all.map((body) => ({
        scrollHeight: body.scrollHeight,
        clientHeight: body.clientHeight,
        atEnd: body.scrollHeight - body.scrollTop - body.clientHeight < 30,
      })),
    )

  /** Waits until the fast pane's text is `times` as tall as its box. */
  const fastPaneHolds = (page: Page, times: number) =>
    page.waitForFunction(
      ({ selector, times }) => {
        const body = document.querySelector(`${selector}[data-profile="fast"] .pane-body`)
        return body !== null && body.scrollHeight > body.clientHeight * times
      },
      { selector: PANES, times },
      { timeout: TIMEOUT },
    )

  async function expectKeyPartsInSight(page: Page, viewport: { width: number; height: number }, when: string): Promise<void> {
    const boxes = await partBoxes(page)
    expect(boxes, when).toHaveLength(3 * KEY_PARTS.length)
    for (const box of boxes) {
      const what = `${when}: pane ${box.pane} ${box.part} (${box.text}) at ${Math.round(box.left)},${Math.round(box.top)}-${Math.round(box.right)},${Math.round(box.bottom)}`
      expect(box.bottom - box.top, what).toBeGreaterThan(4)
      expect(box.top, what).toBeGreaterThanOrEqual(0)
      expect(box.left, what).toBeGreaterThanOrEqual(0)
      expect(box.bottom, what).toBeLessThanOrEqual(viewport.height)
      expect(box.right, what).toBeLessThanOrEqual(viewport.width)
      expect(box.uncovered, what).toBe(true)
    }
  }

  it.each([
    { width: 1280, height: 720 },
    { width: 1920, height: 1080 },
    { width: 390, height: 844 },
  ])('keeps each pane’s name and key figures in sight while its text streams and scrolls, at $width x $height', async (viewport) => {
    const { page, errors } = await openPage('?compare=fast,typical,slow&reply=long', viewport)
    await page.click('#send')
    const fast = page.locator(`${PANES}[data-profile="fast"]`)

    // early on: the fast pane has more text than it can show, all three stream
    await fastPaneHolds(page, 1.5)
    await page.waitForSelector(`${PANES}[data-profile="slow"][data-state="streaming"]`, { timeout: TIMEOUT })
    await expectKeyPartsInSight(page, viewport, 'early')
    // the figures are the live ones, not placeholders
    expect(await fast.locator('[data-figure="ttft"]').textContent()).toMatch(/^\d+ ms$/)

    // later: the fast pane's text is several times its box, and it follows the newest text
    await fastPaneHolds(page, 4)
    expect(await fast.getAttribute('data-state')).toBe('streaming')
    await expectKeyPartsInSight(page, viewport, 'later')
    expect(await fast.locator('.pane-figures [data-measured="gap-p50"]').textContent()).toMatch(/^\d+(\.\d)?$/)
    // (a stall line that comes or goes between two frames moves the end for a frame: the pane catches up)
    await expect.poll(async () => (await scrollers(page))[0]?.atEnd, { timeout: 10_000 }).toBe(true)

    // the panes: side by side on a wide screen; on a phone stacked, pane 1 first, the whole of each in sight
    const panes = await page.locator(PANES).evaluateAll((all) =>
      all.map((pane) => {
        const box = pane.getBoundingClientRect()
        return { top: box.top, bottom: box.bottom, left: box.left }
      }),
    )
    const [one, two, three] = panes as [(typeof panes)[0], (typeof panes)[0], (typeof panes)[0]]
    if (viewport.width < 600) {
      expect(two.top).toBeGreaterThanOrEqual(one.bottom)
      expect(three.top).toBeGreaterThanOrEqual(two.bottom)
      for (const pane of panes) {
        expect(pane.top).toBeGreaterThanOrEqual(0)
        expect(pane.bottom).toBeLessThanOrEqual(viewport.height)
      }
      // each keeps at least two lines of its text in sight, with a stall line in its figures too (a loaded
      // machine makes one, and it takes about 40 px of the pane: a clean-clone run measured 49 px of text then)
      for (const { clientHeight } of await scrollers(page)) expect(clientHeight).toBeGreaterThanOrEqual(40)
    } else {
      expect(two.top).toBe(one.top)
      expect(three.left).toBeGreaterThan(two.left)
      for (const { clientHeight } of await scrollers(page)) expect(clientHeight).toBeGreaterThanOrEqual(120)
    }
    await page.click('#stop')
    expect(errors).toEqual([])
  })

  it('scrolls a Markdown table wider than its pane sideways rather than crushing its cells', async () => {
    const { page, errors } = await openPage('?compare=instant,fast,typical&reply=markdown')
    await page.click('#send')
    await page.waitForSelector(`${PANES}[data-profile="instant"][data-state="done"]`, { timeout: TIMEOUT })
    const table = await page.locator(`${PANES}[data-profile="instant"] .content`).evaluate((content) => {
      const box = content.querySelector('.table-scroll')
      const cells = Array.from(content.querySelectorAll('.table-scroll th, .table-scroll td'), (cell) => {
        // the cell's longest word, as laid out: a crushed cell breaks words across lines
        const range = document.createRange()
        range.selectNodeContents(cell)
        return { width: cell.getBoundingClientRect().width, lines: range.getClientRects().length, text: cell.textContent ?? '' }
      })
      return {
        inBox: box?.firstElementChild?.tagName ?? '',
        scrollWidth: box?.scrollWidth ?? 0,
        clientWidth: box?.clientWidth ?? 0,
        paneWidth: content.getBoundingClientRect().width,
        overflowX: box ? getComputedStyle(box).overflowX : '',
        cells,
      }
    })
    expect(table.inBox).toBe('TABLE')
    expect(table.overflowX).toBe('auto')
    // wider than the pane, and it scrolls
    expect(table.scrollWidth).toBeGreaterThan(table.clientWidth)
    expect(table.clientWidth).toBeLessThanOrEqual(Math.ceil(table.paneWidth))
    // not crushed: every cell at least a few words wide, and no word cut across lines
    expect(table.cells.length).toBeGreaterThanOrEqual(16)
    for (const cell of table.cells) expect(cell.width, cell.text).toBeGreaterThanOrEqual(90)
    const words = await page.locator(`${PANES}[data-profile="instant"] .table-scroll td`).evaluateAll((cells) =>
      cells.flatMap((cell) => {
        // each word of the cell on one line: its range has a single box
        const text = cell.firstChild
        if (!(text instanceof Text)) return []
        const out: { word: string; boxes: number }[] = []
        for (const match of text.data.matchAll(/\S+/g)) {
          const range = document.createRange()
          range.setStart(text, match.index ?? 0)
          range.setEnd(text, (match.index ?? 0) + match[0].length)
          out.push({ word: match[0], boxes: range.getClientRects().length })
        }
        return out
      }),
    )
    expect(words.length).toBeGreaterThan(10)
    for (const { word, boxes } of words) expect(boxes, word).toBe(1)
    // it can be scrolled: its end comes into view
    const scrolled = await page
      .locator(`${PANES}[data-profile="instant"] .table-scroll`)
      .evaluate((box) => ((box.scrollLeft = box.scrollWidth), box.scrollLeft))
    expect(scrolled).toBeGreaterThan(0)
    await page.click('#stop').catch(() => undefined)
    expect(errors).toEqual([])
  })

  it('shows where a reader would be: each pane’s pace against reading and its marker, with the cited figure on hover', async () => {
    const { page, errors } = await openPage('?compare=fast,slow&reply=long')
    await page.click('#send')
    const fast = page.locator(`${PANES}[data-profile="fast"]`)
    const slow = page.locator(`${PANES}[data-profile="slow"]`)
    await expect.poll(() => fast.locator('.pane-pace').textContent(), { timeout: TIMEOUT }).toMatch(/^\d+(\.\d)?× reading$/)
    await expect.poll(() => slow.locator('.pane-pace').textContent(), { timeout: TIMEOUT }).toMatch(/^\d+(\.\d)?× reading$/)
    const shown = async (pane: typeof fast) =>
      pane.evaluate((root) => {
        const bar = root.querySelector('progress') as HTMLProgressElement
        const marker = root.querySelector('.pace-marker') as HTMLElement
        const track = marker.parentElement as HTMLElement
        return {
          ratio: Number.parseFloat(root.querySelector('.pane-pace')?.textContent ?? ''),
          title: root.querySelector('.pane-pace')?.getAttribute('title') ?? '',
          filled: bar.value / bar.max,
          marker: (marker.getBoundingClientRect().left + marker.offsetWidth / 2 - track.getBoundingClientRect().left) / track.clientWidth,
          visible: !marker.hidden && marker.offsetHeight > 0,
        }
      })
    const a = await shown(fast)
    const b = await shown(slow)
    // fast (about 125 tokens/s) and slow (about 16) both outrun a reader (238 words a minute, about 5 tokens/s)
    expect(a.ratio).toBeGreaterThan(b.ratio)
    expect(b.ratio).toBeGreaterThan(1)
    for (const pane of [a, b]) {
      expect(pane.title).toContain('238 words a minute')
      expect(pane.title).toContain('Brysbaert 2019')
      expect(pane.visible).toBe(true)
      // the reader is behind what arrived, by about the ratio
      expect(pane.marker).toBeGreaterThanOrEqual(0)
      expect(pane.marker).toBeLessThan(pane.filled)
    }
    expect(a.marker / a.filled).toBeLessThan(0.5)
    await page.click('#stop')

    // a stream slower than reading (300 ms a token, about 2.5 words a second): the reader waits, at its end
    await page.click('label[for="compare"]')
    await page.click('#latency-picker label[data-custom]')
    for (const [name, value] of [
      ['ttft', '0'],
      ['delay', '300'],
      ['jitter', '0'],
    ] as const)
      await page.fill(`#${name}`, value)
    await page.click('#send')
    const figure = page.locator('#figures [data-pace]')
    await expect.poll(() => figure.textContent(), { timeout: TIMEOUT }).toMatch(/^0\.\d×$/)
    expect(await figure.getAttribute('data-behind')).toBe('true')
    expect(await figure.getAttribute('title')).toContain('Brysbaert 2019')
    await page.click('#stop')
    expect(errors).toEqual([])
  })

  it('shows one start tile on the native format, where the first byte and the first token are one event, and says why on hover', async () => {
    const { page, errors } = await openPage('?reply=greeting')
    const tile = (name: string) => page.locator(`#figures [data-tile="${name}"]`)

    // native: one tile, its reason in its title; the hidden one holds the same figure
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await tile('byte').isHidden()).toBe(true)
    expect(await tile('ttft').isVisible()).toBe(true)
    expect(await tile('ttft').locator('dt').textContent()).toBe('TTFT · first byte')
    const reason = await tile('ttft').getAttribute('title')
    expect(reason).toContain('same event')
    expect(reason).toContain('EventSource')
    expect(await tile('ttft').locator('dt abbr').getAttribute('title')).toContain('EventSource')
    const ttft = await tile('ttft').locator('[data-figure="ttft"]').textContent()
    expect(ttft).toMatch(/^\d+ ms$/)
    expect(await tile('byte').locator('[data-figure="byte"]').textContent()).toBe(ttft)
    // the tiles still pair up: the reading pace takes a row of its own
    expect(await tile('pace').evaluate((node) => node.classList.contains('figure-wide'))).toBe(true)

    // a vendor format: its first event (the role chunk) comes before the first text, two tiles
    await page.selectOption('#format', 'openai-chat')
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await tile('byte').isVisible()).toBe(true)
    expect(await tile('ttft').locator('dt').textContent()).toBe('TTFT')
    expect(await tile('ttft').getAttribute('title')).toBeNull()
    expect(await tile('pace').evaluate((node) => node.classList.contains('figure-wide'))).toBe(false)

    // the tiles follow the run they show: picking native again leaves them apart until its Send
    await page.selectOption('#format', 'native')
    expect(await tile('byte').isVisible()).toBe(true)
    await page.click('#send')
    await waitForReply(page, 'done', TIMEOUT)
    expect(await tile('byte').isHidden()).toBe(true)
    // an empty conversation follows the format picked
    await page.click('#new-chat')
    await page.selectOption('#format', 'anthropic-messages')
    await expect.poll(() => tile('byte').isVisible()).toBe(true)
    await page.selectOption('#format', 'native')
    await expect.poll(() => tile('byte').isHidden()).toBe(true)
    expect(errors).toEqual([])
  })
})
