/**
 * One /stream connection through EventSource, read in the arrivals worker (arrivals.js), so that each event's
 * arrival is taken as it arrives, apart from the page's rendering: token and done events (each also shown on
 * the wire), the browser's own reconnection with Last-Event-ID (reported as a resume), and a readable error
 * when the stream cannot open.
 */
import { openArrivals } from './arrivals.js'
import { refusal } from './refusal.js'

/**
 * @typedef {object} TokenData
 * @property {string} text   the text of the units in this event
 * @property {number} index  index of the first unit in it
 * @property {number} units  how many units it carries
 * @property {number} t      scheduled offset in ms after the response started
 *
 * @typedef {object} DoneData
 * @property {number} tokens  units in the whole reply
 * @property {number} sent
 * @property {number} events
 * @property {number} chars
 * @property {string} unit
 * @property {number} duration_ms
 * @property {number} resumed_after
 * @property {number} [headers_ms]     scheduled moment of the response headers
 * @property {number} [first_byte_ms]  scheduled moment of the first byte (the retry line)
 * @property {number} [first_text_ms]  scheduled moment of the first token event
 *
 * @typedef {import('./refusal.js').StreamFailure} StreamFailure
 *
 * @typedef {object} StreamHandlers
 * @property {(data: TokenData, receivedAt: number) => void} onToken
 * @property {(receivedAt: number) => void} [onOpen]   the response headers arrived (the first connection only)
 * @property {(data: DoneData, receivedAt: number) => void} onDone
 * @property {(lastId: string, receivedAt: number) => void} onResume   the connection reopened after a drop
 * @property {() => void} onDrop                   the connection dropped; the browser is reconnecting
 * @property {() => void} onUnreachable            the first connection failed; the browser is retrying
 * @property {(failure: StreamFailure) => void} onError   fatal: the stream is over
 * @property {(message: import('./sse.js').SseMessage, receivedAt: number, text: string) => void} [onWire]
 *   every event as it arrived, with the visible text it added (''), before what it means is handled
 *
 * Every `receivedAt` is the moment the event arrived, in performance.now() ms, taken in the arrivals worker.
 *
 * @typedef {object} StreamHandle
 * @property {() => void} close
 * @property {import('./export.js').StreamRequest} request   what was asked for (for the export)
 */

/**
 * @param {string} url
 * @param {StreamHandlers} handlers
 * @returns {StreamHandle}
 */
export function openStream(url, handlers) {
  let opens = 0
  let lastId = ''
  let lastUnit = -1
  let over = false

  const finish = () => {
    over = true
    arrivals.close()
  }

  /** @param {StreamFailure} failure */
  const fail = (failure) => {
    if (over) return
    finish()
    handlers.onError(failure)
  }

  /** @param {import('./arrival-reader.js').Report} report */
  const onReport = (report) => {
    if (over) return
    const { at } = report
    if (report.kind === 'open') {
      opens += 1
      if (opens === 1) handlers.onOpen?.(at)
      else handlers.onResume(lastId, at)
    } else if (report.kind === 'event' && report.event === 'token') {
      const data = parse(report.data)
      handlers.onWire?.({ event: 'token', data: report.data, id: report.lastEventId }, at, typeof data?.text === 'string' ? data.text : '')
      if (data === undefined || typeof data.text !== 'string')
        return fail({ message: 'The server sent a token event that is not valid JSON.', param: null })
      const index = Number.isInteger(data.index) ? data.index : lastUnit + 1
      const units = Number.isInteger(data.units) && data.units > 0 ? data.units : 1
      if (index + units - 1 <= lastUnit) return // already have it (a resume that overlapped)
      lastUnit = index + units - 1
      lastId = report.lastEventId
      handlers.onToken({ ...data, index, units }, at)
    } else if (report.kind === 'event' && report.event === 'done') {
      handlers.onWire?.({ event: 'done', data: report.data, id: report.lastEventId }, at, '')
      finish()
      handlers.onDone(parse(report.data) ?? {}, at)
    } else if (report.kind === 'event') {
      // a server-sent `event: error`: the stream is over
      handlers.onWire?.({ event: 'error', data: report.data, id: report.lastEventId || null }, at, '')
      const body = parse(report.data)
      const code = body?.error?.code ?? body?.error?.type ?? body?.code
      fail({
        message: body?.error?.message ?? body?.message ?? report.data,
        param: body?.error?.param ?? null,
        ...(typeof code === 'string' ? { code } : {}),
      })
    } else if (report.kind === 'connection' && report.state === 'closed') {
      finish()
      if (opens === 0) {
        void describeFailure(url, 'The stream failed to open, but the server accepts it now: try again.').then(handlers.onError)
      } else {
        // the browser's reconnection was refused: ask the same question (with the unit we had) to learn why
        const resume = new URL(url, location.href)
        if (lastId !== '') resume.searchParams.set('lastEventId', lastId)
        void describeFailure(resume.href, `The connection dropped after unit ${lastId || 'none'} and could not be resumed.`).then(
          handlers.onError,
        )
      }
    } else if (report.kind === 'connection') {
      if (opens > 0) handlers.onDrop()
      else handlers.onUnreachable()
    }
  }

  // read in the arrivals worker: each event's arrival is taken there, apart from the page's rendering
  const arrivals = openArrivals({ type: 'native', url: new URL(url, location.href).href }, onReport)
  return { close: finish, request: { method: 'GET', url, headers: {} } }
}

/**
 * EventSource hides why a stream failed, so ask again with fetch and read the JSON error body
 * (`{"error":{"message","type","param"}}`).
 * @param {string} url
 * @param {string} whenOk  the message when the server does answer with a stream this time
 * @returns {Promise<StreamFailure>}
 */
async function describeFailure(url, whenOk) {
  const controller = new AbortController()
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } })
    if (response.ok) {
      controller.abort() // it streams now: the failure was transient, not a refusal
      return { message: whenOk, param: null }
    }
    return await refusal(response)
  } catch {
    return { message: 'Could not reach the tokensim server. Is it running?', param: null }
  }
}

/** @param {string} text */
function parse(text) {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
