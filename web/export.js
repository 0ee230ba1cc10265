/**
 * A run's figures as a file to keep: JSON (what was streamed and how, what the profile declares, what this
 * browser measured, the three moments of the start, and every token event with its arrival) or CSV (one row per
 * token event). The format is described in the README's page section ("Export"); `version` changes when it
 * does. The record is built from the stream's StreamStats (stats.js), whose moments are taken where the stream
 * is read (the arrivals worker), so the file holds what arrived, not when the page got round to it.
 */
import { measure } from './percentiles.js'

/**
 * What the page knows of a stream besides its figures.
 * @typedef {object} RunInfo
 * @property {string | null} reply     the canned reply's name, or null for the user's own text
 * @property {string} format           the wire format's id (`native`, `openai-chat`, ...)
 * @property {string} unit
 * @property {string | null} latency   the profile's name, or null for Custom
 * @property {number | null} pane      its pane in the compare view (1, 2, 3), or null
 * @property {string} fault            the fault list, '' for none
 * @property {import('./profiles.js').ProfileStats | undefined} declared
 * @property {Date} startedAt          when Send was pressed, by the wall clock
 * @property {StreamRequest | null} request
 *
 * @typedef {object} StreamRequest
 * @property {string} method
 * @property {string} url               the path and query
 * @property {Record<string, string>} headers   the x-tokensim-* headers of a vendor request
 */

/** The export format's version. */
const EXPORT_VERSION = 1

/** ms to the microsecond: the clock gives no more, and floats would print noise. @param {number | null} ms */
const round = (ms) => (ms === null || !Number.isFinite(ms) ? null : Math.round(ms * 1000) / 1000)

/** @param {import('./profiles.js').Quantiles} q */
const quantiles = (q) => ({ p50: q.p50, p90: q.p90, p99: q.p99, ...(q.max === undefined ? {} : { max: q.max }) })

/**
 * The record of one stream, as it stands at `now` (an export while it streams has `outcome: "streaming"`).
 * @param {RunInfo} info
 * @param {import('./stats.js').StreamStats} stats
 * @param {'done' | 'stopped' | 'error' | null} outcome
 * @param {number} now  performance.now()
 */
export function runRecord(info, stats, outcome, now) {
  const s = stats.snapshot(now)
  const gaps = measure(stats.gaps)
  /** @type {number | null} */
  let previous = null
  const events = stats.arrivals.map(({ index, units, at, t, resumed }) => {
    const gap = previous === null ? null : at - previous
    previous = at
    return { index, units, at: round(at), gap: round(gap), t: Number.isFinite(t) ? t : null, resumed }
  })
  return {
    tokensim: 'run',
    version: EXPORT_VERSION,
    started_at: info.startedAt.toISOString(),
    reply: info.reply,
    format: info.format,
    unit: info.unit,
    latency: info.latency,
    pane: info.pane,
    fault: info.fault,
    request: info.request,
    outcome: outcome ?? 'streaming',
    units: s.units,
    total: s.total,
    reconnects: s.reconnects,
    start: { headers: round(s.headers), first_byte: round(s.firstByte), ttft: round(s.ttft) },
    elapsed: round(s.elapsed),
    tps: round(s.tps),
    declared: info.declared ? { ttft: quantiles(info.declared.ttft), gap: quantiles(info.declared.gap) } : null,
    measured: {
      ttft: round(s.ttft),
      gap: gaps && { count: gaps.count, p50: round(gaps.p50), p90: round(gaps.p90), p99: round(gaps.p99), max: round(gaps.max) },
    },
    events,
  }
}

/** @typedef {ReturnType<typeof runRecord>} RunRecord */

/**
 * The record as JSON: indented, with one event a line.
 * @param {RunRecord} record
 */
function toJson(record) {
  const { events, ...rest } = record
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '')
  return `${head},\n  "events": [${events.map((e) => `\n    ${JSON.stringify(e)}`).join(',')}\n  ]\n}\n`
}

/** The CSV's columns, one row per token event. */
const CSV_COLUMNS = /** @type {const} */ (['index', 'units', 'at', 'gap', 't', 'resumed'])

/**
 * The record's events as CSV (RFC 4180: a header line, comma-separated, CRLF line ends): a missing value is an
 * empty cell, `resumed` is 1 or 0.
 * @param {RunRecord} record
 */
function toCsv(record) {
  const lines = [CSV_COLUMNS.join(',')]
  for (const event of record.events)
    lines.push(CSV_COLUMNS.map((c) => (c === 'resumed' ? (event.resumed ? '1' : '0') : String(event[c] ?? ''))).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/**
 * The file's name: `tokensim-long-fast-pane1-20261206-093012.json`.
 * @param {RunRecord} record
 * @param {'json' | 'csv'} kind
 */
function fileName(record, kind) {
  const d = new Date(record.started_at)
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0')
  const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`
  const safe = (/** @type {string} */ s) => s.replace(/[^\w.-]+/g, '_')
  const pane = record.pane === null ? '' : `-pane${record.pane}`
  return `tokensim-${safe(record.reply ?? 'text')}-${safe(record.latency ?? 'custom')}${pane}-${stamp}.${kind}`
}

/**
 * Downloads the record as a JSON or CSV file.
 * @param {RunRecord} record
 * @param {'json' | 'csv'} kind
 */
export function downloadRecord(record, kind) {
  const blob = kind === 'json' ? new Blob([toJson(record)], { type: 'application/json' }) : new Blob([toCsv(record)], { type: 'text/csv' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName(record, kind)
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
