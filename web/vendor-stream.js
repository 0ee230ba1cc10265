/**
 * One vendor-format stream: POSTed with fetch (the settings as x-tokensim-* headers), its body read with the
 * SSE reader, each event shown on the wire and its visible text handed on as tokens, with the same handlers
 * as the native stream (stream.js). Stop aborts the request. A refused request's JSON error body becomes a
 * readable failure, naming the setting at fault when the server does.
 */
import { readSse } from './sse.js'
import { refusal } from './stream.js'

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
  const controller = new AbortController()
  let over = false
  let done = false
  let units = 0

  /** @param {import('./stream.js').StreamFailure} failure */
  const fail = (failure) => {
    if (over) return
    over = true
    controller.abort()
    handlers.onError(failure)
  }

  /** @param {import('./sse.js').SseMessage} message */
  const onMessage = (message) => {
    const at = performance.now()
    if (over) return
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
      handlers.onDone(/** @type {import('./stream.js').DoneData} */ ({ tokens: total ?? (unitsPerEvent === 1 ? units : Number.NaN) }))
    }
  }

  const run = async () => {
    const { url, body } = /** @type {NonNullable<typeof format.request>} */ (format.request)(input)
    let response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify(body),
        signal: controller.signal,
      })
    } catch (error) {
      if (!over) fail({ message: isAbort(error) ? 'The request was aborted.' : describeFetchError(error), param: null })
      return
    }
    if (response.ok) handlers.onOpen?.(performance.now())
    if (!response.ok) {
      const failure = await refusal(response)
      return fail({ ...failure, param: paramOf(failure.message, failure.param) })
    }
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream') || response.body === null) {
      controller.abort()
      return fail({
        message: `The server answered ${response.status} with ${response.headers.get('content-type') ?? 'no content type'}, not an event stream.`,
        param: null,
      })
    }
    try {
      await readSse(response.body, onMessage)
    } catch (error) {
      if (over) return
      return fail({ message: `The stream broke off: ${describeFetchError(error)}`, param: null })
    }
    if (over) return
    if (!done) return fail({ message: `The stream ended before its end (${format.endEvent}).`, param: null })
    over = true
  }
  void run()

  return {
    close() {
      over = true
      controller.abort()
    },
  }
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

/** @param {unknown} error */
const isAbort = (error) => error instanceof DOMException && error.name === 'AbortError'

/** @param {unknown} error */
function describeFetchError(error) {
  if (error instanceof TypeError && /failed to fetch|networkerror|network error|load failed/i.test(error.message))
    return 'Could not reach the tokensim server. Is it running?'
  return error instanceof Error ? error.message : String(error)
}
