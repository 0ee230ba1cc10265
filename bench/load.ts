/**
 * The load client: opens N streams on raw TCP sockets and keeps itself cheap. Every stream's bytes are only
 * scanned for event ends (a native indexOf); a sample of streams also has its events' scheduled offsets `t`
 * read, to measure lateness against the schedule (anchored per stream at its earliest event: lateness =
 * (arrival - t) - min(arrival - t)) and the delivered rate.
 *
 * Prints `opened` when every stream has its first bytes, `window-start` and `window-end` around the
 * measuring window (the parent reads the server's CPU time at those lines), then one JSON line of results.
 */
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    path: { type: 'string' },
    streams: { type: 'string', default: '100' },
    sample: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2000' },
    window: { type: 'string', default: '5000' },
    // Connections opened at once; the next batch starts when a batch has its first bytes.
    batch: { type: 'string', default: '1000' },
  },
})

const port = Number(values.port)
const streams = Number(values.streams)
const sampleEvery = Math.max(1, Math.floor(streams / Math.max(1, Number(values.sample))))
const request = Buffer.from(`GET ${values.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
const EVENT_END = Buffer.from('\n\n')
const T = /"t":([\d.]+)/g

interface Stream {
  socket: Socket
  events: number
  sampled: boolean
  /** arrival - t, for sampled streams */
  offsets: number[]
  arrivals: number[]
}

let measuring = false
let windowEvents = 0
let refused = 0
let closedEarly = 0
const all: Stream[] = []

function open(index: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    const stream: Stream = { socket, events: 0, sampled: index % sampleEvery === 0, offsets: [], arrivals: [] }
    all.push(stream)
    let first = true
    socket.setNoDelay(true)
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now()
      if (first) {
        first = false
        if (!stream.sampled) socket.pause() // drained in bulk from now on, see drainAll
        resolve()
      }
      let events = 0
      for (let at = chunk.indexOf(EVENT_END); at !== -1; at = chunk.indexOf(EVENT_END, at + 2)) events++
      stream.events += events
      if (measuring) windowEvents += events
      if (stream.sampled && measuring) {
        for (const match of chunk.toString('latin1').matchAll(T)) {
          stream.offsets.push(now - Number(match[1]))
          stream.arrivals.push(now)
        }
      }
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') refused++
      resolve()
    })
    socket.on('close', () => {
      if (measuring) closedEarly++
      resolve()
    })
  })
}

/**
 * Unsampled streams are read in bulk: paused, and every DRAIN_MS resumed for one turn of the event loop, so
 * a socket's events cost a read every DRAIN_MS instead of a callback each, and the client stays cheap. The
 * kernel holds what arrives meanwhile (a few KB), far below the point where the server would see
 * backpressure. The drains are spread over the period, a slice of the sockets every 10 ms, so that no burst of
 * reads delays the sampled streams' timestamps.
 */
const DRAIN_MS = Math.max(200, streams / 10) // 19,000 streams: every 1.9 s
const SLICES = Math.max(1, Math.round(DRAIN_MS / 10))
let slice = 0
const drainTimer = setInterval(() => {
  const paused: Socket[] = []
  for (let i = slice; i < all.length; i += SLICES) {
    const stream = all[i]!
    if (!stream.sampled && stream.socket.isPaused()) paused.push(stream.socket)
  }
  slice = (slice + 1) % SLICES
  for (const socket of paused) socket.resume()
  setImmediate(() => {
    for (const socket of paused) socket.pause()
  })
}, DRAIN_MS / SLICES)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const openStart = performance.now()
const batch = Number(values.batch)
for (let i = 0; i < streams; i += batch) {
  await Promise.all(Array.from({ length: Math.min(batch, streams - i) }, (_, j) => open(i + j)))
}
const openMs = performance.now() - openStart
console.log('opened')
await sleep(Number(values.warmup))
console.log('window-start')
measuring = true
const windowStart = performance.now()
await sleep(Number(values.window))
measuring = false
const windowMs = performance.now() - windowStart
console.log('window-end')

const lateness: number[] = []
const rates: number[] = []
for (const stream of all) {
  if (!stream.sampled || stream.offsets.length < 2) continue
  const anchor = Math.min(...stream.offsets)
  for (const offset of stream.offsets) lateness.push(offset - anchor)
  const span = stream.arrivals.at(-1)! - stream.arrivals[0]!
  if (span > 0) rates.push(((stream.arrivals.length - 1) * 1000) / span)
}
lateness.sort((a, b) => a - b)
rates.sort((a, b) => a - b)
const pick = (xs: number[], p: number) => (xs.length === 0 ? null : xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!)
console.log(
  JSON.stringify({
    streams,
    openMs,
    refused,
    closedEarly,
    windowMs,
    windowEvents,
    latenessP50: pick(lateness, 0.5),
    latenessP99: pick(lateness, 0.99),
    latenessMax: lateness.at(-1) ?? null,
    rateMedian: pick(rates, 0.5),
  }),
)
clearInterval(drainTimer)
for (const stream of all) stream.socket.destroy()
process.exit(0)
