/**
 * npm run bench: tokensim against its peers, side by side, in one run.
 *
 *   npm run bench                 # cadence and CPU at 1,000 streams of 50 units/s, then memory at 19,000 streams
 *   npm run bench -- --streams 2000 --window 20000 --runs 3 --only cadence   (or --only memory)
 *   npm run bench -- --servers tokensim,node   (servers whose names start so)
 *   npm run bench -- --only vendor  # the same answer through every vendor route, against /stream
 *   npm run bench -- --only vendor --routes GET,chat   (the routes whose names start so)
 *   npm run bench -- --only vendor-memory --routes GET,chat   # 19,000 streams of each at 1 token/s
 *   npm run bench -- --only many   # 100,000 slow streams of every route, --workers 6, six clients (--streams, --workers, --clients)
 *   npm run bench -- --only churn # 20,000 streams opened and given up at random points (--churn-streams N)
 *   npm run bench -- --quick      # a few seconds a server; the test suite runs this so it cannot rot
 *
 * Each server runs built (see buildAll), pinned to core 0, and the two load clients of bench/load.ts (the bulk
 * one, niced, and the sampler) to core 1 (taskset), so they do not compete for the server's core; run.ts opens
 * and closes the measuring window for all three over IPC. Server CPU per event = the server process's own CPU
 * time (utime + stime, from /proc/PID/stat) over the window / events the clients received in it. Lateness comes
 * from the sampler and, in the server, from bench/lateness-probe.ts. Memory per stream = the server's RSS with
 * every stream open, less its RSS before the first, / streams. Loopback drops and the time the hypervisor stole
 * are read from /proc for the window. Peers: bench/peers/ (the floor only sends; node-minimal and
 * hono-streamsse are what a newcomer writes). See bench/README.md for figures.
 * The memory series leaves the Hono peer out unless --servers names it: at 19,000 streams it saturates its
 * core and takes minutes to open them.
 *
 * The churn series is tokensim's alone (bench/churn.ts has the client and what it does): the server runs with
 * a probe preloaded that reports its heap after a forced GC, its handles and how many of its sockets were
 * collected; a warm-up churn fills what fills once (caches, node:http's parser pool), then the churn, its
 * peaks sampled meanwhile, then the server is left to settle and measured again.
 */
import { build } from 'esbuild'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { setPriority } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ChurnReport, ProbeReport } from './churn.js'
import { scrapeClockLateness, windowLateness } from './clock-lateness.js'
import type { LatenessReport } from './lateness-probe.js'
import type { LoadReport } from './load.js'
import type { StallsReport } from './stalls.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    streams: { type: 'string' },
    window: { type: 'string' },
    runs: { type: 'string', default: '1' },
    servers: { type: 'string' },
    // The vendor series' routes whose names start so (`GET /stream`, `chat`, `responses`, `anthropic`, `gemini`, `ai sdk`)
    routes: { type: 'string' },
    // The many series: server processes, and load client processes (each from a loopback address of its own)
    workers: { type: 'string' },
    clients: { type: 'string' },
    // cadence, vendor, vendor-memory, memory, churn, or a comma-separated list of them; none: all five
    only: { type: 'string' },
    'churn-streams': { type: 'string', default: '20000' },
    // The vendor series' prompts: `same` in every request (each answer's frames shared from its second response
    // on), or `unique` (each stream's prompt of its own length, so that no two answers have the same usage)
    prompts: { type: 'string', default: 'same' },
    // The Node binary tokensim and the peers run under (default: the one running the bench), e.g. a Node 24
    // one, under which `--workers` listen with SO_REUSEPORT (src/node/cluster.ts)
    'server-node': { type: 'string' },
  },
})

const root = fileURLToPath(new URL('..', import.meta.url))
const quick = values.quick
if (values.prompts !== 'same' && values.prompts !== 'unique') throw new Error(`--prompts is same or unique, not ${values.prompts}`)
const uniquePrompts = values.prompts === 'unique'
const pin = existsSync('/usr/bin/taskset') && !quick
const TICK_MS = 10 // CLK_TCK is 100 on Linux

interface Server {
  readonly name: string
  readonly args: readonly string[]
  /** Cores the server may use (default: core 0 alone); only run when --servers names it, if `optIn`. */
  readonly cores?: string
  readonly optIn?: boolean
}

const UNCAPPED = ['--max-streams', '1000000', '--max-streams-per-client', '1000000']
const SERVERS: readonly Server[] = [
  { name: 'floor (only sends)', args: ['dist/bench/peers/floor.js'] },
  { name: 'node:http minimal', args: ['dist/bench/peers/node-minimal.js'] },
  { name: 'hono streamSSE', args: ['dist/bench/peers/hono-streamsse.js'] },
  // Every stream comes from one client address: lift the caps (--max-streams, --max-streams-per-client) above the series'.
  { name: 'tokensim', args: ['dist/cli.js', '--port', '0', ...UNCAPPED] },
  // Both cores for two worker processes, sharing core 1 with the client: run it with --servers tokensim,
  // against `tokensim` on one core, to see what a second process gains on this machine.
  { name: 'tokensim --workers 2', args: ['dist/cli.js', '--port', '0', '--workers', '2', ...UNCAPPED], cores: '0,1', optIn: true },
]

/**
 * Peers of one vendor route, in the vendor series only (they serve no /stream): each runs that route's request
 * and is a row beside tokensim's (`route` is tokensim's row it sits by). Started with `--ttft` the series' warm-up.
 */
const VENDOR_PEERS: ReadonlyArray<Server & { readonly route: string }> = [
  // @copilotkit/aimock, the long reply one chunk per token, paced by its own per-chunk delays (bench/peers/aimock.ts).
  { name: 'aimock chat completions', route: 'chat completions', args: ['dist/bench/peers/aimock.js'] },
]

/**
 * Everything the benchmark runs is built first and run by plain `node`: tokensim as `npm start` runs it
 * (dist/cli.js, from tsc), and the peers, the clients and the probes bundled by esbuild into dist/bench/. Not
 * tsx: its loader is a second V8 isolate in every process it starts, whose own full collections ran on the
 * server's core, in the middle of the window.
 */
const built = `${root}dist/bench`

async function buildAll(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
  await build({
    entryPoints: ['floor', 'node-minimal', 'hono-streamsse', 'aimock']
      .map((peer) => `${root}bench/peers/${peer}.ts`)
      .concat(['load', 'churn', 'lateness-probe', 'stalls'].map((file) => `${root}bench/${file}.ts`)),
    outdir: built,
    outbase: `${root}bench`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  })
}

/**
 * Preloaded into a server, each answering over IPC: `churn` is bench/churn.ts's installProbe (heap after a
 * forced GC, handles, sockets collected), `lateness` is bench/lateness-probe.ts (the lateness of the server's
 * own writes and its GC pauses over the window).
 */
const preload = (file: string, name: string) =>
  `data:text/javascript,${encodeURIComponent(`import { ${name} } from ${JSON.stringify(pathToFileURL(`${built}/${file}`).href)}; ${name}()`)}`
const PROBES = {
  churn: ['--expose-gc', '--import', preload('churn.js', 'installProbe')],
  lateness: ['--import', preload('lateness-probe.js', 'installLatencyProbe')],
} as const

function start(server: Server, delay: number, probe: keyof typeof PROBES): Promise<{ child: ChildProcess; port: number }> {
  const command = [values['server-node'] ?? process.execPath, ...PROBES[probe], ...server.args]
  const child = spawn(pin ? 'taskset' : command[0]!, pin ? ['-c', server.cores ?? '0', ...command] : command.slice(1), {
    cwd: root,
    env: { ...process.env, PORT: '0', DELAY: String(delay) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      const match = /serving http:\/\/127\.0\.0\.1:(\d+)/.exec(line)
      if (match) resolve({ child, port: Number(match[1]) })
    })
    child.once('exit', (code) => reject(new Error(`${server.name} exited with ${code}`)))
  })
}

/** The process and its children (the workers of --workers), from /proc. */
function tree(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
  return [pid, ...(children === '' ? [] : children.split(' ').flatMap((child) => tree(Number(child))))]
}

function cpuMs(pid: number): number {
  let ms = 0
  for (const p of tree(pid)) {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')
    ms += (Number(fields[11]) + Number(fields[12])) * TICK_MS // utime, stime (fields 14 and 15)
  }
  return ms
}

/**
 * Packets the kernel dropped for want of room in a CPU's input queue (/proc/net/softnet_stat, second column,
 * all CPUs): on loopback a burst of sends beyond net.core.netdev_max_backlog (1,000 by default) is dropped
 * and then retransmitted, which makes an event late by 10 ms (a tail-loss probe) to 200 ms and more (a
 * retransmission timeout) whatever the server does. Reported so that such a tail is seen for what it is.
 */
function droppedPackets(): number {
  let dropped = 0
  for (const line of readFileSync('/proc/net/softnet_stat', 'utf8').trim().split('\n')) dropped += parseInt(line.split(' ')[1]!, 16)
  return dropped
}

/**
 * Time the hypervisor gave this VM's CPUs to someone else (/proc/stat, the steal column, all CPUs), in ms: on a
 * shared VM the clearest sign that a run's tail was the machine's.
 */
function stolenMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
  return Number(fields[8] ?? 0) * TICK_MS
}

function rssKb(pid: number): number {
  let kb = 0
  for (const p of tree(pid)) kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1])
  return kb
}

interface Result {
  server: string
  streams: number
  openMs: number
  refused: number
  closedEarly: number
  eventsPerSecond: number
  cpuUsPerEvent: number
  latenessP50: number | null
  latenessP99: number | null
  latenessMax: number | null
  /** The same, measured in the server as it writes (bench/lateness-probe.ts): no loopback, no client. */
  serverP50: number | null
  serverP99: number | null
  serverMax: number | null
  /** The server's clock lateness in the window, every route alike (bench/clock-lateness.ts): p99 ms, and the
   * percentage of timer firings more than 5 ms late. */
  clockP99: number | null
  clockOver5: number | null
  /** The server's GC pauses in the window: their count and the longest, in ms. */
  gcPauses: number
  gcMaxMs: number
  rateMedian: number | null
  rssPerStreamKb: number
  /** The server's CPU time while the streams opened, per stream. */
  openCpuMs: number
  /** The same for the vendor series' first streams, into a server just started (see measure). */
  coldOpenCpuMs: number | null
  /** Loopback packets the kernel dropped in the window (see droppedPackets). */
  dropped: number
  /** CPU time stolen by the hypervisor in the window, both cores (see stolenMs). */
  stolenMs: number
}

/** A load client (bench/load.ts), pinned to core 1, and its first message: every stream open. */
async function loadClient(
  port: number,
  target: Target,
  streams: number,
  sampler: boolean,
  { local, cores = '1' }: { local?: string; cores?: string } = {},
): Promise<{ client: ChildProcess; openMs: number }> {
  const what = typeof target === 'string' ? ['--path', target] : ['--request', requestBytes(target).toString('base64')]
  const command = [process.execPath, `${built}/load.js`, '--port', String(port), ...what, '--streams', String(streams)]
  if (sampler) command.push('--sampler')
  if (local !== undefined) command.push('--local', local)
  if (typeof target !== 'string' && uniquePrompts) command.push('--vary')
  const client = spawn(pin ? 'taskset' : command[0]!, pin ? ['-c', cores, ...command] : command.slice(1), {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  // The bulk client only counts, and when it reads does not matter; the sampler's timestamps do. Niced, the
  // bulk client gives way at once whenever the sampler wakes on the core they share.
  if (!sampler) setPriority(client.pid!, BULK_NICENESS)
  return new Promise((resolve, reject) => {
    client.once('message', (message) => resolve({ client, openMs: (message as { opened: number }).opened }))
    client.once('exit', (code) => reject(new Error(`the load client exited with ${code} before its streams were open`)))
  })
}

/** Sends `message` to a child that answers it with one message; resolves to the answer. */
function request<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T))
    child.send(message)
  })
}

/** What the load clients ask for: a GET of a path, or a vendor route's POST. */
type Target = string | VendorRequest

interface VendorRequest {
  readonly route: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

function requestBytes({ path, headers, body }: VendorRequest): Buffer {
  const json = JSON.stringify(body)
  const head = Object.entries({
    host: '127.0.0.1',
    'content-type': 'application/json',
    ...headers,
    'content-length': Buffer.byteLength(json),
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  return Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n${json}`)
}

/**
 * The vendor series: the same answer (the `long` reply, o200k tokens, one every 20 ms after a first token `ttft`
 * away) through every route, with
 * each SDK's request as it sends it, against /stream with the same reply, unit and delay.
 */
function vendorTargets(delay: number, ttft: number, reply = 'long'): Array<{ route: string; target: Target }> {
  const knobs = {
    'x-tokensim-reply': reply,
    'x-tokensim-unit': 'token',
    'x-tokensim-delay': String(delay),
    'x-tokensim-ttft': String(ttft),
  }
  const user = uniquePrompts ? 'Explain how streaming works. {prompt}' : 'Explain how streaming works.'
  const vendor = (route: string, path: string, body: unknown): { route: string; target: Target } => ({
    route,
    target: { route, path, headers: knobs, body },
  })
  return [
    { route: 'GET /stream', target: `/stream?reply=${reply}&unit=token&delay=${delay}&ttft=${ttft}` },
    vendor('chat completions', '/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: user }] }),
    vendor('responses', '/v1/responses', { model: 'gpt-4o', stream: true, input: user }),
    vendor('anthropic messages', '/v1/messages', {
      model: 'claude-sonnet-4-5',
      max_tokens: 8192,
      stream: true,
      messages: [{ role: 'user', content: user }],
    }),
    vendor('gemini', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: user }] }],
    }),
    vendor('ai sdk /api/chat', '/api/chat', { id: 'bench', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: user }] }] }),
  ]
}

/** The bulk client's nice value (0 is the default, 19 the lowest priority): see loadClient. */
const BULK_NICENESS = 10

/** How many streams the sampler reads event by event; the bulk client holds the rest. */
const SAMPLED = 20

async function measure(server: Server, streams: number, delay: number, warmup: number, window: number, target?: Target): Promise<Result> {
  const { child, port } = await start(server, delay, 'lateness')
  const pid = child.pid!
  const clients: ChildProcess[] = []
  try {
    const units = Math.ceil(((warmup + window) / delay) * 1.5) + 200
    const path = target ?? `/stream?text=${'x'.repeat(units)}&delay=${delay}&ttft=0`
    const baseRss = rssKb(pid)
    // The vendor series opens its streams twice: a first time into a server just started, whose CPU to open
    // includes compiling its code (V8's optimising compiler runs on threads of the same process, and counts);
    // then, once those streams are closed, the measured streams into a server that has served some.
    let coldOpenCpuMs: number | null = null
    if (target !== undefined) {
      const cold = cpuMs(pid)
      const warm = await loadClient(port, path, streams, false)
      coldOpenCpuMs = (cpuMs(pid) - cold) / streams
      warm.client.kill('SIGKILL')
      await sleep(1500)
    }
    const openCpu = cpuMs(pid)
    const sampled = Math.min(SAMPLED, Math.floor(streams / 2))
    const bulk = await loadClient(port, path, streams - sampled, false)
    clients.push(bulk.client)
    const sampler = await loadClient(port, path, sampled, true)
    clients.push(sampler.client)
    // CPU to open a stream: the server's CPU while the streams opened, and the first events they sent meanwhile.
    const openCpuMs = (cpuMs(pid) - openCpu) / streams
    await sleep(warmup)
    // Only tokensim has GET /metrics: a peer may answer any request with a stream.
    const metrics = server.name === 'tokensim'
    const clockBefore = metrics ? await scrapeClockLateness(port) : null
    const cpuStart = cpuMs(pid)
    const droppedStart = droppedPackets()
    const stolenStart = stolenMs()
    const rss = rssKb(pid)
    for (const c of [child, ...clients]) c.send(c === child ? 'lateness-start' : 'window-start')
    await sleep(window)
    const cpuEnd = cpuMs(pid)
    const dropped = droppedPackets() - droppedStart
    const stolen = stolenMs() - stolenStart
    const clockAfter = metrics ? await scrapeClockLateness(port) : null
    const clock = clockBefore !== null && clockAfter !== null ? windowLateness(clockBefore, clockAfter) : null
    const [inServer, bulkReport, samplerReport] = await Promise.all([
      request<LatenessReport>(child, 'lateness-stop'),
      request<LoadReport>(bulk.client, 'window-end'),
      request<LoadReport>(sampler.client, 'window-end'),
    ])
    const events = bulkReport.windowEvents + samplerReport.windowEvents
    return {
      server: server.name,
      streams,
      openMs: bulk.openMs + sampler.openMs,
      refused: bulkReport.refused + samplerReport.refused,
      closedEarly: bulkReport.closedEarly + samplerReport.closedEarly,
      eventsPerSecond: (events * 1000) / bulkReport.windowMs,
      cpuUsPerEvent: ((cpuEnd - cpuStart) * 1000) / Math.max(1, events),
      latenessP50: samplerReport.latenessP50,
      latenessP99: samplerReport.latenessP99,
      latenessMax: samplerReport.latenessMax,
      serverP50: inServer.p50,
      serverP99: inServer.p99,
      serverMax: inServer.max,
      clockP99: clock?.p99 ?? null,
      clockOver5: clock?.over5 ?? null,
      gcPauses: inServer.gcPauses,
      gcMaxMs: inServer.gcMaxMs,
      rateMedian: samplerReport.rateMedian,
      rssPerStreamKb: (rss - baseRss) / streams,
      openCpuMs,
      coldOpenCpuMs,
      dropped,
      stolenMs: stolen,
    }
  } finally {
    for (const c of clients) c.kill('SIGKILL')
    try {
      for (const p of tree(pid).reverse()) process.kill(p, 'SIGKILL')
    } catch {
      child.kill('SIGKILL') // already gone, or its tree could not be read
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const f = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits))

/** A Markdown table under its title, as bench/README.md shows them. */
function printTable(title: string, columns: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): void {
  console.log(`\n${title}`)
  console.log(`| ${columns.join(' | ')} |`)
  console.log(`| ${columns.map(() => '---').join(' | ')} |`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

function table(title: string, results: Result[]): void {
  const floor = results.find((r) => r.server.startsWith('floor'))
  const columns = ['server', 'events/s', 'CPU µs/event', 'x floor', 'lateness p50 / p99 / max ms', 'in the server: p50 / p99 / max ms']
  columns.push('GC pauses / longest ms', 'rate units/s', 'open ms', 'refused', 'RSS KB/stream', 'packets dropped', 'CPU stolen ms')
  printTable(
    title,
    columns,
    results.map((r) => {
      const multiple = floor && floor.cpuUsPerEvent > 0 ? r.cpuUsPerEvent / floor.cpuUsPerEvent : null
      return [
        r.server,
        f(r.eventsPerSecond, 0),
        f(r.cpuUsPerEvent, 2),
        f(multiple, 2),
        `${f(r.latenessP50, 2)} / ${f(r.latenessP99, 2)} / ${f(r.latenessMax, 1)}`,
        `${f(r.serverP50, 2)} / ${f(r.serverP99, 2)} / ${f(r.serverMax, 1)}`,
        `${f(r.gcPauses, 0)} / ${f(r.gcMaxMs, 1)}`,
        f(r.rateMedian, 2),
        f(r.openMs, 0),
        r.refused,
        f(r.rssPerStreamKb, 2),
        r.dropped,
        f(r.stolenMs, 0),
      ]
    }),
  )
}

async function series(
  streams: number,
  delay: number,
  warmup: number,
  window: number,
  runs: number,
  skip: readonly string[] = [],
): Promise<Result[]> {
  const chosen =
    values.servers === undefined
      ? SERVERS.filter((s) => !skip.includes(s.name) && s.optIn !== true)
      : SERVERS.filter((s) => values.servers!.split(',').some((n) => s.name.startsWith(n)))
  const out: Result[] = []
  for (const server of chosen) {
    const all: Result[] = []
    for (let i = 0; i < runs; i++) {
      const r = await measure(server, streams, delay, warmup, window)
      all.push(r)
      // Each run as it ends (the tables give medians): the tails move with the machine, run to run.
      console.error(
        `${server.name}, run ${i + 1}: ${f(r.cpuUsPerEvent, 2)} µs/event, lateness p99 ${f(r.latenessP99, 2)} ms (in the server ${f(r.serverP99, 2)}), max ${f(r.latenessMax, 1)}, opened in ${f(r.openMs, 0)} ms, ${f(r.stolenMs, 0)} ms stolen`,
      )
    }
    // Median of each figure over the runs.
    const m = (key: keyof Result) => median(all.map((r) => r[key] as number))
    const nullable = (key: keyof Result) => (all.some((r) => r[key] === null) ? null : m(key))
    out.push({
      server: server.name,
      streams,
      openMs: m('openMs'),
      refused: Math.max(...all.map((r) => r.refused)),
      closedEarly: Math.max(...all.map((r) => r.closedEarly)),
      eventsPerSecond: m('eventsPerSecond'),
      cpuUsPerEvent: m('cpuUsPerEvent'),
      latenessP50: nullable('latenessP50'),
      latenessP99: nullable('latenessP99'),
      latenessMax: nullable('latenessMax'),
      serverP50: nullable('serverP50'),
      serverP99: nullable('serverP99'),
      clockP99: nullable('clockP99'),
      clockOver5: nullable('clockOver5'),
      serverMax: nullable('serverMax'),
      gcPauses: m('gcPauses'),
      gcMaxMs: m('gcMaxMs'),
      rateMedian: nullable('rateMedian'),
      rssPerStreamKb: m('rssPerStreamKb'),
      openCpuMs: m('openCpuMs'),
      coldOpenCpuMs: null,
      dropped: m('dropped'),
      stolenMs: m('stolenMs'),
    })
  }
  return out
}

/**
 * The vendor series: tokensim, one row per route, the same answer on each (see vendorTargets); with `peers`, each
 * of VENDOR_PEERS after its route's row, on the same request (chosen by --routes by its own name or its route's).
 */
async function vendorSeries(
  streams: number,
  delay: number,
  warmup: number,
  window: number,
  runs: number,
  peers = false,
  reply = 'long',
): Promise<Result[]> {
  const tokensim = SERVERS.find((server) => server.name === 'tokensim')!
  const out: Result[] = []
  // The first token after the warm-up: no event goes out while the streams open, so the CPU they take then is
  // the cost of opening them (the request read, the answer planned, the head written).
  const routes = values.routes?.split(',')
  const chosen = (...names: string[]) => routes === undefined || routes.some((r) => names.some((name) => name.startsWith(r)))
  const targets = vendorTargets(delay, warmup, reply).flatMap(({ route, target }) => [
    ...(chosen(route) ? [{ route, server: tokensim, target }] : []),
    ...(peers ? VENDOR_PEERS : [])
      .filter((peer) => peer.route === route && chosen(peer.name, route))
      .map((peer) => ({ route: peer.name, server: { ...peer, args: [...peer.args, '--ttft', String(warmup)] }, target })),
  ])
  for (const { route, server, target } of targets) {
    const all: Result[] = []
    for (let i = 0; i < runs; i++) {
      const r = await measure(server, streams, delay, warmup, window, target)
      all.push(r)
      console.error(
        `${route}, run ${i + 1}: ${f(r.cpuUsPerEvent, 2)} µs/event, ${f(r.openCpuMs, 2)} ms CPU to open (${f(r.coldOpenCpuMs, 2)} just started), ${f(r.rssPerStreamKb, 1)} KB/stream, ${r.refused} refused, ${f(r.stolenMs, 0)} ms stolen, clock lateness p99 ${f(r.clockP99, 2)} ms, ${r.gcPauses} GC pauses (longest ${f(r.gcMaxMs, 1)} ms)`,
      )
    }
    const m = (key: keyof Result) => median(all.map((r) => r[key] as number))
    const nullable = (key: keyof Result) => (all.some((r) => r[key] === null) ? null : m(key))
    out.push({
      ...all[0]!,
      server: route,
      openMs: m('openMs'),
      refused: Math.max(...all.map((r) => r.refused)),
      eventsPerSecond: m('eventsPerSecond'),
      cpuUsPerEvent: m('cpuUsPerEvent'),
      latenessP99: nullable('latenessP99'),
      serverP99: nullable('serverP99'),
      clockP99: nullable('clockP99'),
      clockOver5: nullable('clockOver5'),
      rateMedian: nullable('rateMedian'),
      rssPerStreamKb: m('rssPerStreamKb'),
      openCpuMs: m('openCpuMs'),
      coldOpenCpuMs: nullable('coldOpenCpuMs'),
      stolenMs: m('stolenMs'),
    })
  }
  return out
}

function vendorTable(title: string, results: Result[]): void {
  const native = results.find((r) => r.server === 'GET /stream')
  const ratio = (x: number, of: number | undefined) => (of !== undefined && of > 0 ? x / of : null)
  const columns = ['route', 'events/s', 'CPU µs/event', 'x /stream', 'CPU ms to open', 'RSS KB/stream', 'x /stream', 'rate events/s']
  columns.push(
    'lateness p99 ms (client / server)',
    'open ms',
    'refused',
    'CPU stolen ms',
    'clock lateness p99 ms',
    'late > 5 ms %',
    'CPU ms to open, just started',
  )
  printTable(
    title,
    columns,
    results.map((r) => [
      r.server,
      f(r.eventsPerSecond, 0),
      f(r.cpuUsPerEvent, 2),
      f(ratio(r.cpuUsPerEvent, native?.cpuUsPerEvent), 2),
      f(r.openCpuMs, 2),
      f(r.rssPerStreamKb, 2),
      f(ratio(r.rssPerStreamKb, native?.rssPerStreamKb), 2),
      f(r.rateMedian, 2),
      `${f(r.latenessP99, 2)} / ${f(r.serverP99, 2)}`,
      f(r.openMs, 0),
      r.refused,
      f(r.stolenMs, 0),
      f(r.clockP99, 2),
      f(r.clockOver5, 3),
      f(r.coldOpenCpuMs, 2),
    ]),
  )
}

/**
 * The many series: tokensim with --workers (the open-file limit, 20,000 here, is per process, so 100,000 streams
 * need at least six), `streams` slow streams (one unit every `delay` ms) of a mix of routes, opened by several
 * load clients at once (each holds at most 20,000 sockets too, each from a loopback address of its own, see
 * bench/load.ts `--local`), all on both cores. Lateness from a sampler's /stream streams (their events carry `t`);
 * memory is the RSS of every server process.
 */
async function manySeries(
  streams: number,
  workers: number,
  clients: number,
  delay: number,
  warmup: number,
  window: number,
): Promise<Result> {
  const server: Server = {
    name: `tokensim --workers ${workers}`,
    args: ['dist/cli.js', '--port', '0', '--workers', String(workers), ...UNCAPPED],
    cores: '0,1',
  }
  const { child, port } = await start(server, delay, 'lateness')
  const pid = child.pid!
  const running: ChildProcess[] = []
  try {
    // The greeting (about 40 tokens, over three minutes at this pace): the long reply would play past --max-duration.
    const routes = vendorTargets(delay, 0, 'greeting')
    const baseRss = rssKb(pid)
    const started = performance.now()
    const bulk = await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        loadClient(port, routes[i % routes.length]!.target, Math.floor(streams / clients), false, {
          local: `127.0.0.${i + 2}`,
          cores: '0,1',
        }),
      ),
    )
    running.push(...bulk.map((b) => b.client))
    const sampler = await loadClient(port, routes[0]!.target, SAMPLED, true, { cores: '0,1' })
    running.push(sampler.client)
    const openMs = performance.now() - started
    await sleep(warmup)
    const clockBefore = await scrapeClockLateness(port)
    const cpuStart = cpuMs(pid)
    const stolenStart = stolenMs()
    const droppedStart = droppedPackets()
    const rss = rssKb(pid)
    for (const c of running) c.send('window-start')
    await sleep(window)
    const cpu = cpuMs(pid) - cpuStart
    const clockAfter = await scrapeClockLateness(port)
    const clock = clockBefore !== null && clockAfter !== null ? windowLateness(clockBefore, clockAfter) : null
    const reports = await Promise.all(running.map((c) => request<LoadReport>(c, 'window-end')))
    const samplerReport = reports.at(-1)!
    const events = reports.reduce((sum, r) => sum + r.windowEvents, 0)
    const open = Math.floor(streams / clients) * clients + SAMPLED
    return {
      server: server.name,
      streams: open,
      openMs,
      refused: reports.reduce((sum, r) => sum + r.refused, 0),
      closedEarly: reports.reduce((sum, r) => sum + r.closedEarly, 0),
      eventsPerSecond: (events * 1000) / samplerReport.windowMs,
      cpuUsPerEvent: (cpu * 1000) / Math.max(1, events),
      latenessP50: samplerReport.latenessP50,
      latenessP99: samplerReport.latenessP99,
      latenessMax: samplerReport.latenessMax,
      serverP50: null,
      serverP99: null,
      serverMax: null,
      clockP99: clock?.p99 ?? null,
      clockOver5: clock?.over5 ?? null,
      gcPauses: 0,
      gcMaxMs: 0,
      rateMedian: samplerReport.rateMedian,
      rssPerStreamKb: (rss - baseRss) / open,
      openCpuMs: 0,
      coldOpenCpuMs: null,
      dropped: droppedPackets() - droppedStart,
      stolenMs: stolenMs() - stolenStart,
    }
  } finally {
    for (const c of running) c.kill('SIGKILL')
    try {
      for (const p of tree(pid).reverse()) process.kill(p, 'SIGKILL')
    } catch {
      child.kill('SIGKILL')
    }
  }
}

/** One run of the churn series: the figures bench/README.md reports. */
interface ChurnResult {
  streams: number
  seconds: number
  /** The server's CPU time (user + system) over the churn, per stream. */
  cpuMsPerStream: number
  failed: number
  /** MB: after the warm-up (settled, forced GC), the highest sampled during the churn (no GC), after (settled, forced GC). */
  heap: [number, number, number]
  rss: [number, number, number]
  /** Sockets the server accepted (warm-up and churn) that were not garbage-collected once it settled. */
  socketsLeft: number
  /** Active handles after the churn beyond those before it, all types. */
  handlesLeft: number
  /** From the churn's last stream to no connection left and every socket collected. */
  settleMs: number
  /** Whether a normal stream played to its end afterwards. */
  then: 'ok' | 'FAILED'
}

/** Asks the server's probe (bench/churn.ts) for a report; one question at a time. */
function ask(child: ChildProcess, message: 'sample' | 'settle'): Promise<ProbeReport> {
  return new Promise((resolve) => {
    child.once('message', (report) => resolve(report as ProbeReport))
    child.send(message)
  })
}

/** Waits until the server has no connection open and has collected every socket (or 20 s, 5 s if --quick), then reports. */
async function settle(child: ChildProcess): Promise<{ report: ProbeReport; ms: number }> {
  const started = performance.now()
  for (;;) {
    const report = await ask(child, 'settle')
    const settled = (report.handles['TCPSocketWrap'] ?? 0) === 0 && report.collected >= report.sockets
    if (settled || performance.now() - started > (quick ? 5000 : 20_000)) return { report, ms: performance.now() - started }
    await sleep(250)
  }
}

/** Runs bench/churn.ts, pinned to core 1 as the load client is. */
async function churnClient(port: number, streams: number, seed: number, concurrency: number): Promise<ChurnReport> {
  const command = [process.execPath, `${built}/churn.js`, '--port', String(port), '--streams', String(streams)]
  command.push('--seed', String(seed), '--concurrency', String(concurrency))
  const client = spawn(pin ? 'taskset' : command[0]!, pin ? ['-c', '1', ...command] : command.slice(1), {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let report: ChurnReport | undefined
  for await (const line of createInterface({ input: client.stdout })) if (line.startsWith('{')) report = JSON.parse(line) as ChurnReport
  if (report === undefined) throw new Error('the churn client gave no report')
  for (const failure of report.failures) console.error(`churn: ${failure}`)
  return report
}

async function churnRun(streams: number, warmup: number, concurrency: number): Promise<ChurnResult> {
  const tokensim = SERVERS.find((server) => server.name === 'tokensim')!
  const { child, port } = await start(tokensim, 0, 'churn')
  const pid = child.pid!
  const mb = (bytes: number) => bytes / (1024 * 1024)
  try {
    await churnClient(port, warmup, 1, concurrency)
    const before = (await settle(child)).report
    const peak = { heap: before.heapUsed, rss: before.rss }
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const sample = await ask(child, 'sample')
        peak.heap = Math.max(peak.heap, sample.heapUsed)
        peak.rss = Math.max(peak.rss, sample.rss, rssKb(pid) * 1024)
        await sleep(200)
      }
    })()
    const cpuStart = cpuMs(pid)
    const report = await churnClient(port, streams, 2, concurrency)
    const cpu = cpuMs(pid) - cpuStart
    sampling = false
    await sampler
    const { report: after, ms: settleMs } = await settle(child)
    let handlesLeft = 0
    for (const [type, count] of Object.entries(after.handles)) handlesLeft += Math.max(0, count - (before.handles[type] ?? 0))
    const body = await fetch(`http://127.0.0.1:${port}/stream?text=ok&delay=0&ttft=0`).then((response) => response.text())
    return {
      streams,
      seconds: report.ms / 1000,
      cpuMsPerStream: cpu / streams,
      failed: report.failed,
      heap: [mb(before.heapUsed), mb(peak.heap), mb(after.heapUsed)],
      rss: [mb(before.rss), mb(peak.rss), mb(after.rss)],
      socketsLeft: after.sockets - after.collected,
      handlesLeft,
      settleMs,
      then: body.includes('\nevent: done\n') ? 'ok' : 'FAILED',
    }
  } finally {
    child.kill('SIGKILL')
  }
}

async function churnSeries(streams: number, warmup: number, concurrency: number, runs: number): Promise<ChurnResult> {
  const all: ChurnResult[] = []
  for (let i = 0; i < runs; i++) all.push(await churnRun(streams, warmup, concurrency))
  const m = (pick: (r: ChurnResult) => number) => median(all.map(pick))
  const worst = (pick: (r: ChurnResult) => number) => Math.max(...all.map(pick))
  return {
    streams,
    seconds: m((r) => r.seconds),
    cpuMsPerStream: m((r) => r.cpuMsPerStream),
    failed: worst((r) => r.failed),
    heap: [m((r) => r.heap[0]), m((r) => r.heap[1]), m((r) => r.heap[2])],
    rss: [m((r) => r.rss[0]), m((r) => r.rss[1]), m((r) => r.rss[2])],
    socketsLeft: worst((r) => r.socketsLeft),
    handlesLeft: worst((r) => r.handlesLeft),
    settleMs: m((r) => r.settleMs),
    then: all.every((r) => r.then === 'ok') ? 'ok' : 'FAILED',
  }
}

function churnTable(title: string, r: ChurnResult): void {
  console.log(`\n${title}`)
  console.log(
    '| server | streams | seconds | streams/s | CPU ms/stream | failed | heap MB before / peak / after | RSS MB before / peak / after | sockets left | handles left | settle ms | then |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  const triple = (xs: readonly number[]) => xs.map((x) => f(x)).join(' / ')
  console.log(
    `| tokensim | ${r.streams} | ${f(r.seconds)} | ${f(r.streams / r.seconds, 0)} | ${f(r.cpuMsPerStream, 2)} | ${r.failed} | ${triple(r.heap)} | ${triple(r.rss)} | ${r.socketsLeft} | ${r.handlesLeft} | ${f(r.settleMs, 0)} | ${r.then} |`,
  )
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** The churn is tokensim's alone: run unless --servers leaves tokensim out. */
const churnWanted = values.servers === undefined || values.servers.split(',').some((n) => 'tokensim'.startsWith(n))

/** bench/stalls.ts on the server's core: how much of it the machine itself takes away. */
function machineStalls(ms: number): StallsReport {
  const command = [process.execPath, `${built}/stalls.js`, '--ms', String(ms)]
  const stdout = execFileSync(pin ? 'taskset' : command[0]!, pin ? ['-c', '0', ...command] : command.slice(1), { encoding: 'utf8' })
  return JSON.parse(stdout) as StallsReport
}

await buildAll()
const runs = Number(values.runs)
const serverNode =
  values['server-node'] === undefined
    ? ''
    : `, servers under ${execFileSync(values['server-node'], ['--version'], { encoding: 'utf8' }).trim()}`
console.log(
  `node ${process.version}${serverNode}, ${pin ? 'server pinned to core 0, client to core 1' : 'no pinning'}, ${runs} run(s) each, medians`,
)
const stalls = machineStalls(quick ? 500 : 5000)
console.log(
  `the machine on the server's core, nothing else running: ${stalls.stalls} stalls of 1 ms or more in ${stalls.ms / 1000} s, ${f(stalls.stalledMs, 1)} ms in all, the longest ${f(stalls.longestMs, 2)} ms`,
)
if (quick) {
  table('quick: 50 streams at 50 units/s', await series(50, 20, 500, 1500, 1))
  if (churnWanted)
    vendorTable('quick vendor routes: 50 streams of the long reply at 50 tokens/s', await vendorSeries(50, 20, 500, 1500, 1, true))
  if (churnWanted) churnTable('quick churn: 1,000 streams given up at random points', await churnSeries(1000, 300, 100, 1))
} else {
  const only = values.only?.split(',')
  const wants = (name: string) => only === undefined || only.includes(name)
  const streams = Number(values.streams ?? 1000)
  const window = Number(values.window ?? 10_000)
  if (wants('cadence')) table(`cadence and CPU: ${streams} streams at 50 units/s`, await series(streams, 20, 3000, window, runs))
  if (wants('vendor') && churnWanted)
    vendorTable(
      `vendor routes: ${streams} streams of the long reply at 50 tokens/s${uniquePrompts ? ', a prompt of its own each' : ''}`,
      await vendorSeries(streams, 20, 3000, window, runs, true),
    )
  if (wants('vendor-memory') && churnWanted)
    // The markdown reply (663 tokens): the long one would play past --max-duration (an hour) at this pace.
    vendorTable(
      'vendor routes, memory: 19,000 streams of the markdown reply at 1 token/s',
      await vendorSeries(19_000, 1000, 3000, 5000, runs, false, 'markdown'),
    )
  if (only?.includes('many')) {
    // Opt-in: about a minute to open, and the whole machine.
    const many = Number(values.streams ?? 100_000)
    const r = await manySeries(many, Number(values.workers ?? 6), Number(values.clients ?? 6), 5000, 5000, window)
    const columns = ['streams', 'opened in ms', 'refused', 'closed early', 'events/s', 'CPU µs/event', 'lateness p50 / p99 / max ms']
    columns.push('rate units/s', 'RSS KB/stream', 'packets dropped', 'CPU stolen ms', 'clock lateness p99 ms', 'late > 5 ms %')
    printTable(
      `many: ${r.streams} streams of a mix of routes at one unit every 5 s, ${r.server}, server and clients on both cores`,
      columns,
      [
        [
          r.streams,
          f(r.openMs, 0),
          r.refused,
          r.closedEarly,
          f(r.eventsPerSecond, 0),
          f(r.cpuUsPerEvent, 2),
          `${f(r.latenessP50, 2)} / ${f(r.latenessP99, 2)} / ${f(r.latenessMax, 1)}`,
          f(r.rateMedian, 3),
          f(r.rssPerStreamKb, 2),
          r.dropped,
          f(r.stolenMs, 0),
          f(r.clockP99, 2),
          f(r.clockOver5, 3),
        ],
      ],
    )
  }
  if (wants('memory')) table('memory: 19,000 streams at 1 unit/s', await series(19_000, 1000, 3000, 5000, runs, ['hono streamSSE']))
  if (wants('churn') && churnWanted) {
    const churned = Number(values['churn-streams'])
    churnTable(`churn: ${churned} streams given up at random points, 500 at a time`, await churnSeries(churned, 2000, 500, runs))
  }
}
