/**
 * The README's pictures of the page, made by the test suite's own browser against the real server, so that they
 * show the page as it is: web/assets/screenshot.png (the page mid-stream: the markdown reply in the Anthropic
 * Messages format, its raw events in the wire pane, 1280x800) and web/assets/compare.png (the compare view of
 * three profiles mid-stream, on a 1280x720 projector).
 *
 * With UPDATE_SCREENSHOTS=1 the test makes them again (run it after a change to the page's looks, and look at
 * them before committing them); otherwise it checks that they are there, are PNGs of those sizes, and that the
 * README shows both (after making them, with UPDATE_SCREENSHOTS=1).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserAvailable } from '../helpers/browser.js'
import { loadPage, pageBench, REPLY } from '../helpers/page.js'

const TIMEOUT = 60_000
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1'
const asset = (name: string): URL => new URL(`../../web/assets/${name}`, import.meta.url)

interface Shot {
  readonly file: string
  readonly width: number
  readonly height: number
  /** sets the page up and waits for the moment to take */
  readonly stage: (page: Page) => Promise<unknown>
  readonly query: string
}

/** Sends, and waits until the reply in `selector` (a pane, the last reply) has `units` units: the moment to take. */
const midStream =
  (selector: string, units: number) =>
  async (page: Page): Promise<void> => {
    await page.click('#send')
    await page.waitForFunction(
      ({ selector, units }) => Number(document.querySelector(selector)?.getAttribute('data-units')) >= units,
      { selector, units },
      { timeout: TIMEOUT },
    )
  }

const SHOTS: readonly Shot[] = [
  {
    file: 'screenshot.png',
    width: 1280,
    height: 800,
    query: '?reply=markdown&format=anthropic-messages&profile=fast&seed=7',
    // mid-stream: a heading, a list and the start of the table in sight, the wire pane full
    stage: midStream(REPLY, 330),
  },
  {
    file: 'compare.png',
    width: 1280,
    height: 720,
    query: '?reply=long&compare=fast,typical,slow&seed=7',
    stage: midStream('.pane[data-profile="slow"]', 30),
  },
]

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

describe.skipIf(!UPDATE || !browserAvailable)('making the README’s screenshots (UPDATE_SCREENSHOTS=1)', { timeout: TIMEOUT }, () => {
  const bench = pageBench({ timeout: TIMEOUT })

  it.each(SHOTS)('makes web/assets/$file', async ({ file, width, height, query, stage }) => {
    const page = await bench.browser.newPage({ viewport: { width, height }, colorScheme: 'light' })
    const { errors } = await loadPage(page, `${bench.server.url}/${query}`)
    await stage(page)
    await page.screenshot({ path: asset(file).pathname, animations: 'disabled', caret: 'hide' })
    await page.close()
    expect(errors).toEqual([])
    expect(pngSize(readFileSync(asset(file)))).toEqual({ width, height })
  })
})

describe('the README’s screenshots of the page', () => {
  it.each(SHOTS)('has web/assets/$file, a $width x $height PNG shown in the README', ({ file, width, height }) => {
    const bytes = readFileSync(asset(file))
    expect(pngSize(bytes)).toEqual({ width, height })
    expect(bytes.length).toBeGreaterThan(30_000) // a page, not a blank
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(readme).toMatch(new RegExp(`!\\[[^\\]]+\\]\\(web/assets/${file.replace('.', '\\.')}\\)`))
  })
})
