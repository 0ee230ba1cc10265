/**
 * How long hostile but legal requests hold the server's event loop, seen from a stream it plays meanwhile:
 * the real CLI in a process of its own plays a probe stream (one event every 10 ms) while each request below
 * is sent and answered in turn, and the longest gap between two of the probe's events is printed per request
 * (10 ms is the cadence; anything above it is the loop held, by the request or by the machine).
 *
 *   npx tsx bench/hostile.ts
 */
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise<string>((resolve) => {
  createInterface({ input: cli.stdout }).on('line', (line) => {
    const match = /serving (http:\/\/\S+)/.exec(line)
    if (match) resolve(match[1]!)
  })
})
const port = Number(new URL(url).port)

/** CJK text of about `bytes` UTF-8 bytes, varied so that no cache helps. */
function cjk(bytes: number): string {
  let text = ''
  for (let i = 0; i < bytes / 3; i++) text += String.fromCharCode(0x4e00 + ((i * 7919) % 20_000))
  return text
}
const MIB = 1024 * 1024
const chinese = cjk(MIB - 3)
const prompt = cjk(4 * MIB - 1024)
const words = 'abcdefghij '.repeat(Math.floor(MIB / 11))
const post =
  (path: string, body: string, headers: Record<string, string> = {}) =>
  () =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0', ...headers },
      body,
    }).then(async (r) => `${r.status} ${(await r.text()).length} bytes`)
const get = (path: string) => () => fetch(`${url}${path}`).then(async (r) => `${r.status} ${(await r.text()).length} bytes`)

// Built before any probe runs: this process's own work must not fall inside a measurement.
const CASES: Record<string, () => Promise<string>> = {
  '/stream, 1 MiB of CJK as tokens (refused past --max-units)': get(
    `/stream?unit=token&delay=0&ttft=0&text=${encodeURIComponent(chinese)}`,
  ),
  '/stream, 1 MiB of words (95,325 of them)': get(`/stream?unit=word&delay=0&ttft=0&text=${encodeURIComponent(words)}`),
  'chat completions echoing 1 MiB of CJK': post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: chinese }] }),
    {
      'x-tokensim-reply': 'echo',
    },
  ),
  'chat completions with a 4 MB CJK prompt': post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompt }] }),
  ),
  'responses with a 4 MB body nested two million deep': post(
    '/v1/responses',
    `{"model":"m","input":"hi","metadata":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}`,
  ),
}

console.log('| request | answer | longest gap in a 10 ms stream, ms |')
console.log('| --- | --- | --- |')
for (const [name, send] of Object.entries(CASES)) {
  const socket = connect({ port, host: '127.0.0.1' })
  const arrivals: number[] = []
  socket.on('data', (chunk: Buffer) => {
    const now = performance.now()
    const text = chunk.toString('latin1')
    for (let at = text.indexOf('event: token'); at !== -1; at = text.indexOf('event: token', at + 1)) arrivals.push(now)
  })
  socket.write(`GET /stream?text=${'x'.repeat(2000)}&delay=10&ttft=0 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const answer = await send()
  await new Promise((resolve) => setTimeout(resolve, 200))
  socket.destroy()
  const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
  console.log(`| ${name} | ${answer} | ${Math.max(...gaps).toFixed(0)} |`)
}
cli.kill('SIGTERM')
