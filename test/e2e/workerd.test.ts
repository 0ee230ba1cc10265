/**
 * The same app on the workerd runtime (the open-source runtime of Cloudflare Workers, from the `workerd`
 * package): src/worker.ts bundled by esbuild as one ES module, served by a real workerd process on a free
 * loopback port, streamed and resumed through it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { readSse, until } from '../helpers/sse.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
let dir: string
let workerd: ChildProcess
let url: string
let log = ''

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokensim-workerd-'))
  await build({
    entryPoints: [join(root, 'src/worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral', // fails the build if anything reaches for node:*
    mainFields: ['module', 'main'],
    outfile: join(dir, 'worker.js'),
    logLevel: 'silent',
  })
  const port = await freePort()
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .tokensim) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const tokensim :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-01-01",
);
`,
  )
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

  it('answers bad input with the same 400 JSON error', async () => {
    const response = await fetch(`${url}/stream?unit=byte`)
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('unit')
  })
})
