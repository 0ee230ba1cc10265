/**
 * Captured streams: the bytes a response delivered, read by read, with when each read arrived, so a stream can
 * be replayed as it was. Two input forms (docs/replay.md):
 * - JSON Lines, what `tokensim record` writes: a header line `{"tokensim_capture":1,...}`, then one
 *   `{"t":MS,"data":TEXT}` line per network read;
 * - a plain `text/event-stream` file, untimed, or timed by `: t=MS` comment lines before its events
 *   (src/core/capture-sse.ts).
 * Parsing is pure and every problem is a CaptureError naming the line, which the file loader prefixes with the file.
 */
import { CaptureError, type Capture, type CaptureRead } from './captured-stream.js'
import { parseSseCapture } from './capture-sse.js'

const CAPTURE_VERSION = 1

/** What a capture's name may be: it goes in a URL path and a header. */
export const CAPTURE_NAME = /^[A-Za-z0-9][\w.-]{0,99}$/
export const CAPTURE_NAME_RULE = 'a capture name is 1 to 100 letters, digits, "-", "_" or ".", starting with a letter or digit'

/** Parses either form: JSON Lines when the first line is a JSON object, else plain SSE. */
export function parseCapture(text: string): Capture {
  return /^\s*\{/.test(text.slice(0, text.search(/\r?\n|$/) + 1)) ? parseJsonLinesCapture(text) : parseSseCapture(text)
}

const HEADER_FIELDS = ['tokensim_capture', 'name', 'status', 'content_type', 'method', 'path', 'recorded_at'] as const

function parseJsonLinesCapture(text: string): Capture {
  const lines = text.split(/\r?\n/)
  const header = object(lines[0] ?? '', 1, 'the capture header')
  const version = header['tokensim_capture']
  if (version !== CAPTURE_VERSION) {
    const problem =
      typeof version === 'number'
        ? `capture version ${version}; this tokensim reads version ${CAPTURE_VERSION}`
        : `the first line must be the capture header {"tokensim_capture":${CAPTURE_VERSION},...}`
    throw new CaptureError(1, problem)
  }
  for (const key of Object.keys(header)) {
    if (!(HEADER_FIELDS as readonly string[]).includes(key))
      throw new CaptureError(1, `unknown header field "${key}"; the header holds ${HEADER_FIELDS.join(', ')}`)
  }
  const field = (key: string, check: (value: unknown) => boolean, what: string, optional = false): unknown => {
    const value = header[key]
    if ((value === undefined && optional) || check(value)) return value
    throw new CaptureError(1, `${key} must be ${what}; got ${value === undefined ? 'nothing' : JSON.stringify(value)}`)
  }
  const isString = (v: unknown): v is string => typeof v === 'string'
  const name = field('name', (v) => isString(v) && CAPTURE_NAME.test(v), CAPTURE_NAME_RULE.replace(/^a capture name is /, ''), true)
  const status = field('status', (v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 599, 'an HTTP status, 100 to 599')
  const contentType = field('content_type', (v) => isString(v) && v.trim() !== '' && !/[\r\n]/.test(v), 'a content type')
  const method = field('method', (v) => isString(v) && /^[A-Z]{1,16}$/.test(v), 'an HTTP method in capitals, e.g. "POST"')
  const path = field('path', (v) => isString(v) && v.startsWith('/') && !/\s/.test(v), 'the request path, starting with "/"')
  const recordedAt = field('recorded_at', (v) => isString(v) && !Number.isNaN(Date.parse(v)), 'an ISO 8601 date and time', true)

  const reads: CaptureRead[] = []
  let last = 0
  lines.forEach((line, index) => {
    if (index === 0 || line.trim() === '') return
    const n = index + 1
    const record = object(line, n, 'a record {"t":MS,"data":TEXT}')
    for (const key of Object.keys(record)) {
      if (key !== 't' && key !== 'data') throw new CaptureError(n, `unknown record field "${key}"; a record holds t and data`)
    }
    const { t, data } = record
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
      throw new CaptureError(n, `t must be a number of ms from the response start, 0 or more; got ${JSON.stringify(t) ?? 'nothing'}`)
    if (t < last)
      throw new CaptureError(n, `t ${t} is earlier than the record before it (t ${last}); records come in the order they arrived`)
    if (typeof data !== 'string')
      throw new CaptureError(n, `data must be the read's bytes as a string; got ${JSON.stringify(data) ?? 'nothing'}`)
    last = t
    reads.push({ t, data })
  })
  return {
    ...(name !== undefined ? { name: name as string } : {}),
    status: status as number,
    contentType: contentType as string,
    method: method as string,
    path: path as string,
    ...(recordedAt !== undefined ? { recordedAt: recordedAt as string } : {}),
    timed: true,
    reads,
  }
}

function object(line: string, n: number, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    throw new CaptureError(n, `not JSON (${(error as Error).message}); expected ${what}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CaptureError(n, `expected ${what}, a JSON object`)
  return value as Record<string, unknown>
}

/** The header line `tokensim record` writes, fields in a fixed order. */
export function formatCaptureHeader(capture: Omit<Capture, 'reads' | 'timed'>): string {
  const header = {
    tokensim_capture: CAPTURE_VERSION,
    ...(capture.name !== undefined ? { name: capture.name } : {}),
    status: capture.status,
    content_type: capture.contentType,
    ...(capture.method !== undefined ? { method: capture.method } : {}),
    ...(capture.path !== undefined ? { path: capture.path } : {}),
    ...(capture.recordedAt !== undefined ? { recorded_at: capture.recordedAt } : {}),
  }
  return `${JSON.stringify(header)}\n`
}

export function formatCaptureRead({ t, data }: CaptureRead): string {
  return `${JSON.stringify({ t, data })}\n`
}

/**
 * The SSE events in a text: blocks ended by a blank line that hold a `data` field (what a client dispatches;
 * comments and a lone `retry:` are not events). An unterminated last block is not dispatched, so not counted.
 */
export function countEvents(text: string): number {
  let events = 0
  let hasData = false
  for (const line of text.split(/\r\n|\r|\n/).slice(0, -1)) {
    if (line === '') {
      if (hasData) events++
      hasData = false
    } else if (line === 'data' || line.startsWith('data:')) hasData = true
  }
  return events
}

/** The offset of the last read, ms; undefined for an untimed capture, whose timing is the replay's gap. */
export function captureDuration(capture: Capture): number | undefined {
  return capture.timed ? (capture.reads.at(-1)?.t ?? 0) : undefined
}
