/**
 * Timing accuracy of GET /stream: how late each event arrives against its own schedule.
 *
 *   npm run bench                     # 1 stream and 100 streams of 250 units at delay=20 (50 units/s)
 *   npm run bench -- --streams 500 --units 100 --delay 20
 *   npm run bench -- --quick          # a few seconds; the test suite runs this so the script cannot rot
 *
 * The server runs as its own process (the real CLI), so the client's work does not delay the server's timers.
 * Each token event carries its scheduled offset `t` from the response's start. The client cannot see that
 * start (its own first read comes late: fetch's set-up), so each stream is anchored at its earliest event:
 * lateness = (arrival - t) - min over the stream of (arrival - t). It includes the loopback and the client's
 * own event loop, so it is an upper bound on how far the server strays from its schedule.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createParser } from 'eventsource-parser'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    streams: { type: 'string' },
    units: { type: 'string' },
    delay: { type: 'string', default: '20' },
  },
})

const root = fileURLToPath(new URL('..', import.meta.url))

async function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.setEncoding('utf8')
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (text: string) => {
      output += text
      const match = /serving (http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)))
  })
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

interface StreamResult {
  lateness: number[]
  units: number
  /** ms from the first to the last token event, as received. */
  span: number
  /** ms from the first to the last token event, as scheduled. */
  scheduledSpan: number
}

async function measureStream(url: string): Promise<StreamResult> {
  const response = await fetch(url)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const lateness: number[] = []
  const arrivals: number[] = []
  const scheduled: number[] = []
  let now = 0
  const parser = createParser({
    onEvent(event) {
      if (event.event !== 'token') return
      const { t } = JSON.parse(event.data) as { t: number }
      lateness.push(now - t)
      arrivals.push(now)
      scheduled.push(t)
    },
  })
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    now = performance.now()
    parser.feed(decoder.decode(value, { stream: true }))
  }
  const anchor = Math.min(...lateness)
  return {
    lateness: lateness.map((l) => l - anchor),
    units: arrivals.length,
    span: arrivals.at(-1)! - arrivals[0]!,
    scheduledSpan: scheduled.at(-1)! - scheduled[0]!,
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function run(url: string, streams: number, units: number, delay: number): Promise<void> {
  const text = 'x'.repeat(units)
  const results = await Promise.all(
    Array.from({ length: streams }, () => measureStream(`${url}/stream?text=${text}&delay=${delay}&ttft=0`)),
  )
  const lateness = results.flatMap((r) => r.lateness).sort((a, b) => a - b)
  const rates = results.map((r) => ((r.units - 1) * 1000) / r.span).sort((a, b) => a - b)
  const asked = 1000 / delay
  const f = (n: number) => n.toFixed(2)
  console.log(
    `${String(streams).padStart(5)} streams x ${units} units at ${delay} ms (${asked} units/s):` +
      ` lateness p50 ${f(percentile(lateness, 50))} ms, p99 ${f(percentile(lateness, 99))} ms, max ${f(lateness.at(-1)!)} ms;` +
      ` delivered rate median ${f(percentile(rates, 50))} units/s (asked ${asked})`,
  )
  for (const r of results) if (r.units !== units) throw new Error(`a stream delivered ${r.units} of ${units} units`)
}

const server = await startServer()
try {
  const delay = Number(values.delay)
  // Warm up first (JIT, first connections), unreported: a cold server's first second is not its steady state.
  await Promise.all(Array.from({ length: 20 }, () => measureStream(`${server.url}/stream?text=${'x'.repeat(20)}&delay=1&ttft=0`)))
  if (values.quick) {
    await run(server.url, 1, 50, delay)
    await run(server.url, 20, 50, delay)
  } else if (values.streams !== undefined) {
    await run(server.url, Number(values.streams), Number(values.units ?? 250), delay)
  } else {
    await run(server.url, 1, Number(values.units ?? 250), delay)
    await run(server.url, 100, Number(values.units ?? 250), delay)
  }
} finally {
  await server.stop()
}
