/**
 * The figures GET /metrics tells (src/app/routes/metrics.ts renders them): requests by route and status,
 * streams open and what streams sent by route, faults by kind and rate-limit refusals. One registry per app
 * (factories, not singletons), fed from the edges: a middleware counts each request once answered, a `deliver`
 * wrapper sees each stream open and end, and the fault and rate-limit paths report what they decided.
 *
 * Nothing is counted per event. A stream's frames and bytes are read from the player's own counters (`sent`,
 * `sentBytes`, src/app/streams.ts OpenStream) when it ends, and, for the streams still open, when
 * `snapshot` is called: a scrape walks the open streams (one set add and delete per stream, no more), so the
 * counters go up as streams play, not only when they end.
 */
import type { MiddlewareHandler } from 'hono'
import type { Fault } from '../core/faults.js'
import type { Decision } from '../core/rate-limit.js'
import type { Lateness } from './clock.js'
import type { Deliver } from './deliver.js'
import { routeName } from './journal.js'
import type { RateLimitStore } from './request-rate-limits.js'
import type { OpenStream, StreamRegistry } from './streams.js'

/**
 * The figures at one moment, as plain data: what a process answers its peers (node:cluster's IPC carries it as
 * JSON) and what `mergeSnapshots` adds up.
 */
export interface MetricsSnapshot {
  /** Requests answered, by route, then by status code. */
  readonly requests: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Streams playing now, by route (a route that had streams stays, at 0). */
  readonly open: Readonly<Record<string, number>>
  /** Frames and bytes sent on streams, ended and open, by route. */
  readonly frames: Readonly<Record<string, number>>
  readonly bytes: Readonly<Record<string, number>>
  /** Faults that applied to requests, by kind (`status`, `error-after`, ...). */
  readonly faults: Readonly<Record<string, number>>
  /** Requests refused by `--rate-limit`. */
  readonly rateLimited: number
  /** How late the shared clock ran stream timers (src/app/clock.ts); none from a clock that keeps none. */
  readonly lateness?: Lateness | undefined
}

export interface Metrics {
  request(route: string, status: number): void
  streamOpened(route: string, stream: OpenStream): void
  streamEnded(route: string, stream: OpenStream): void
  faults(faults: readonly Fault[]): void
  rateLimited(): void
  snapshot(lateness?: Lateness): MetricsSnapshot
}

/** A route's streams: those open now, and what the ended ones sent. */
interface RouteStreams {
  readonly open: Set<OpenStream>
  frames: number
  bytes: number
}

export function createMetrics(): Metrics {
  const requests = new Map<string, Map<number, number>>()
  const streams = new Map<string, RouteStreams>()
  const faults = new Map<string, number>()
  let rateLimited = 0
  const streamsOf = (route: string): RouteStreams => {
    let of = streams.get(route)
    if (of === undefined) streams.set(route, (of = { open: new Set(), frames: 0, bytes: 0 }))
    return of
  }
  return {
    request(route, status) {
      let byStatus = requests.get(route)
      if (byStatus === undefined) requests.set(route, (byStatus = new Map<number, number>()))
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
    },
    streamOpened(route, stream) {
      streamsOf(route).open.add(stream)
    },
    streamEnded(route, stream) {
      const of = streamsOf(route)
      // Counted once: a stream that was not open (ended twice) adds nothing again.
      if (!of.open.delete(stream)) return
      of.frames += stream.sent ?? 0
      of.bytes += stream.sentBytes ?? 0
    },
    faults(applied) {
      for (const { kind } of applied) faults.set(kind, (faults.get(kind) ?? 0) + 1)
    },
    rateLimited() {
      rateLimited++
    },
    snapshot(lateness) {
      const open: Record<string, number> = {}
      const frames: Record<string, number> = {}
      const bytes: Record<string, number> = {}
      for (const [route, of] of streams) {
        let sentFrames = of.frames
        let sentBytes = of.bytes
        for (const stream of of.open) {
          sentFrames += stream.sent ?? 0
          sentBytes += stream.sentBytes ?? 0
        }
        open[route] = of.open.size
        frames[route] = sentFrames
        bytes[route] = sentBytes
      }
      const byRoute: Record<string, Record<string, number>> = {}
      for (const [route, byStatus] of requests) byRoute[route] = Object.fromEntries(byStatus)
      return { requests: byRoute, open, frames, bytes, faults: Object.fromEntries(faults), rateLimited, lateness }
    },
  }
}

/** The figures of several processes (`--workers`) added up: counts by label, and the histograms bucket by bucket. */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const requests: Record<string, Record<string, number>> = {}
  const open: Record<string, number> = {}
  const frames: Record<string, number> = {}
  const bytes: Record<string, number> = {}
  const faults: Record<string, number> = {}
  let rateLimited = 0
  let lateness: { counts: number[]; sum: number } | undefined
  const add = (into: Record<string, number>, from: Readonly<Record<string, number>>): void => {
    for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value
  }
  for (const snapshot of snapshots) {
    for (const [route, byStatus] of Object.entries(snapshot.requests)) add((requests[route] ??= {}), byStatus)
    add(open, snapshot.open)
    add(frames, snapshot.frames)
    add(bytes, snapshot.bytes)
    add(faults, snapshot.faults)
    rateLimited += snapshot.rateLimited
    if (snapshot.lateness === undefined) continue
    lateness ??= { counts: snapshot.lateness.counts.map(() => 0), sum: 0 }
    const counts = lateness.counts
    snapshot.lateness.counts.forEach((count, i) => (counts[i] = (counts[i] ?? 0) + count))
    lateness.sum += snapshot.lateness.sum
  }
  return { requests, open, frames, bytes, faults, rateLimited, lateness }
}

/**
 * What the metrics call a request's route: the journal's name (src/app/journal.ts routeName), and
 * `journal` and `metrics` for those two, which the journal does not keep.
 */
function metricsRoute(path: string): string {
  return path === '/journal' || path === '/metrics' ? path.slice(1) : routeName(path)
}

/**
 * Counts every request once answered, by route and status; CORS preflights (which the cors middleware before
 * this one answers) and the page's files are left out, as the journal leaves them out. A stream counts when its
 * head is decided (the route returns), with the status of its head.
 */
export function countRequests(metrics: Metrics, isStatic: (path: string) => boolean): MiddlewareHandler {
  return async function countRequests(c, next) {
    const { method, path } = c.req
    if ((method === 'GET' || method === 'HEAD') && isStatic(path)) return next()
    await next()
    metrics.request(metricsRoute(path), c.res.status)
  }
}

/**
 * `deliver`, telling `metrics` when each stream opens and ends, through a registry wrapped around the app's as
 * src/app/journal.ts journalStreams does: only the opening of a stream does more work, playing does none.
 */
export function countStreams(deliver: Deliver, metrics: Metrics): Deliver {
  return (c, frames, headers, options) => {
    const route = metricsRoute(c.req.path)
    const inner = options.registry
    const registry: StreamRegistry = {
      add(stream) {
        inner.add(stream)
        metrics.streamOpened(route, stream)
      },
      delete(stream) {
        inner.delete(stream)
        metrics.streamEnded(route, stream)
      },
      get size() {
        return inner.size
      },
      endAll: (reason) => inner.endAll(reason),
    }
    return deliver(c, frames, headers, { ...options, registry })
  }
}

/** `store`, counting the requests it refuses (with `--workers` the primary decides, and the worker that asked counts). */
export function countRefusals(store: RateLimitStore, metrics: Metrics): RateLimitStore {
  const counted = (decision: Decision): Decision => {
    if (decision.refused !== undefined) metrics.rateLimited()
    return decision
  }
  return {
    config: store.config,
    take(key, tokens) {
      const decision = store.take(key, tokens)
      return decision instanceof Promise ? decision.then(counted) : counted(decision)
    },
  }
}
