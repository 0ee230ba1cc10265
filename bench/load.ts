/**
 * The load client: opens N streams on raw TCP sockets. bench/run.ts runs two of them side by side, pinned to
 * the same core, and drives both over IPC:
 *
 * - the **bulk** client holds most of the streams and keeps itself cheap: it only counts events (a native
 *   indexOf for each event end) and reads each socket in bulk, rarely (see `drain`);
 * - the **sampler** holds a few streams, reads every event as it arrives and parses its scheduled offset `t`,
 *   to measure lateness against the schedule, anchored per stream at its earliest event (lateness =
 *   (arrival - t) - min(arrival - t)), and the delivered rate.
 *
 * Two processes, because a timestamp is only as good as the event loop that takes it: in one process the
 * sampled reads waited behind the bulk reads and the client's own garbage collections, which added about 6 ms
 * to the p99 (bench/README.md has the figures). The sampler's loop has nothing else to do.
 *
 * IPC: the client sends `{ opened: ms }` once every stream has its first bytes; the parent sends
 * 'window-start' and 'window-end' around the measuring window, and the client answers the latter with its
 * LoadReport and exits.
 */
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { anchoredLateness, percentile } from './lateness.js'

export interface LoadReport {
  readonly streams: number
  readonly openMs: number
  readonly refused: number
  readonly closedEarly: number
  readonly windowMs: number
  readonly windowEvents: number
  /** The sampler's; null from the bulk client. */
  readonly latenessP50: number | null
  readonly latenessP99: number | null
  readonly latenessMax: number | null
  readonly rateMedian: number | null
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    path: { type: 'string' },
    // The whole request instead (base64 of its bytes): a vendor route's POST with its body.
    request: { type: 'string' },
    streams: { type: 'string', default: '100' },
    // Read every event as it comes and measure lateness (the sampler), rather than count in bulk.
    sampler: { type: 'boolean', default: false },
    // Connections opened at once; the next batch starts when a batch has its first bytes.
    batch: { type: 'string', default: '1000' },
    // The loopback address the bulk client's sockets come from (127.0.0.N): each has its own 22,768 source
    // ports, so several clients together can hold more streams to one server than one address has ports.
    local: { type: 'string', default: '127.0.0.1' },
    // Each stream's prompt its own: `{prompt}` in the request replaced by words as many as the stream's number
    // (mod 1,000), so that no two of 1,000 streams have a prompt of the same length, as in a load test that
    // replays real conversations.
    vary: { type: 'boolean', default: false },
  },
})

const port = Number(values.port)
const streams = Number(values.streams)
const sampler = values.sampler
const request =
  values.request !== undefined
    ? Buffer.from(values.request, 'base64')
    : Buffer.from(`GET ${values.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
/** The request of the `n`-th stream opened (see `vary`). */
function requestOf(n: number): Buffer {
  if (!values.vary) return request
  const [head, body] = request.toString('utf8').split('\r\n\r\n') as [string, string]
  const own = body.replace('{prompt}', `Question ${n}:${' and'.repeat(n % 1000)}`)
  return Buffer.from(`${head.replace(/content-length: \d+/i, `content-length: ${Buffer.byteLength(own)}`)}\r\n\r\n${own}`)
}
let opened = 0
const EVENT_END = Buffer.from('\n\n')
const T = /"t":([\d.]+)/g

interface Stream {
  socket: Socket
  /** arrival - t of each event in the window (the sampler's streams) */
  offsets: number[]
  arrivals: number[]
}

let measuring = false
let windowEvents = 0
let refused = 0
let closedEarly = 0
const all: Stream[] = []

/**
 * Source ports the bulk client binds its sockets to itself, one after another, from a random start, rather
 * than leave the choice to connect(). Linux looks for a free ephemeral port by walking the range (of which
 * connect() tries the even half first), so once some 14,000 sockets are connected to one address each further
 * connect() costs about 1.3 ms of the client's kernel time: 19,000 streams took 7.7 s to open against the floor,
 * and 1.8 s with ports chosen here. Below the ephemeral range (32768 and up), so that other programs' connections
 * do not take them; a port in use is skipped.
 */
const SOURCE_PORTS = { first: 10_000, count: 22_768 }
let nextPort = Math.floor(Math.random() * SOURCE_PORTS.count)
const sourcePort = () => SOURCE_PORTS.first + (nextPort++ % SOURCE_PORTS.count)

function open(): Promise<void> {
  return new Promise((resolve) => {
    const stream: Stream = { socket: connectFrom(), offsets: [], arrivals: [] }
    all.push(stream)
    attach(stream, resolve)
  })
}

/** A socket to the server, from a port of its own (bulk) or from one the kernel picks (the sampler's few). */
function connectFrom(): Socket {
  return sampler
    ? connect({ port, host: '127.0.0.1' })
    : connect({ port, host: '127.0.0.1', localAddress: values.local, localPort: sourcePort() })
}

function attach(stream: Stream, resolve: () => void): void {
  const socket = stream.socket
  let first = true
  socket.setNoDelay(true)
  const own = requestOf(opened++)
  socket.on('connect', () => socket.write(own))
  socket.on('data', (chunk: Buffer) => {
    const now = performance.now()
    if (first) {
      first = false
      if (!sampler) socket.pause() // drained in bulk from now on
      resolve()
    }
    let events = 0
    for (let at = chunk.indexOf(EVENT_END); at !== -1; at = chunk.indexOf(EVENT_END, at + 2)) events++
    if (measuring) windowEvents += events
    if (sampler && measuring) {
      // Lateness where the events say when they were due (`t`, /stream's); the rate from every event.
      for (const match of chunk.toString('latin1').matchAll(T)) stream.offsets.push(now - Number(match[1]))
      for (let i = 0; i < events; i++) stream.arrivals.push(now)
    }
  })
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' && first) {
      // That source port is taken: the same stream from the next one.
      socket.removeAllListeners('close')
      stream.socket = connectFrom()
      return attach(stream, resolve)
    }
    if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') refused++
    resolve()
  })
  socket.on('close', () => {
    if (measuring) closedEarly++
    resolve()
  })
}

/**
 * The bulk client's streams are paused, and every DRAIN_MS resumed for one turn of the event loop, so that a
 * socket's events cost one read every DRAIN_MS instead of a callback each. The kernel holds what arrives
 * meanwhile (a few KB), far below the point where the server would see backpressure. The drains are spread
 * over the period, a slice of the sockets every 10 ms.
 */
const DRAIN_MS = Math.max(500, streams / 10) // 19,000 streams: every 1.9 s
const SLICES = Math.max(1, Math.round(DRAIN_MS / 10))
let slice = 0
const drainTimer = sampler
  ? undefined
  : setInterval(() => {
      const paused: Socket[] = []
      for (let i = slice; i < all.length; i += SLICES) if (all[i]!.socket.isPaused()) paused.push(all[i]!.socket)
      slice = (slice + 1) % SLICES
      for (const socket of paused) socket.resume()
      setImmediate(() => {
        for (const socket of paused) socket.pause()
      })
    }, DRAIN_MS / SLICES)

function report(openMs: number, windowMs: number): LoadReport {
  const lateness = anchoredLateness(all.map((stream) => stream.offsets))
  const rates: number[] = []
  for (const stream of all) {
    const span = stream.arrivals.length < 2 ? 0 : stream.arrivals.at(-1)! - stream.arrivals[0]!
    if (span > 0) rates.push(((stream.arrivals.length - 1) * 1000) / span)
  }
  rates.sort((a, b) => a - b)
  return {
    streams,
    openMs,
    refused,
    closedEarly,
    windowMs,
    windowEvents,
    latenessP50: percentile(lateness, 0.5),
    latenessP99: percentile(lateness, 0.99),
    latenessMax: lateness.at(-1) ?? null,
    rateMedian: percentile(rates, 0.5),
  }
}

const openStart = performance.now()
const batch = Number(values.batch)
for (let i = 0; i < streams; i += batch) await Promise.all(Array.from({ length: Math.min(batch, streams - i) }, open))
const openMs = performance.now() - openStart
let windowStart = 0
process.on('message', (message) => {
  if (message === 'window-start') {
    measuring = true
    windowStart = performance.now()
  } else if (message === 'window-end') {
    measuring = false
    const result = report(openMs, performance.now() - windowStart)
    if (drainTimer !== undefined) clearInterval(drainTimer)
    // Reset, not closed: a socket closed from this side would wait in TIME_WAIT for a minute, its port taken.
    for (const stream of all) stream.socket.resetAndDestroy()
    process.send!(result, () => process.exit(0))
  }
})
process.send!({ opened: openMs })
