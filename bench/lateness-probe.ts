/**
 * The server's own view of its cadence, for the cadence series of `npm run bench`: bench/run.ts preloads this
 * into a server process (`--import`). It wraps `net.Socket.prototype.write`, and on a sample of the sockets
 * the server accepted reads the scheduled offset `t` out of every event it writes, so that the lateness of a
 * write against its schedule is measured where the write happens, before the loopback and the load client's
 * own event loop add theirs. Anchored per stream as the client does (lateness = (written - t) - min over the
 * stream of (written - t)), so the two figures compare.
 *
 * It also records, over the same window, every pause of V8's garbage collector (`PerformanceObserver`,
 * entry type `gc`) and the event loop's delay (`monitorEventLoopDelay`), which is what a server-side tail is
 * made of when it is not queueing.
 *
 * IPC: 'lateness-start' starts the window; 'lateness-stop' ends it and answers with a LatenessReport.
 */
import { subscribe } from 'node:diagnostics_channel'
import { Socket } from 'node:net'
import { constants, monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'

export interface LatenessReport {
  readonly writes: number
  readonly p50: number | null
  readonly p99: number | null
  readonly max: number | null
  /** GC pauses in the window: how many, their sum, their longest, and by kind ('minor', 'major', ...). */
  readonly gc: { count: number; totalMs: number; maxMs: number; byKind: Record<string, { count: number; maxMs: number }> }
  /** The event loop's delay (a 10 ms resolution histogram of how late its timer callbacks ran): p99 and max. */
  readonly loopDelayP99: number
  readonly loopDelayMax: number
}

/** Every SAMPLE_EVERYth accepted socket is sampled: 20 of the cadence series' 1,000. */
const SAMPLE_EVERY = 50
const T = /"t":([\d.]+)/g
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

export function installLatencyProbe(): void {
  // Sampled sockets and the (written - t) of each event written in the window; kept when a socket closes, so
  // a stream that ends in the window still counts (there are only a few of them).
  const sampled = new Map<Socket, number[]>()
  let accepted = 0
  let measuring = false
  subscribe('net.server.socket', (message) => {
    if (accepted++ % SAMPLE_EVERY === 0) sampled.set((message as { socket: Socket }).socket, [])
  })

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
  } as typeof Socket.prototype.write

  const pauses: { kind: string; ms: number }[] = []
  const observer = new PerformanceObserver((list) => {
    if (!measuring) return
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0
      pauses.push({ kind: GC_KINDS[kind] ?? String(kind), ms: entry.duration })
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const loop = monitorEventLoopDelay({ resolution: 10 })

  process.on('message', (message) => {
    if (message === 'lateness-start') {
      measuring = true
      pauses.length = 0
      loop.reset()
      loop.enable()
    } else if (message === 'lateness-stop') {
      measuring = false
      loop.disable()
      const lateness: number[] = []
      for (const offsets of sampled.values()) {
        if (offsets.length < 2) continue
        let anchor = Infinity
        for (const offset of offsets) anchor = Math.min(anchor, offset)
        for (const offset of offsets) lateness.push(offset - anchor)
        offsets.length = 0
      }
      lateness.sort((a, b) => a - b)
      const pick = (p: number) => (lateness.length === 0 ? null : lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))]!)
      const byKind: Record<string, { count: number; maxMs: number }> = {}
      for (const { kind, ms } of pauses) {
        const entry = (byKind[kind] ??= { count: 0, maxMs: 0 })
        entry.count++
        entry.maxMs = Math.max(entry.maxMs, ms)
      }
      const report: LatenessReport = {
        writes: lateness.length,
        p50: pick(0.5),
        p99: pick(0.99),
        max: lateness.at(-1) ?? null,
        gc: {
          count: pauses.length,
          totalMs: pauses.reduce((sum, { ms }) => sum + ms, 0),
          maxMs: pauses.reduce((max, { ms }) => Math.max(max, ms), 0),
          byKind,
        },
        loopDelayP99: loop.percentile(99) / 1e6,
        loopDelayMax: loop.max / 1e6,
      }
      process.send!(report)
    }
  })
}
