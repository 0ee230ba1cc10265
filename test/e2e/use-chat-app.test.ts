/**
 * A real chat app as the proof: the React app under test/apps/use-chat (useChat with DefaultChatTransport, a
 * client-side tool, `resume: true`), built once with Vite's JS API and served by `vite preview`, whose proxy sends
 * the app's own /api to a tokensim started with `start()`, as a frontend project's dev or preview server does.
 * Driven in headless Chromium: text streams in, a tool call round-trips, a stall and an error show as the app
 * shows them, and a reload resumes the answer. Each test scripts its answers in a scope of its own
 * (`?scope=` in the app's URL, sent as `x-tokensim-scope`) and reads back its journal.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build, preview, type PreviewServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start, type Tokensim } from '../../src/index.js'
import { browserAvailable, launchBrowser } from '../helpers/browser.js'
import { recordErrors, replyText } from '../helpers/page.js'

const APP = fileURLToPath(new URL('../apps/use-chat/', import.meta.url))
const CONFIG = join(APP, 'vite.config.ts')
/** A test's bound: a Vite build and two cores shared with the rest of the suite. */
const TIMEOUT = 60_000
/** tokensim's pace for every answer: a token every 10 ms after 100 ms, no jitter (seeded either way). */
const PACE = { delay: 10, ttft: 100, jitter: 0 } as const

/** The last assistant message's text parts, joined, as the page shows them. */
const ANSWER = '.message.assistant:last-of-type .text'
const STATUS = '.status'
const ERROR = '.error[role="alert"]'

interface Sample {
  readonly t: number
  readonly length: number
  readonly status: string | undefined
}

/** Runs in the page: samples the answer's length and useChat's status every 20 ms into `window.samples`. */
function startSampling(selector: string): void {
  const samples: Sample[] = []
  Object.assign(window, { samples })
  const t0 = performance.now()
  setInterval(() => {
    const parts = [...document.querySelectorAll(selector)]
    const length = parts.reduce((sum, part) => sum + (part.textContent?.length ?? 0), 0)
    const status = document.querySelector<HTMLElement>('.status')?.dataset.status
    samples.push({ t: performance.now() - t0, length, status })
  }, 20)
}

const readSamples = (page: Page): Promise<Sample[]> => page.evaluate(() => (window as unknown as { samples: Sample[] }).samples)

/**
 * Builds the app into `outDir` as `vite build` does. vitest sets NODE_ENV to `test`, which Vite would build into
 * the bundle (React's development build and JSX runtime); the app is tested as it ships, in production.
 */
async function buildApp(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ root: APP, configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}

describe.skipIf(!browserAvailable)('a useChat app (React, built with Vite) against the tokensim server', { timeout: TIMEOUT }, () => {
  let outDir = ''
  let sim: Tokensim
  let server: PreviewServer
  let appUrl = ''
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tokensim-use-chat-'))
    await buildApp(outDir)
    sim = await start({ port: 0, ...PACE })
    // The app's config proxies /api to tokensim's default address; here, to the one just started.
    server = await preview({
      root: APP,
      configFile: CONFIG,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, proxy: { '/api': sim.url } },
    })
    appUrl = server.resolvedUrls?.local[0] ?? ''
    browser = await launchBrowser()
  }, 2 * TIMEOUT)

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)))
    await browser?.close()
    await server?.close()
    await sim?.close()
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true })
  })

  /** The scenario rules of `scope`, set on the server at run time. */
  async function script(scope: string, yaml: string): Promise<void> {
    const response = await fetch(`${sim.url}/scenarios`, {
      method: 'PUT',
      headers: { 'x-tokensim-scope': scope, 'content-type': 'application/yaml' },
      body: yaml,
    })
    expect(response.status, await response.clone().text()).toBe(200)
  }

  /**
   * What the app sent in `scope`: the journal's entries of the chat routes (the test's own PUT /scenarios left
   * out), each with its method, route and status. The first is always the resume `useChat({ resume: true })` asks
   * for when the app loads, a 204 while nothing plays.
   */
  async function journal(scope: string): Promise<any[]> {
    const response = await fetch(`${sim.url}/journal`, { headers: { 'x-tokensim-scope': scope } })
    const { entries } = (await response.json()) as { entries: any[] }
    return entries.filter((entry) => entry.route !== 'scenarios')
  }

  const row = (entry: any): unknown[] => [entry.method, entry.route, entry.status]
  const ON_LOAD = ['GET', 'ai-sdk-ui-resume', 204]

  /** The app in a fresh browser context (its own sessionStorage), in `scope`, with its errors recorded. */
  async function openApp(scope: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext()
    contexts.push(context)
    const page = await context.newPage()
    const errors = await recordErrors(page)
    await page.goto(`${appUrl}?scope=${encodeURIComponent(scope)}`)
    await page.waitForSelector(`${STATUS}[data-status="ready"]`)
    return { page, errors }
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.fill('input[name="prompt"]', text)
    await page.click('button[type="submit"]')
  }

  const answer = async (page: Page): Promise<string> => (await page.locator(ANSWER).allTextContents()).join('')

  it('streams the text in: the answer grows while useChat streams, and ends as the reply tokensim planned', async () => {
    const scope = 'use-chat-text'
    await script(scope, '- match: { contains: retry }\n  reply: code\n')
    const planned = replyText('code')
    const { page, errors } = await openApp(scope)

    await page.evaluate(startSampling, ANSWER)
    await send(page, 'Write a retry helper')
    await page.waitForSelector(`${STATUS}[data-status="ready"]`, { timeout: TIMEOUT })
    // the status line is back to ready only once the message is complete
    expect(await answer(page)).toBe(planned)

    const samples = await readSamples(page)
    const streaming = samples.filter((s) => s.status === 'streaming' && s.length > 0 && s.length < planned.length)
    const lengths = new Set(streaming.map((s) => s.length))
    // 377 tokens 10 ms apart, sampled every 20 ms: many partial lengths, growing
    expect(lengths.size, 'distinct partial lengths while streaming').toBeGreaterThanOrEqual(10)
    expect(streaming.every((s, i) => i === 0 || s.length >= streaming[i - 1]!.length)).toBe(true)
    expect(await page.locator(STATUS).textContent()).toBe('Ready')

    const entries = await journal(scope)
    expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 200]])
    expect(entries[1].outcome).toBe('complete')
    expect(errors).toEqual([])
  })

  it('round-trips a tool call: the app runs get_weather in the browser and useChat sends its result by itself', async () => {
    const scope = 'use-chat-tool'
    await script(
      scope,
      [
        '- match: { contains: weather }',
        '  tool_calls: [{ name: get_weather, arguments: { city: Paris } }]',
        '- match: { tool_result: get_weather }',
        "  text: 'It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.'",
      ].join('\n'),
    )
    const { page, errors } = await openApp(scope)
    await send(page, "What's the weather in Paris?")

    // the app's tool answers 21 for Paris; the second turn's text is built on it
    await expect.poll(() => answer(page), { timeout: TIMEOUT }).toBe('It is 21 °C in Paris.')
    await page.waitForSelector(`${STATUS}[data-status="ready"]`, { timeout: TIMEOUT })
    const tool = page.locator('.message.assistant:last-of-type .tool[data-tool="get_weather"]')
    expect(await tool.getAttribute('data-state')).toBe('output-available')
    expect(JSON.parse((await tool.locator('.output').textContent()) ?? '')).toEqual({ city: 'Paris', temp: 21 })
    // one assistant message holds both steps, as useChat keeps a continued answer
    expect(await page.locator('.message.assistant').count()).toBe(1)

    const entries = await journal(scope)
    expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 200], ['POST', 'ai-sdk-ui', 200]])
    const [, first, second] = entries
    expect(first.conversation.at(-1)).toMatchObject({ role: 'user', text: "What's the weather in Paris?" })
    const call = second.conversation.at(-2)
    expect(call).toMatchObject({ role: 'assistant', tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] })
    expect(second.conversation.at(-1)).toMatchObject({
      role: 'tool',
      results: [{ id: call.tool_calls[0].id, name: 'get_weather', is_error: false }],
    })
    expect(JSON.parse(second.conversation.at(-1).results[0].content)).toEqual({ city: 'Paris', temp: 21 })
    expect(errors).toEqual([])
  })

  it('shows a stall as a pause in the growing text, then the whole answer', async () => {
    const scope = 'use-chat-stall'
    const STALL_MS = 2000
    await script(scope, `- match: { contains: stall }\n  reply: greeting\n  fault: stall-after:10:${STALL_MS}\n`)
    const planned = replyText('greeting')
    const { page, errors } = await openApp(scope)

    await page.evaluate(startSampling, ANSWER)
    await send(page, 'Please stall')
    await page.waitForSelector(`${STATUS}[data-status="ready"]`, { timeout: TIMEOUT })
    expect(await answer(page)).toBe(planned)

    // the longest time the shown text stood still while useChat was streaming, partway through
    const samples = await readSamples(page)
    let longest = 0
    let since: Sample | undefined
    for (const sample of samples) {
      if (sample.status !== 'streaming' || sample.length === 0 || sample.length === planned.length) since = undefined
      else if (since === undefined || sample.length !== since.length) since = sample
      else longest = Math.max(longest, sample.t - since.t)
    }
    expect(longest, 'the pause the stall made').toBeGreaterThan(STALL_MS * 0.8)
    expect(longest).toBeLessThan(STALL_MS + 3000)
    expect(errors).toEqual([])
  })

  it("shows an in-stream error on the app's error line, with useChat's status error", async () => {
    const scope = 'use-chat-error'
    await script(scope, '- match: { contains: fail }\n  reply: greeting\n  fault: error-after:5\n')
    // what the stream's error chunk says, read from the wire the same request gets
    const wire = await fetch(`${sim.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tokensim-scope': scope },
      body: JSON.stringify({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Please fail' }] }] }),
    })
    const errorChunk = (await wire.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; errorText?: string })
      .find((chunk) => chunk.type === 'error')
    expect(errorChunk?.errorText).toBeTruthy()

    const { page, errors } = await openApp(scope)
    await send(page, 'Please fail')
    await page.waitForSelector(`${STATUS}[data-status="error"]`, { timeout: TIMEOUT })
    expect(await page.locator(ERROR).textContent()).toBe(errorChunk!.errorText)
    expect(await page.locator(STATUS).textContent()).toBe('Something went wrong')
    // units 0 to 5 arrived before the error, and stay shown
    const shown = await answer(page)
    expect(shown.length).toBeGreaterThan(0)
    expect(replyText('greeting').startsWith(shown)).toBe(true)
    expect(errors).toEqual([])
  })

  it("shows an HTTP error status on the app's error line: DefaultChatTransport throws the body", async () => {
    const scope = 'use-chat-status'
    await script(scope, '- match: { contains: busy }\n  reply: greeting\n  fault: status:503\n')
    const { page, errors } = await openApp(scope)
    await send(page, 'Are you busy?')
    await page.waitForSelector(`${STATUS}[data-status="error"]`, { timeout: TIMEOUT })
    const shown = JSON.parse((await page.locator(ERROR).textContent()) ?? '') as { error: { message: string; type: string } }
    expect(shown.error.message).toBeTruthy()
    expect(await page.locator('.message.assistant').count()).toBe(0)
    const entries = await journal(scope)
    expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 503]])
    // the browser itself reports the failed request on the console; nothing else went wrong
    expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([])
  })

  it('stops the answer with Stop: the text so far stays, the status line says Stopped, tokensim saw the stream stopped', async () => {
    const scope = 'use-chat-stop'
    await script(scope, '- match: { contains: debounce }\n  reply: markdown\n')
    const planned = replyText('markdown')
    const { page, errors } = await openApp(scope)
    await send(page, 'Explain debounce')
    await expect.poll(async () => (await answer(page)).length, { timeout: TIMEOUT }).toBeGreaterThan(100)
    await page.click('button:has-text("Stop")')
    await page.waitForSelector(`${STATUS}[data-status="ready"]`, { timeout: TIMEOUT })
    expect(await page.locator(STATUS).textContent()).toBe('Stopped')
    const shown = await answer(page)
    expect(shown.length).toBeLessThan(planned.length)
    expect(planned.startsWith(shown)).toBe(true)
    await expect.poll(async () => (await journal(scope))[1]?.outcome, { timeout: TIMEOUT }).toBe('stopped')
    expect(errors).toEqual([])
  })

  it('resumes the answer after a reload: useChat reconnects and the whole answer appears, nothing lost or repeated', async () => {
    const scope = 'use-chat-resume'
    await script(scope, '- match: { contains: debounce }\n  reply: markdown\n')
    const planned = replyText('markdown')
    const { page, errors } = await openApp(scope)
    const paths: string[] = []
    page.on('request', (request) => paths.push(`${request.method()} ${new URL(request.url()).pathname}`))

    await send(page, 'Explain debounce')
    // 663 tokens 10 ms apart: reload once a part of it is shown
    await expect.poll(async () => (await answer(page)).length, { timeout: TIMEOUT }).toBeGreaterThan(200)
    const chatId = new URL(page.url()).searchParams.get('chat')
    expect(chatId).toBeTruthy()
    await page.reload()
    // the saved part shows at once, then the rest streams in from the resumed answer
    await page.waitForSelector(ANSWER)
    const afterReload = await answer(page)
    expect(afterReload.length).toBeLessThan(planned.length)
    expect(planned.startsWith(afterReload)).toBe(true)
    await page.waitForSelector(`${STATUS}[data-status="ready"]`, { timeout: TIMEOUT })
    await expect.poll(() => answer(page), { timeout: TIMEOUT }).toBe(planned)
    expect(await page.locator('.message.assistant').count()).toBe(1)
    expect(await page.locator('.message.user').count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('chat')).toBe(chatId)

    expect(paths.filter((p) => p.includes('/api/chat'))).toEqual(['POST /api/chat', `GET /api/chat/${chatId}/stream`])
    const entries = await journal(scope)
    expect(entries.map(row)).toEqual([ON_LOAD, ['POST', 'ai-sdk-ui', 200], ['GET', 'ai-sdk-ui-resume', 200]])
    expect(errors).toEqual([])
  })
})
