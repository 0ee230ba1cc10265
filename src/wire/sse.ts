/**
 * The one place that writes Server-Sent Events framing, per the WHATWG HTML spec, section 9.2
 * ("Server-sent events", https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * - lines end with LF only (the spec also accepts CR and CRLF, so a payload's own CR must be a line break too);
 * - a payload spanning lines is one `data:` field per line, which the client joins with LF;
 * - `id` and `event` must not contain CR or LF (nor NUL, for id: the spec ignores such an id), so they are
 *   rejected rather than silently cut;
 * - every event ends with a blank line; an event with no data is never written, as the client drops it.
 */

export interface SseEvent {
  readonly data: string
  readonly event?: string
  readonly id?: string
  /** Reconnection time in ms, sent with the event. */
  readonly retry?: number
}

const LINE_BREAK = /\r\n|\r|\n/

/** One event, fields in the order id, event, retry, data, and its closing blank line. */
export function sseEvent({ data, event, id, retry }: SseEvent): string {
  let out = ''
  if (id !== undefined) out += `id: ${checkField('id', id)}\n`
  if (event !== undefined) out += `event: ${checkField('event', event)}\n`
  if (retry !== undefined) out += `retry: ${checkRetry(retry)}\n`
  for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`
  return `${out}\n`
}

/**
 * One `data:` event whose payload is JSON text (JSON.stringify's output, or JSON joined from such pieces): JSON
 * never holds a raw CR or LF (they are escaped inside strings), so the payload is one line and need not be
 * searched for line breaks. The hot path of every vendor stream, one call per event.
 */
export function sseJsonData(json: string): string {
  return `data: ${json}\n\n`
}

/** A reconnection time on its own: the client stores it and dispatches nothing. */
export function sseRetry(ms: number): string {
  return `retry: ${checkRetry(ms)}\n\n`
}

/** A comment (`: text`), which clients ignore: keeps proxies from timing out an idle stream. */
export function sseComment(text = ''): string {
  return (
    text
      .split(LINE_BREAK)
      .map((line) => (line === '' ? ':\n' : `: ${line}\n`))
      .join('') + '\n'
  )
}

function checkField(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new RangeError(`SSE ${name} must not contain CR, LF or NUL: ${JSON.stringify(value)}`)
  return value
}

function checkRetry(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`SSE retry must be a whole number of ms, got ${ms}`)
  return ms
}
