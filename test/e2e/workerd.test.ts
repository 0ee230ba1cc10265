/**
 * The same app on the workerd runtime (the open-source runtime of Cloudflare Workers, from the `workerd`
 * package): src/workerd.ts bundled by esbuild as one ES module, served by a real workerd process on a free
 * loopback port, streamed and resumed through it, and every vendor route read by its official SDK.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai'
import { build } from 'esbuild'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { EXPOSED_HEADERS } from '../../src/app/cors.js'
import { readSse, until } from '../helpers/sse.js'
import { freePort } from '../helpers/ports.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
let dir: string
let workerd: ChildProcess
let url: string
/** The same Worker with TOKENSIM_API_KEY and TOKENSIM_CORS set in its environment. */
let keyedUrl: string
let log = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokensim-workerd-'))
  await build({
    entryPoints: [join(root, 'src/workerd.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral', // fails the build if anything reaches for node:*
    mainFields: ['module', 'main'],
    outfile: join(dir, 'worker.js'),
    logLevel: 'silent',
  })
  const port = await freePort()
  const keyedPort = await freePort()
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .tokensim), (name = "keyed", worker = .keyed) ],
  sockets = [
    (name = "http", address = "127.0.0.1:${port}", http = (), service = "main"),
    (name = "keyed", address = "127.0.0.1:${keyedPort}", http = (), service = "keyed"),
  ],
);
const tokensim :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-01-01",
);
const keyed :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-01-01",
  bindings = [
    (name = "TOKENSIM_API_KEY", text = "k-worker"),
    (name = "TOKENSIM_CORS", text = "http://localhost:5173"),
  ],
);
`,
  )
  keyedUrl = `http://127.0.0.1:${keyedPort}`
  workerd = spawn(join(root, 'node_modules/.bin/workerd'), ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  workerd.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()))
  workerd.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()))
  url = `http://127.0.0.1:${port}`
  let up = false
  const poll = async (): Promise<void> => {
    while (!up && workerd.exitCode === null) {
      up = await fetch(`${url}/replies`).then(
        (r) => r.ok,
        () => false,
      )
      if (!up) await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  void poll()
  await until(() => up || workerd.exitCode !== null, `workerd to serve (log: ${log})`, 20_000)
  if (!up) throw new Error(`workerd exited: ${log}`)
}, 30_000)

afterAll(() => {
  workerd?.kill('SIGKILL')
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('tokensim on workerd', () => {
  it('streams every built-in reply exactly, by token', async () => {
    for (const reply of BUILTIN_REPLIES) {
      const response = await fetch(`${url}/stream?reply=${reply.name}&unit=token&delay=0&ttft=0`)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      const read = await readSse(response)
      expect(read.text, reply.name).toBe(reply.text)
      expect(read.done?.tokens).toBe(read.tokens.length)
    }
  })

  it('resumes after Last-Event-ID, and answers 204 after the end', async () => {
    const whole = await readSse(await fetch(`${url}/stream?reply=markdown&unit=word&delay=0&ttft=0`))
    const resumed = await readSse(
      await fetch(`${url}/stream?reply=markdown&unit=word&delay=0&ttft=0`, { headers: { 'last-event-id': '10' } }),
    )
    expect(resumed.text).toBe(
      whole.tokens
        .slice(11)
        .map((t) => t.text)
        .join(''),
    )
    const after = await fetch(`${url}/stream?reply=markdown&unit=word`, { headers: { 'last-event-id': String(whole.tokens.length) } })
    expect(after.status).toBe(204)
  })

  it('paces the stream: 10 units 30 ms apart take at least 270 ms', async () => {
    const started = performance.now()
    const read = await readSse(await fetch(`${url}/stream?text=abcdefghij&delay=30&ttft=0`))
    expect(read.text).toBe('abcdefghij')
    expect(performance.now() - started).toBeGreaterThanOrEqual(260)
  })

  it('reads TOKENSIM_API_KEY and TOKENSIM_CORS from its environment', async () => {
    const origin = 'http://localhost:5173'
    const none = await fetch(`${keyedUrl}/stream?text=hi`, { headers: { origin } })
    expect([none.status, none.headers.get('access-control-allow-origin')]).toEqual([401, origin])
    const other = await fetch(`${keyedUrl}/stream?text=hi&key=k-worker`, { headers: { origin: 'http://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect((await readSse(other)).text).toBe('hi')
    const client = new OpenAI({ baseURL: `${keyedUrl}/v1`, apiKey: 'wrong', maxRetries: 0 })
    expect(await client.models.list().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError)
    const keyed = new OpenAI({ baseURL: `${keyedUrl}/v1`, apiKey: 'k-worker', maxRetries: 0 })
    expect((await keyed.models.list()).data.length).toBeGreaterThan(0)
    // The Worker without them needs no key.
    expect((await fetch(`${url}/replies`)).status).toBe(200)
  })

  it('lets a page on another origin read the same response headers (a 429 with its rate-limit headers)', async () => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json', 'x-tokensim-fault': 'status:429:3' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    })
    await response.arrayBuffer()
    expect([response.status, response.headers.get('retry-after'), response.headers.get('x-ratelimit-remaining-requests')]).toEqual([
      429,
      '3',
      '0',
    ])
    const exposed = response.headers
      .get('access-control-expose-headers')
      ?.split(',')
      .map((name) => name.trim())
    expect(exposed).toEqual([...EXPOSED_HEADERS])
  })

  it('answers bad input with the same 400 JSON error', async () => {
    const response = await fetch(`${url}/stream?unit=byte`)
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('unit')
  })

  describe('every vendor route, read by its official SDK', () => {
    const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0', 'x-tokensim-reply': 'markdown' }
    const expected = BUILTIN_REPLIES.find((r) => r.name === 'markdown')!.text
    const ask = [{ role: 'user' as const, content: 'hi' }]

    it('OpenAI Chat Completions and Responses', async () => {
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
      let text = ''
      for await (const chunk of await openai.chat.completions.create({ model: 'gpt-4o', messages: ask, stream: true }))
        text += chunk.choices[0]?.delta.content ?? ''
      expect(text).toBe(expected)
      const response = await openai.responses.stream({ model: 'gpt-4o', input: 'hi' }).finalResponse()
      const parts = response.output.flatMap((item) => (item.type === 'message' ? item.content : []))
      expect(parts.map((part) => (part.type === 'output_text' ? part.text : '')).join('')).toBe(expected)
    })

    it('Anthropic Messages', async () => {
      const anthropic = new Anthropic({ baseURL: url, apiKey: 'any', defaultHeaders: fast, maxRetries: 0 })
      const message = await anthropic.messages.stream({ model: 'claude-x', max_tokens: 4096, messages: ask }).finalMessage()
      expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: expected })])
      expect(message.stop_reason).toBe('end_turn')
    })

    it('Gemini', async () => {
      const ai = new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: url, headers: fast } })
      let text = ''
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' }))
        text += chunk.text ?? ''
      expect(text).toBe(expected)
    })

    it('the AI SDK UI message stream', async () => {
      const transport = new DefaultChatTransport({ api: `${url}/api/chat`, headers: fast })
      const stream = await transport.sendMessages({
        chatId: 'workerd',
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
      })
      let message: UIMessage | undefined
      for await (const update of readUIMessageStream({ stream })) message = update
      expect(message?.parts.filter((p) => p.type === 'text').map((p) => p.text)).toEqual([expected])
    })
  })
})
