/**
 * The metrics in Prometheus's text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): per family a `# HELP` and a
 * `# TYPE` line, then one line per sample, `name{label="value",...} number`, families and samples in a stable
 * order so that two scrapes can be compared by eye. Names follow the conventions
 * (https://prometheus.io/docs/practices/naming/): a `tokensim_` prefix, base units (seconds, bytes) in the name,
 * `_total` on counters.
 */
import { LATENESS_BUCKETS } from './clock.js'
import type { MetricsSnapshot } from './metrics.js'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

type Labels = Readonly<Record<string, string>>

/** One family: its lines, HELP and TYPE first. */
function family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: readonly string[]): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n${samples.join('')}`
}

function sample(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeLabel(text)}"`)
  return `${name}${pairs.length === 0 ? '' : `{${pairs.join(',')}}`} ${number(value)}\n`
}

// In a label value a backslash, a double quote and a line feed are escaped; nothing else is.
const escapeLabel = (text: string): string => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

const number = (value: number): string =>
  value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : Number.isNaN(value) ? 'NaN' : String(value)

/** A family's samples from a record, one label, sorted by its value. */
const byLabel = (name: string, label: string, values: Readonly<Record<string, number>>): string[] =>
  Object.keys(values)
    .sort()
    .map((key) => sample(name, { [label]: key }, values[key]!))

export function renderPrometheus(metrics: MetricsSnapshot): string {
  const requests = Object.keys(metrics.requests)
    .sort()
    .flatMap((route) => {
      const byStatus = metrics.requests[route]!
      return Object.keys(byStatus)
        .sort()
        .map((code) => sample('tokensim_requests_total', { route, code }, byStatus[code]!))
    })
  const families = [
    family('tokensim_requests_total', 'counter', 'Requests answered, by route (as the journal names it) and HTTP status code.', requests),
    family('tokensim_streams_open', 'gauge', 'Streams playing now, by route.', byLabel('tokensim_streams_open', 'route', metrics.open)),
    family(
      'tokensim_stream_sent_frames_total',
      'counter',
      'Frames written on streams, by route (a frame: what a stream sends at one moment, one SSE event or a few due together), ended streams and what open ones have sent so far.',
      byLabel('tokensim_stream_sent_frames_total', 'route', metrics.frames),
    ),
    family(
      'tokensim_stream_sent_bytes_total',
      'counter',
      'Bytes of frames written on streams, by route: ended streams and what open ones have sent so far.',
      byLabel('tokensim_stream_sent_bytes_total', 'route', metrics.bytes),
    ),
    family(
      'tokensim_faults_total',
      'counter',
      'Faults applied to requests, by kind.',
      byLabel('tokensim_faults_total', 'kind', metrics.faults),
    ),
    family('tokensim_rate_limited_total', 'counter', 'Requests refused by --rate-limit.', [
      sample('tokensim_rate_limited_total', {}, metrics.rateLimited),
    ]),
  ]
  const { lateness } = metrics
  if (lateness !== undefined) {
    const name = 'tokensim_clock_lateness_seconds'
    let cumulative = 0
    const buckets = LATENESS_BUCKETS.map((bound, i) =>
      sample(`${name}_bucket`, { le: String(bound) }, (cumulative += lateness.counts[i] ?? 0)),
    )
    const count = lateness.counts.reduce((a, b) => a + b, 0)
    buckets.push(
      sample(`${name}_bucket`, { le: '+Inf' }, count),
      sample(`${name}_sum`, {}, lateness.sum),
      sample(`${name}_count`, {}, count),
    )
    families.push(family(name, 'histogram', 'How late the shared clock ran stream timers after they were due.', buckets))
  }
  return families.join('')
}
