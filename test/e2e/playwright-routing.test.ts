/**
 * tokensim/playwright's routeModelCalls in headless Chromium (playwright-core): a page's fetch of its own
 * /api/chat (http) and of OpenAI's https URL go on to tokensim (the https one through its HTTPS front) with the
 * test's scope, and the answer arrives spread over time as tokensim plays it. The same measure taken through
 * `route.fulfill({ response: await route.fetch() })` shows what buffering looks like: all at once.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { routeModelCalls, startTokensim, type PlaywrightTokensim } from 'tokensim/playwright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAvailable, launchBrowser } from '../helpers/browser.js'

/**
 * The app's page, from a server of its own on localhost as a dev server serves it (Chromium lets a page that is
 * neither on a loopback address nor secure reach no loopback address, tokensim's included).
 */
let APP = ''
/** 24 words, one every 50 ms: about 1.2 s of stream. */
const WORDS = Array.from({ length: 24 }, (_, i) => `word${i}`)
const ANSWER = WORDS.join(' ')
const SCHEDULED_MS = WORDS.length * 50

interface Read {
  readonly status: number
  readonly body: string
  /** When each read of the body came, ms after the first. */
  readonly arrivals: readonly number[]
  readonly error?: string
}

/** Runs in the page: fetches and reads the body read by read, noting when each came. */
async function readInPage([url, init]: [string, RequestInit]): Promise<Read> {
  try {
    const response = await fetch(url, init)
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    const times: number[] = []
    let body = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      times.push(performance.now())
      body += decoder.decode(value, { stream: true })
    }
    return { status: response.status, body, arrivals: times.map((t) => t - times[0]!) }
  } catch (error) {
    return { status: 0, body: '', arrivals: [], error: String(error) }
  }
}

const chatInit = (text: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    id: 'chat-1',
    trigger: 'submit-message',
    messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }],
  }),
})

const openaiInit = (text: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer sk-not-a-real-key' },
  body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: text }] }),
})

/** The text of an AI SDK UI stream's text-delta events, or of Chat Completions chunks. */
function streamedText(body: string): string {
  let text = ''
  for (const [, data] of body.matchAll(/^data: (.*)$/gm)) {
    if (data === '[DONE]') continue
    const event = JSON.parse(data!) as { type?: string; delta?: string; choices?: { delta: { content?: string } }[] }
    text += event.type === 'text-delta' ? (event.delta ?? '') : (event.choices?.[0]?.delta.content ?? '')
  }
  return text
}

/** The spread of a read: how many reads, over how long. */
const spread = ({ arrivals }: Read): { reads: number; span: number } => ({ reads: arrivals.length, span: arrivals.at(-1) ?? 0 })

describe.skipIf(!browserAvailable)('routeModelCalls in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser
  let sim: PlaywrightTokensim
  let app: Server

  beforeAll(async () => {
    app = createServer((request, response) => {
      // The app's /api/chat, which the routes take over: reaching it means a call was not routed.
      if (request.url !== '/') response.writeHead(418).end('the app')
      else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><p>app</p>')
    })
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    APP = `http://localhost:${(app.address() as AddressInfo).port}/`
    ;[browser, sim] = await Promise.all([launchBrowser(), startTokensim({ unit: 'word', delay: 50, ttft: 100, jitter: 0 })])
  })
  afterAll(async () => {
    await browser?.close()
    await sim?.close()
    app?.closeAllConnections()
    await new Promise((resolve) => app?.close(resolve))
  })

  /** A context (ignoring the front's self-signed certificate, as the docs say to) with the app's page open. */
  async function openApp(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    const page = await context.newPage()
    await page.goto(APP)
    return { context, page }
  }

  const scenario = (scope: string): Promise<Response> =>
    fetch(`${sim.url}/scenarios`, {
      method: 'PUT',
      headers: { 'x-tokensim-scope': scope, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'words', match: { contains: 'hello' }, text: ANSWER }]),
    })

  const journal = async (scope: string): Promise<{ route: string; scope: string | null; path: string; outcome?: string }[]> =>
    ((await (await fetch(`${sim.url}/journal?scope=${scope}`)).json()) as { entries: never[] }).entries

  it("sends the page's /api/chat and OpenAI calls on to tokensim in the test's scope, streamed as played", async () => {
    const scope = 'pw-routing-1'
    expect((await scenario(scope)).status).toBe(200)
    const { context, page } = await openApp()
    try {
      await routeModelCalls(page, { url: sim.url, httpsUrl: sim.httpsUrl, scope })
      const chat = await page.evaluate(readInPage, [`${APP}api/chat`, chatInit('hello')] as [string, RequestInit])
      const openai = await page.evaluate(readInPage, ['https://api.openai.com/v1/chat/completions', openaiInit('hello')] as [
        string,
        RequestInit,
      ])
      for (const [name, read] of [
        ['/api/chat', chat],
        ['api.openai.com', openai],
      ] as const) {
        expect(read.error, name).toBeUndefined()
        expect(read.status, name).toBe(200)
        expect(streamedText(read.body), name).toBe(ANSWER)
        // Spread out as played: many reads, over most of the scheduled time (not one buffered body).
        const { reads, span } = spread(read)
        expect(reads, `${name}: ${JSON.stringify(read.arrivals)}`).toBeGreaterThanOrEqual(WORDS.length / 2)
        expect(span, `${name}: ${JSON.stringify(read.arrivals)}`).toBeGreaterThan(SCHEDULED_MS / 2)
      }
      const entries = (await journal(scope)).filter((entry) => entry.route !== 'scenarios')
      expect(entries.map((entry) => [entry.route, entry.path, entry.scope, entry.outcome])).toEqual([
        ['ai-sdk-ui', '/api/chat', scope, 'complete'],
        ['openai-chat', '/v1/chat/completions', scope, 'complete'],
      ])
    } finally {
      await context.close()
    }
  })

  it('the same fetch through route.fulfill of route.fetch arrives all at once: what the measure tells apart', async () => {
    const scope = 'pw-routing-buffered'
    expect((await scenario(scope)).status).toBe(200)
    const { context, page } = await openApp()
    try {
      await page.route('**/api/chat', async (route, request) => {
        const response = await route.fetch({ url: `${sim.url}/api/chat`, headers: { ...request.headers(), 'x-tokensim-scope': scope } })
        await route.fulfill({ response })
      })
      const read = await page.evaluate(readInPage, [`${APP}api/chat`, chatInit('hello')] as [string, RequestInit])
      expect(read.error).toBeUndefined()
      expect(streamedText(read.body)).toBe(ANSWER)
      expect(spread(read).span, JSON.stringify(read.arrivals)).toBeLessThan(SCHEDULED_MS / 4)
    } finally {
      await context.close()
    }
  })

  it('a context without ignoreHTTPSErrors cannot reach the front, and says what to set; unroute puts things back', async () => {
    const context = await browser.newContext()
    const warnings: string[] = []
    const warn = console.warn
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '))
    try {
      const page = await context.newPage()
      await page.goto(APP)
      const unroute = await routeModelCalls(context, { url: sim.url, httpsUrl: sim.httpsUrl, scope: 'pw-routing-cert' })
      const read = await page.evaluate(readInPage, ['https://api.openai.com/v1/chat/completions', openaiInit('hi')] as [
        string,
        RequestInit,
      ])
      expect(read.error).toMatch(/Failed to fetch/)
      await expect.poll(() => warnings.join('\n')).toMatch(/ignoreHTTPSErrors: true/)
      // Unrouted, the app's /api/chat is the app's again.
      await unroute()
      const before = (await journal('pw-routing-cert')).length
      const own = await page.evaluate(readInPage, [`${APP}api/chat`, chatInit('hello')] as [string, RequestInit])
      expect([own.status, own.body]).toEqual([418, 'the app'])
      expect((await journal('pw-routing-cert')).length).toBe(before)
    } finally {
      console.warn = warn
      await context.close()
    }
  })
})
