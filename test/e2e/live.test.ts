/**
 * What the page shows of a stream besides its text, in a real headless Chromium against the real server: a
 * stall as it happens ("no token for N.N s", growing, in the panel's figures and in each compare pane's, then
 * recorded once the next token comes) and on the timeline (its scale not flattened by the stall, the stall
 * marked); a scenario's reasoning in a Thinking block with its own timing, and its tool calls as cards whose
 * arguments fill in as they stream, in every vendor format that carries them; the built-in demo scenarios the
 * page sets on the server in a scope of its own. Every page fails its test on a console error, a page error or
 * a CSP violation. Every wait is a condition, never a fixed sleep; time bounds are generous (a loaded machine).
 */
import { describe, expect, it } from 'vitest'
import type { Page, Request } from 'playwright-core'
import { browserAvailable } from '../helpers/browser.js'
import { FINISHED, pageBench, PANES, REPLY, replyText, typeText, waitForCompare } from '../helpers/page.js'

const TIMEOUT = 60_000

/** The scenario's reasoning and tool call (the page's canned reply is the text between them). */
const REASONING =
  'The user asks for the weather, so the answer needs a tool. I will say what I am doing, then call get_weather with the ' +
  'city, the unit and how many days, and report what it returns once the result is back.'
const ARGUMENTS = { city: 'Paris', unit: 'celsius', days: 3, include: ['temperature', 'wind'] }

/** What the page's built-in `agent` demo calls (web/demos.js). */
const DEMO_ARGUMENTS = {
  location: { city: 'Paris', country: 'FR' },
  unit: 'celsius',
  days: 3,
  include: ['temperature', 'precipitation', 'wind'],
}

describe.skipIf(!browserAvailable)('the page, live: stalls, the timeline, reasoning and tool calls', { timeout: TIMEOUT }, () => {
  const bench = pageBench({
    timeout: TIMEOUT,
    server: {
      scenarios: [
        {
          name: 'weather',
          match: { contains: 'weather' },
          answers: [{ reasoning: REASONING, text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: ARGUMENTS }] }],
        },
      ],
    },
  })
  const { openPage } = bench

  /** Custom latency: exact and steady (jitter 0), so the stall is the fault's alone. */
  async function steady(page: Page, delay: string, ttft = '100'): Promise<void> {
    await page.click('#latency-picker label[data-custom]')
    await page.fill('#ttft', ttft)
    await page.fill('#delay', delay)
    await page.fill('#jitter', '0')
  }

  /** The seconds a stall line shows (`no token for 2.1 s`, `stalled 4.0 s after token 20`). */
  const seconds = (text: string): number => Number(/(\d+\.\d) s/.exec(text)?.[1] ?? Number.NaN)

  /** What one animation frame showed of the last reply. */
  interface Frame {
    /** the units received */
    readonly units: number
    /** the panel's stall line: `none` while hidden, else its `data-stall` (`live`, `recorded`), and its text */
    readonly stall: string
    readonly stallText: string
    /** the Thinking block's text's length, and whether it is open */
    readonly thinking: number
    readonly open: boolean
    /** the reply's text's length */
    readonly text: number
    /** the tool card's arguments so far */
    readonly args: string
    /** the status pill's text */
    readonly status: string
  }

  /** Sends, and samples every animation frame until the reply is over. */
  async function sendAndSample(page: Page): Promise<Frame[]> {
    const sampling = page.evaluate(
      () =>
        new Promise<Frame[]>((resolve) => {
          const out: Frame[] = []
          const tick = (): void => {
            const msg = document.querySelector<HTMLElement>('.msg-assistant:last-of-type')
            const line = document.querySelector<HTMLElement>('#figures + .stall-indicator')
            const thinking = msg?.querySelector<HTMLDetailsElement>('.thinking')
            out.push({
              units: Number(msg?.dataset.units ?? 0),
              stall: line === null || line.hidden ? 'none' : (line.dataset.stall ?? ''),
              stallText: line?.textContent ?? '',
              thinking: thinking?.querySelector('.thinking-text')?.textContent?.length ?? 0,
              open: thinking?.open ?? false,
              text: msg?.dataset.raw?.length ?? 0,
              args: msg?.querySelector<HTMLElement>('.tool-card')?.dataset.args ?? '',
              status: document.querySelector('#status')?.textContent ?? '',
            })
            if (msg && msg.dataset.state !== 'waiting' && msg.dataset.state !== 'streaming') resolve(out)
            else requestAnimationFrame(tick)
          }
          requestAnimationFrame(tick)
        }),
    )
    await page.click('#send')
    const samples = await sampling
    await page.waitForSelector(FINISHED)
    return samples
  }

  // ---- stalls --------------------------------------------------------------------------------------------------

  it('shows a stall while it happens, growing, then records it; the timeline keeps its scale and marks it', async () => {
    const { page, errors } = await openPage('?reply=greeting&fault=stall-after:20:4000')
    await steady(page, '20')
    const samples = await sendAndSample(page)
    expect(await page.locator(REPLY).getAttribute('data-state')).toBe('done')

    // live only in the silence after unit 20, and growing there by tenths of a second
    const live = samples.filter((s) => s.stall === 'live')
    expect(live.length, 'frames with the live indicator').toBeGreaterThan(10)
    for (const s of live) expect(s.units, 'units received while the indicator shows').toBe(21)
    for (const s of live) expect(s.stallText).toMatch(/^no token for \d+\.\d s$/)
    const shown = live.map((s) => seconds(s.stallText))
    expect(shown[0]).toBeGreaterThanOrEqual(0.5) // the 500 ms floor: 3 × 20 ms is less
    expect(shown[0]).toBeLessThan(2.5)
    for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1]!)
    expect(new Set(shown).size, 'distinct values shown').toBeGreaterThanOrEqual(8)
    expect(shown.at(-1)).toBeGreaterThan(3)
    // nothing before the stall: 20 ms gaps are no stall
    expect(samples.filter((s) => s.units > 0 && s.units < 21).every((s) => s.stall === 'none')).toBe(true)

    // once the next unit came: recorded in the figures and under the reply
    const recorded = (await page.locator('#figures + .stall-indicator').textContent()) ?? ''
    expect(await page.locator('#figures + .stall-indicator').getAttribute('data-stall')).toBe('recorded')
    expect(recorded).toMatch(/^stalled \d+\.\d s after token 20$/)
    expect(seconds(recorded)).toBeGreaterThanOrEqual(3) // the 4 s stall, less what token 20 arrived late by on a loaded machine
    expect(seconds(recorded)).toBeLessThan(6)
    expect(await page.locator(`${REPLY} .notice-stall`).textContent()).toMatch(/^Stalled \d+\.\d s after token 20$/)
    expect(samples.at(-1)?.units).toBe(39)

    // the timeline: one stall, marked, and a scale that the gaps of 20 ms, not the 4 s, set
    const timeline = page.locator('#timeline')
    expect(await timeline.getAttribute('data-stalls')).toBe('1')
    const scale = Number(await timeline.getAttribute('data-scale'))
    expect(scale).toBeGreaterThanOrEqual(25) // the 20 ms line, × 1.25
    expect(scale).toBeLessThanOrEqual(1000)
    // drawn: the stall's column in its colour up to the top, the other bars well off the baseline
    const drawn = await timeline.evaluate((canvas: HTMLCanvasElement) => {
      const ctx = canvas.getContext('2d')
      if (!ctx) return null
      const { width, height } = canvas
      const stall = getComputedStyle(canvas).getPropertyValue('--tl-stall').trim()
      const probe = document.createElement('canvas').getContext('2d')
      if (!probe) return null
      probe.fillStyle = stall
      probe.fillRect(0, 0, 1, 1)
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data
      const pixels = ctx.getImageData(0, 0, width, height).data
      let stallPixels = 0
      for (let i = 0; i < pixels.length; i += 4)
        if (Math.abs(pixels[i]! - r!) < 8 && Math.abs(pixels[i + 1]! - g!) < 8 && Math.abs(pixels[i + 2]! - b!) < 8) stallPixels += 1
      return { stallPixels, height }
    })
    expect(drawn?.stallPixels, 'pixels in the stall colour').toBeGreaterThan(50)
    expect(errors).toEqual([])
  })

  it('shows a stall in every compare pane that is stalled, with its own figures', async () => {
    const { page, errors } = await openPage('?reply=greeting&compare=fast,typical&fault=stall-after:20:4000&seed=7')
    await page.click('#send')
    const panes = page.locator(PANES)
    await expect.poll(() => panes.count()).toBe(2)
    // both panes stall at once for a while (fast after about 0.3 s, typical after about 1 s, for 4 s each)
    await page.waitForFunction(
      () => document.querySelectorAll('.msg-compare:last-of-type .pane .stall-indicator[data-stall="live"]').length === 2,
      undefined,
      { timeout: TIMEOUT },
    )
    const texts = await panes.evaluateAll((all) => all.map((pane) => pane.querySelector('.stall-indicator')?.textContent ?? ''))
    for (const text of texts) expect(text).toMatch(/^no token for \d+\.\d s$/)
    // in the pane's figures, right under its key figures
    expect(await page.locator(`${PANES} .pane-figures + .stall-indicator`).count()).toBe(2)
    await waitForCompare(page, TIMEOUT)
    const recorded = await panes.evaluateAll((all) => all.map((pane) => pane.querySelector('.stall-indicator')?.textContent ?? ''))
    for (const text of recorded) {
      expect(text).toMatch(/^stalled \d+\.\d s after token 20$/)
      expect(seconds(text)).toBeGreaterThanOrEqual(3) // the 4 s stall, less what token 20 arrived late by on a loaded machine (3.7 s seen)
    }
    expect(await page.locator(`${PANES} .notice-stall`).count()).toBe(2)
    expect(errors).toEqual([])
  })

  // ---- reasoning and tool calls --------------------------------------------------------------------------------

  for (const format of ['openai-responses', 'anthropic-messages', 'ai-sdk-ui', 'gemini']) {
    it(`shows a scenario's reasoning in a Thinking block and its tool call as a card: ${format}`, async () => {
      const { page, errors } = await openPage(`?format=${format}`)
      await typeText(page, "What's the weather in Paris?")
      // 80 ms a token: about 3 s of reasoning and 2 s of arguments, which a loaded machine still draws in steps
      await steady(page, '80')
      const samples = await sendAndSample(page)
      expect(await page.locator(REPLY).getAttribute('data-state')).toBe('done')
      expect(await page.locator(REPLY).getAttribute('data-raw')).toBe("What's the weather in Paris?") // echo: your text

      // the Thinking block: the reasoning, word for word, with its timing; collapsed once the answer started
      const thinking = page.locator(`${REPLY} .thinking`)
      expect(await thinking.count()).toBe(1)
      expect(await thinking.locator('.thinking-text').textContent()).toBe(REASONING)
      expect(await thinking.getAttribute('data-state')).toBe('done')
      expect(await thinking.evaluate((d: HTMLDetailsElement) => d.open)).toBe(false)
      expect(await thinking.locator('.thinking-started').textContent()).toMatch(/^started at \d+ ms$/)
      expect(await thinking.locator('.thinking-duration').textContent()).toMatch(/^lasted (\d+ ms|\d+\.\d s)$/)
      const count = Number(/^(\d+) tokens$/.exec((await thinking.locator('.thinking-count').textContent()) ?? '')?.[1])
      expect(count).toBeGreaterThan(20)
      // it streamed: open and growing while the reasoning came, closed once the answer's text came
      const during = samples.filter((s) => s.thinking > 0 && s.thinking < REASONING.length)
      expect(new Set(during.map((s) => s.thinking)).size, 'lengths of the reasoning seen').toBeGreaterThanOrEqual(2)
      expect(during.every((s) => s.open && s.text === 0)).toBe(true)
      // the status says what the model is doing: thinking, not waiting, while the reasoning streams
      expect(new Set(during.map((s) => s.status))).toEqual(new Set(['Thinking']))
      expect(samples.filter((s) => s.text > 0).every((s) => !s.open)).toBe(true)

      // the tool card: the name, the exact arguments, pretty-printed once complete
      const card = page.locator(`${REPLY} .tool-card`)
      expect(await card.count()).toBe(1)
      expect(await card.getAttribute('data-state')).toBe('done')
      expect(await card.locator('.tool-name').textContent()).toBe('get_weather')
      expect(JSON.parse((await card.getAttribute('data-args')) ?? '')).toEqual(ARGUMENTS)
      expect(await card.locator('.tool-args').textContent()).toBe(JSON.stringify(ARGUMENTS, null, 2))
      const args = [...new Set(samples.map((s) => s.args).filter((a) => a !== ''))]
      if (format === 'gemini') {
        // Gemini sends a call whole, when its arguments are complete
        expect(args).toEqual([JSON.stringify(ARGUMENTS)])
      } else {
        expect(args.length, 'the arguments filled in as they streamed').toBeGreaterThanOrEqual(2)
        expect(args.at(-1)).toBe(JSON.stringify(ARGUMENTS))
        for (let i = 1; i < args.length; i++) expect(args[i]!.startsWith(args[i - 1]!)).toBe(true)
      }
      expect(errors).toEqual([])
    })
  }

  it('shows the tool call of OpenAI Chat Completions, which streams no reasoning', async () => {
    const { page, errors } = await openPage('?format=openai-chat')
    await typeText(page, 'weather please')
    await steady(page, '5')
    await sendAndSample(page)
    expect(await page.locator(`${REPLY} .thinking`).count()).toBe(0)
    const card = page.locator(`${REPLY} .tool-card`)
    expect(await card.getAttribute('data-state')).toBe('done')
    expect(JSON.parse((await card.getAttribute('data-args')) ?? '')).toEqual(ARGUMENTS)
    expect(errors).toEqual([])
  })

  it('offers built-in demos: set on the server for this page only, kept in the URL', async () => {
    const requests: Request[] = []
    const { page, errors } = await openPage('?format=anthropic-messages&demo=agent&reply=greeting')
    page.on('request', (request) => requests.push(request))
    expect(await page.inputValue('#demo')).toBe('agent')
    expect(await page.textContent('#demo-note')).toMatch(/^Set on the server for this page only/)
    await steady(page, '5')
    await sendAndSample(page)
    expect(await page.locator(REPLY).getAttribute('data-raw')).toBe(replyText('greeting'))
    expect(await page.locator(`${REPLY} .thinking-text`).textContent()).toMatch(/^The user picked a canned reply/)
    const card = page.locator(`${REPLY} .tool-card`)
    expect(await card.locator('.tool-name').textContent()).toBe('get_weather')
    expect(JSON.parse((await card.getAttribute('data-args')) ?? '')).toEqual(DEMO_ARGUMENTS)
    // the vendor request named the page's scope, where the demo's rule is
    const post = requests.find((r) => r.url().endsWith('/v1/messages'))
    const scope = (await post?.allHeaders())?.['x-tokensim-scope'] ?? ''
    expect(scope).toMatch(/^page-[a-z0-9]+$/)
    const rules = await (await fetch(`${bench.server.url}/scenarios`, { headers: { 'x-tokensim-scope': scope } })).json()
    expect(rules.scenarios.map((rule: { name: string }) => rule.name)).toEqual(['page-demo-agent'])

    // another page (another scope) without a demo sees none of it
    const other = await openPage('?format=anthropic-messages&reply=greeting')
    await steady(other.page, '5')
    await sendAndSample(other.page)
    expect(await other.page.locator(`${REPLY} .thinking`).count()).toBe(0)
    expect(await other.page.locator(`${REPLY} .tool-card`).count()).toBe(0)

    // picked in the panel: the URL follows, and the native format says it carries text only
    await page.selectOption('#demo', 'reasoning')
    await expect.poll(() => new URL(page.url()).searchParams.get('demo')).toBe('reasoning')
    await page.selectOption('#format', 'native')
    expect(await page.textContent('#demo-note')).toMatch(/native \/stream carries text only/)
    await page.selectOption('#format', 'ai-sdk-ui')
    await page.click('#send')
    await page.waitForSelector(FINISHED)
    expect(await page.locator(`${REPLY} .thinking-text`).textContent()).toMatch(/^The user picked a canned reply/)
    expect(await page.locator(`${REPLY} .tool-card`).count()).toBe(0)
    await page.selectOption('#demo', 'none')
    await expect.poll(() => new URL(page.url()).searchParams.has('demo')).toBe(false)
    const held = async (): Promise<string[]> =>
      (await (await fetch(`${bench.server.url}/scenarios`, { headers: { 'x-tokensim-scope': scope } })).json()).scenarios.map(
        (rule: { name: string }) => rule.name,
      )
    await expect.poll(held, { timeout: 10_000 }).toEqual([]) // None cleared the page's scope
    // and leaving the page clears it too
    await page.selectOption('#demo', 'tool-call')
    await expect.poll(held, { timeout: 10_000 }).toEqual(['page-demo-tool-call'])
    expect(errors).toEqual([])
    expect(other.errors).toEqual([])
    await page.goto('about:blank')
    await expect.poll(held, { timeout: 10_000 }).toEqual([])
  })
})
