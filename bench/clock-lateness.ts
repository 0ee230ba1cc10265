/**
 * The server's own lateness over a window, for every route alike: GET /metrics's histogram
 * `tokensim_clock_lateness_seconds` (how long after its due moment each stream's timer fired, observed by the
 * clock that plays every stream, src/app/clock.ts), read before and after the window and subtracted.
 *
 * The vendor formats carry no scheduled offset (`t`) for a client or bench/lateness-probe.ts to read, so this
 * is the one lateness figure the vendor series can show for each route, /stream's row included. It is not
 * anchored per stream as the probe's is: a stream late from its start counts as late throughout.
 */
import { request } from 'node:http'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

const NAME = 'tokensim_clock_lateness_seconds'

/** Cumulative counts by upper bound in ms, ascending, the last one `Infinity`. */
export type Buckets = ReadonlyArray<readonly [bound: number, cumulative: number]>

/** The histogram as the server reports it now; null when the server has no such metric (a peer). */
export async function scrapeClockLateness(port: number): Promise<Buckets | null> {
  const text = await get(port, '/metrics').catch(() => null)
  if (text === null) return null
  const family = parsePrometheusTextFormat(text).find((f) => f.name === NAME)
  const buckets = family?.metrics[0]?.buckets
  if (buckets === undefined) return null
  return Object.entries(buckets)
    .map(([le, count]): [number, number] => [le === '+Inf' ? Infinity : Number(le) * 1000, Number(count)])
    .sort((a, b) => a[0] - b[0])
}

export interface WindowLateness {
  /** Timer firings in the window. */
  readonly count: number
  /** The 99th percentile in ms, interpolated within its bucket as Prometheus's histogram_quantile does. */
  readonly p99: number | null
  /** The share of firings more than 5 ms late, in percent (5 ms is a bucket bound, so this is exact). */
  readonly over5: number | null
}

/** What happened between two scrapes of the same process. */
export function windowLateness(before: Buckets, after: Buckets): WindowLateness {
  const counts = after.map(([bound, cumulative], i): [number, number] => [bound, cumulative - (before[i]?.[1] ?? 0)])
  const count = counts.at(-1)?.[1] ?? 0
  if (count === 0) return { count, p99: null, over5: null }
  const within5 = counts.find(([bound]) => bound === 5)?.[1]
  return { count, p99: quantile(counts, 0.99, count), over5: within5 === undefined ? null : ((count - within5) / count) * 100 }
}

function quantile(counts: ReadonlyArray<readonly [number, number]>, q: number, count: number): number {
  const rank = q * count
  let lower = 0
  let below = 0
  for (const [bound, cumulative] of counts) {
    if (cumulative >= rank) {
      // Past the last finite bound nothing can be said but that bound, as histogram_quantile answers.
      if (bound === Infinity) return lower
      return lower + ((bound - lower) * (rank - below)) / Math.max(1, cumulative - below)
    }
    lower = bound
    below = cumulative
  }
  return lower
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in 5 s`)))
    req.end()
  })
}
