/**
 * Signals, with requests waiting, on the real CLI: SIGTERM and SIGINT answer every request still waiting for its
 * headers (slow-headers) with a 503 in its route's shape, end the streams playing with the final comment, start
 * none after, and the process is gone within 2 s even with a connection that lingers; with --workers too.
 * SIGHUP reloads the data files and ends nothing: the waiting requests and the streams go on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { killChildren, runCli, startCli, type Cli } from '../helpers/cli.js'

const TEST_MS = 40_000
/** The README's promise: gone within 2 s of the signal. */
const SHUTDOWN_MS = 2000
const dirs: string[] = []
afterEach(killChildren)
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const slow = (ms: number): Record<string, string> => ({ 'content-type': 'application/json', 'x-tokensim-fault': `slow-headers:${ms}` })
const user = (text: string) => [{ role: 'user', content: text }]

/** A request on each route that streams, each with slow-headers (`ms`), and how each says "shutting down". */
function waitingRequests(url: string, ms: number) {
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${url}${path}`, { method: 'POST', headers: slow(ms), body: JSON.stringify(body) })
  const openai = (body: unknown) => expect(body).toMatchObject({ error: { code: 'shutting_down', type: 'server_error' } })
  return [
    { route: '/stream', response: fetch(`${url}/stream?delay=0&ttft=0`, { headers: slow(ms) }), shape: openai },
    {
      route: '/v1/chat/completions',
      response: post('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: user('hi') }),
      shape: openai,
    },
    { route: '/v1/responses', response: post('/v1/responses', { model: 'gpt-4o', stream: true, input: 'hi' }), shape: openai },
    {
      route: '/v1/messages',
      response: post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: user('hi') }),
      shape: (body: unknown) => expect(body).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/shutting down/) } }),
    },
    {
      route: 'gemini',
      response: post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      }),
      shape: (body: unknown) => expect(body).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } }),
    },
    {
      route: '/api/chat',
      response: post('/api/chat', { id: 'c1', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
      shape: openai,
    },
  ]
}

/** Resolves with the ms from now until the child exits, and its code. */
const exitTime = (cli: Cli): Promise<{ ms: number; code: number | null }> => {
  const since = performance.now()
  return new Promise((resolve) => cli.child.once('exit', (code) => resolve({ ms: performance.now() - since, code })))
}

/** A stream that plays until the end of the test, read as text as it comes. */
async function playing(url: string): Promise<() => Promise<string>> {
  const response = await fetch(`${url}/stream?reply=long&delay=50&ttft=0`)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!text.includes('event: token')) text += decoder.decode((await reader.read()).value, { stream: true })
  return async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return text + decoder.decode()
      text += decoder.decode(value, { stream: true })
    }
  }
}

/** A POST whose body never finishes arriving: its connection stays open until shutdown drops it. */
async function lingering(port: number): Promise<void> {
  const socket = connect({ port, host: '127.0.0.1' })
  socket.on('error', () => undefined)
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"mod`,
  )
}

const portOf = (url: string): number => Number(new URL(url).port)

describe('SIGTERM and SIGINT with requests waiting', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(
      `${signal}: a 503 in each route's shape for every request waiting, the final comment for the streams, gone within 2 s`,
      { timeout: TEST_MS },
      async () => {
        const { url, cli } = await startCli()
        const rest = await playing(url)
        const waiting = waitingRequests(url, 10_000)
        await lingering(portOf(url))
        // Every request is in: its slow-headers wait has begun.
        await new Promise((resolve) => setTimeout(resolve, 500))
        const exit = exitTime(cli)
        cli.child.kill(signal)
        for (const { route, response, shape } of waiting) {
          const answer = await response
          expect(answer.status, route).toBe(503)
          expect(answer.headers.get('retry-after'), route).toBe('1')
          shape(await answer.json())
        }
        expect((await rest()).endsWith(': server shutting down\n\n')).toBe(true)
        const { ms, code } = await exit
        expect(code).toBe(0)
        expect(ms).toBeLessThan(SHUTDOWN_MS)
      },
    )
  }

  it(
    'fifty requests waiting for their headers at once: each is woken by shutdown, and Node warns of no leak',
    { timeout: TEST_MS },
    async () => {
      const { url, cli } = await startCli()
      // Each waiting request listened on one shared AbortSignal; at the eleventh, Node printed a
      // MaxListenersExceededWarning ("possible EventTarget memory leak") into the server's log.
      const waiting = Array.from({ length: 50 }, () =>
        fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: slow(10_000),
          body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: user('hi') }),
        }),
      )
      await new Promise((resolve) => setTimeout(resolve, 800))
      const exit = exitTime(cli)
      cli.child.kill('SIGTERM')
      const statuses = await Promise.all(waiting.map(async (response) => (await response).status))
      expect(statuses).toEqual(Array(50).fill(503))
      expect((await exit).code).toBe(0)
      expect(cli.stderr()).not.toMatch(/MaxListenersExceeded|memory leak/)
    },
  )

  it('a stream whose headers moment passes during shutdown never starts; nothing is served after', { timeout: TEST_MS }, async () => {
    const { url, cli } = await startCli()
    // Due 300 ms after the signal: inside the grace, when the old server started it and then cut it off.
    const response = fetch(`${url}/stream?reply=long&delay=10&ttft=0`, { headers: slow(800) })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const exit = exitTime(cli)
    cli.child.kill('SIGTERM')
    const answer = await response
    expect(answer.status).toBe(503)
    expect(await answer.text()).not.toMatch(/event: token/)
    const { ms, code } = await exit
    expect(code).toBe(0)
    expect(ms).toBeLessThan(SHUTDOWN_MS)
  })

  it('--workers 2: every worker answers its waiting requests with a 503; the server is gone within 2 s', { timeout: TEST_MS }, async () => {
    const { url, cli } = await startCli(['--workers', '2'])
    const rest = await playing(url)
    const waiting = [...waitingRequests(url, 10_000), ...waitingRequests(url, 10_000)]
    await lingering(portOf(url))
    await new Promise((resolve) => setTimeout(resolve, 500))
    const exit = exitTime(cli)
    cli.child.kill('SIGTERM')
    for (const { route, response, shape } of waiting) {
      const answer = await response
      expect(answer.status, route).toBe(503)
      shape(await answer.json())
    }
    expect((await rest()).endsWith(': server shutting down\n\n')).toBe(true)
    const { ms, code } = await exit
    expect(code).toBe(0)
    expect(ms).toBeLessThan(SHUTDOWN_MS)
  })
})

describe('SIGHUP', () => {
  const ask = async (url: string): Promise<string> => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' },
      body: JSON.stringify({ model: 'gpt-4o', messages: user('hi') }),
    })
    return ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content
  }

  for (const workers of [[], ['--workers', '2']]) {
    it(
      `reloads the data files and ends nothing${workers.length > 0 ? ' (--workers 2: every worker)' : ''}`,
      { timeout: TEST_MS },
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'tokensim-sighup-'))
        dirs.push(dir)
        const scenarios = join(dir, 'scenarios.yaml')
        writeFileSync(scenarios, '- match: { contains: hi }\n  text: First.\n')
        const { url, cli } = await startCli(['--scenarios', scenarios, ...workers])
        expect(await ask(url)).toBe('First.')
        const rest = await playing(url)
        const waiting = fetch(`${url}/stream?reply=greeting&delay=0&ttft=0`, { headers: slow(1000) })
        writeFileSync(scenarios, '- match: { contains: hi }\n  text: Second.\n')
        cli.child.kill('SIGHUP')
        // Said by the SIGHUP path itself (a change seen on disk says only "reloaded").
        await cli.waitFor(/^tokensim: SIGHUP: reloaded /m)
        // Every process answers from the new file (with two workers, requests land on either).
        for (let i = 0; i < 6; i++) expect(await ask(url)).toBe('Second.')
        const answer = await waiting
        expect(answer.status).toBe(200)
        expect(await answer.text()).toMatch(/event: done/)
        expect(cli.child.exitCode).toBeNull()
        // The playing stream was not touched: it plays on to its end... which we do not wait for; stop the server.
        cli.child.kill('SIGTERM')
        expect((await rest()).endsWith(': server shutting down\n\n')).toBe(true)
        expect(await cli.exited).toBe(0)
      },
    )
  }

  it('--help names the signals', { timeout: TEST_MS }, async () => {
    const cli = runCli(['--help'])
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/^Signals: SIGINT and SIGTERM stop it .*gone within 2 s\), SIGHUP reloads the$/m)
  })

  it('without data files it says so and serves on', { timeout: TEST_MS }, async () => {
    const { url, cli } = await startCli()
    cli.child.kill('SIGHUP')
    await cli.waitFor(/^tokensim: SIGHUP: no data files to reload$/m)
    expect((await fetch(`${url}/replies`)).status).toBe(200)
    expect(cli.child.exitCode).toBeNull()
  })
})
