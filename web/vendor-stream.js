/**
 * One vendor-format stream: POSTed with fetch (the settings as x-tokensim-* headers) and its body read with the
 * SSE reader, both in the arrivals worker (arrivals.js), so that each event's arrival is taken as it arrives,
 * apart from the page's rendering; each event shown on the wire and its visible text handed on as tokens, with
 * the same handlers as the native stream (stream.js). Stop aborts the request. A refused request's JSON error
 * body becomes a readable failure, naming the setting at fault when the server does.
 */
import { openArrivals } from './arrivals.js'

/**
 * @typedef {object} VendorRequest
 * @property {import('./formats.js').Format} format
 * @property {import('./formats.js').RequestInput} input
 * @property {Record<string, string>} headers   the x-tokensim-* headers
 * @property {number} unitsPerEvent   units in each text event (the `chunk` setting)
 * @property {number | null} total    units in the whole reply, when known: the last event carries what is left
 */

/**
 * @param {VendorRequest} request
 * @param {import('./stream.js').StreamHandlers} handlers
 * @returns {import('./stream.js').StreamHandle}
 */
export function openVendorStream({ format, input, headers, unitsPerEvent, total }, handlers) {
  let over = false
  let done = false
  let units = 0

  const close = () => {
    over = true
    arrivals.close()
  }

  /** @param {import('./stream.js').StreamFailure} failure */
  const fail = (failure) => {
    if (over) return
    close()
    handlers.onError(failure)
  }

  /** @param {import('./sse.js').SseMessage} message @param {number} at */
  const onMessage = (message, at) => {
    const reading = format.read(message)
    const text = reading.text ?? ''
    handlers.onWire?.(message, at, done ? '' : text)
    if (done) return // the reply is complete; what trails it (a usage chunk, [DONE]) is only shown
    if (text !== '') {
      const count = total === null ? unitsPerEvent : Math.max(1, Math.min(unitsPerEvent, total - units))
      handlers.onToken({ text, index: units, units: count, t: Number.NaN }, at)
      units += count
    }
    if (reading.error !== undefined)
      return fail({ message: reading.error, param: paramOf(reading.error, null), ...(reading.code ? { code: reading.code } : {}) })
    if (reading.end) {
      done = true
      // the unit count, when it is exact: known beforehand, or one unit per event
      handlers.onDone(/** @type {import('./stream.js').DoneData} */ ({ tokens: total ?? (unitsPerEvent === 1 ? units : Number.NaN) }), at)
    }
  }

  /** @param {import('./arrival-reader.js').Report} report */
  const onReport = (report) => {
    if (over) return
    switch (report.kind) {
      case 'open':
        return handlers.onOpen?.(report.at)
      case 'sse':
        return onMessage(report.message, report.at)
      case 'refused':
        return fail({ ...report.failure, param: paramOf(report.failure.message, report.failure.param) })
      case 'not-sse':
        return fail({
          message: `The server answered ${report.status} with ${report.contentType ?? 'no content type'}, not an event stream.`,
          param: null,
        })
      case 'failed':
        return fail({ message: report.aborted ? 'The request was aborted.' : report.message, param: null })
      case 'broke':
        return fail({ message: `The stream broke off: ${report.message}`, param: null })
      case 'end':
        if (!done) return fail({ message: `The stream ended before its end (${format.endEvent}).`, param: null })
        return close()
      case 'event':
      case 'connection':
        return // the native stream's reports: a vendor stream has none
    }
  }

  const { url, body } = /** @type {NonNullable<typeof format.request>} */ (format.request)(input)
  const arrivals = openArrivals(
    {
      type: 'vendor',
      url: new URL(url, location.href).href,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify(body),
    },
    onReport,
  )
  return { close, request: { method: 'POST', url, headers } }
}

/**
 * The page's setting a vendor error names: its `param` or the header its message starts with
 * (`x-tokensim-delay: ...` is the `delay` field).
 * @param {string} message
 * @param {string | null} param
 */
function paramOf(message, param) {
  const header = param ?? /^(x-tokensim-[a-z]+):/.exec(message)?.[1] ?? null
  return header?.startsWith('x-tokensim-') ? header.slice('x-tokensim-'.length) : header
}
