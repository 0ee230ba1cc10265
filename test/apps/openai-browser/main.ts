/**
 * A page with the openai SDK in the browser (`dangerouslyAllowBrowser`) streaming tokensim's answers through MSW's
 * Service Worker, with no server: test/e2e/msw-browser.test.ts builds it with Vite and drives it in Chromium.
 *
 * - `?demo`: the docs' browser example (docs/msw.md), as written there: its lines are this file's `demo`.
 * - otherwise the test calls `window.tokensimPage`: start the worker with the handlers' options, stream with the
 *   openai SDK, and read a stream with fetch, recording each read (when it came and how many SSE events it held),
 *   to measure what the Service Worker does to a stream's timing beside the same stream from a server.
 */
import { setupWorker, type SetupWorker } from 'msw/browser'
import OpenAI from 'openai'
import { tokensimHandlers, type MswOptions } from 'tokensim/msw'

/** One read of a response body: when it came (ms after the request) and how many whole SSE events it completed. */
export interface Read {
  readonly at: number
  readonly events: number
}

interface TokensimPage {
  /** Starts MSW's worker with tokensim's handlers for these options (once a page). */
  startMsw(options: MswOptions): Promise<void>
  /** A streamed chat completion with the openai SDK at `baseURL` (none: api.openai.com): its text and arrivals (ms). */
  openaiStream(
    baseURL: string | undefined,
    request: { model: string; content: string; maxTokens?: number },
  ): Promise<{ text: string; arrivals: number[] }>
  /** POSTs `body` to `url` and reads the stream with fetch's reader, recording every read. */
  readStream(url: string, body: unknown): Promise<Read[]>
}

declare global {
  interface Window {
    tokensimPage: TokensimPage
  }
}

async function demo(output: HTMLElement): Promise<void> {
  const sim = tokensimHandlers({ profile: 'fast' })
  await setupWorker(...sim.handlers).start({ onUnhandledRequest: 'bypass' })
  const openai = new OpenAI({ apiKey: 'any', dangerouslyAllowBrowser: true })
  const stream = await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hi' }] })
  for await (const chunk of stream) output.textContent += chunk.choices[0]?.delta.content ?? ''
}

let worker: SetupWorker | undefined

window.tokensimPage = {
  async startMsw(options) {
    if (worker !== undefined) throw new Error('the worker is started already')
    worker = setupWorker(...tokensimHandlers(options).handlers)
    await worker.start({ onUnhandledRequest: 'bypass', quiet: true })
  },

  async openaiStream(baseURL, { model, content, maxTokens }) {
    const openai = new OpenAI({
      apiKey: 'any',
      dangerouslyAllowBrowser: true,
      maxRetries: 0,
      ...(baseURL === undefined ? {} : { baseURL }),
    })
    const sent = performance.now()
    const stream = await openai.chat.completions.create({
      model,
      stream: true,
      messages: [{ role: 'user', content }],
      ...(maxTokens === undefined ? {} : { max_completion_tokens: maxTokens }),
    })
    let text = ''
    const arrivals: number[] = []
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content ?? ''
      if (delta !== '') arrivals.push(performance.now() - sent)
      text += delta
    }
    return { text, arrivals }
  },

  async readStream(url, body) {
    const sent = performance.now()
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (!response.ok || response.body === null) throw new Error(`${url}: HTTP ${response.status}`)
    const reader = response.body.getReader()
    const decoder = new TextDecoder()
    const reads: Read[] = []
    let pending = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return reads
      const at = performance.now() - sent
      pending += decoder.decode(value, { stream: true })
      const parts = pending.split('\n\n')
      pending = parts.pop() ?? ''
      reads.push({ at, events: parts.filter((part) => /^data:/m.test(part)).length })
    }
  },
}

const output = document.querySelector<HTMLElement>('#output')!
if (new URLSearchParams(location.search).has('demo')) {
  demo(output).then(
    () => (output.dataset.state = 'done'),
    (error: unknown) => ((output.dataset.state = 'error'), (output.textContent = String(error))),
  )
}
document.body.dataset.ready = 'true'
