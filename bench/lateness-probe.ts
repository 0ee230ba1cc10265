/**
 * The server's own view of its cadence, for the cadence series of `npm run bench`: bench/run.ts preloads this
 * into a server process (`--import`). It wraps `net.Socket.prototype.write`, and on a sample of the sockets
 * the server accepted reads the scheduled offset `t` out of every event it writes, so that the lateness of a
 * write against its schedule is measured where the write happens, before the loopback and the load client's
 * own event loop add theirs. Anchored per stream as the client does (bench/lateness.ts) (lateness = (written - t) - min over the
 * stream of (written - t)), so the two figures compare.
 *
 * It also records, over the same window, every pause of V8's garbage collector (`PerformanceObserver`, entry
 * type `gc`), part of what a server-side tail is made of when it is not queueing.
 *
 * IPC: 'lateness-start' starts the window; 'lateness-stop' ends it and answers with a LatenessReport.
 */
import { subscribe } from 'node:diagnostics_channel'
import { Socket } from 'node:net'
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { anchoredLateness, percentile } from './lateness.js'

export interface LatenessReport {
  readonly p50: number | null
  readonly p99: number | null
  readonly max: number | null
  /** GC pauses in the window: how many, and the longest in ms. */
  readonly gcPauses: number
  readonly gcMaxMs: number
}

/** Every SAMPLE_EVERYth accepted socket is sampled: 20 of the cadence series' 1,000. */
const SAMPLE_EVERY = 50
const T = /"t":([\d.]+)/g

export function installLatencyProbe(): void {
  // Sampled sockets and the (written - t) of each event written in the window; kept when a socket closes, so
  // a stream that ends in the window still counts (there are only a few of them).
  const sampled = new Map<Socket, number[]>()
  let accepted = 0
  let measuring = false
  subscribe('net.server.socket', (message) => {
    if (accepted++ % SAMPLE_EVERY === 0) sampled.set((message as { socket: Socket }).socket, [])
  })

  // eslint-disable-next-line @typescript-eslint/unbound-method -- the original write, called below with its socket as this
  const write = Socket.prototype.write as (this: Socket, ...args: unknown[]) => boolean
  Socket.prototype.write = function (this: Socket, ...args: unknown[]): boolean {
    if (measuring) {
      const offsets = sampled.get(this)
      const chunk = args[0]
      if (offsets !== undefined && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
        const now = performance.now()
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')
        for (const match of text.matchAll(T)) offsets.push(now - Number(match[1]))
      }
    }
    return write.apply(this, args)
  }

  let gcPauses = 0
  let gcMaxMs = 0
  const observer = new PerformanceObserver((list) => {
    if (!measuring) return
    for (const entry of list.getEntries()) {
      gcPauses++
      gcMaxMs = Math.max(gcMaxMs, entry.duration)
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  process.on('message', (message) => {
    if (message === 'lateness-start') {
      measuring = true
      gcPauses = gcMaxMs = 0
    } else if (message === 'lateness-stop') {
      measuring = false
      const lateness = anchoredLateness(sampled.values())
      for (const offsets of sampled.values()) offsets.length = 0
      const report: LatenessReport = {
        p50: percentile(lateness, 0.5),
        p99: percentile(lateness, 0.99),
        max: lateness.at(-1) ?? null,
        gcPauses,
        gcMaxMs,
      }
      process.send!(report)
    }
  })
}
