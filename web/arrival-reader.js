/**
 * Reads a stream and stamps each of its events with the moment it arrived, before anything else is done with
 * it: the native /stream through EventSource (its reconnects with Last-Event-ID included), a vendor format
 * through fetch and the SSE reader (sse.js). It runs in a dedicated worker (arrivals-worker.js) whose thread
 * does nothing else, so the page's own work (rendering Markdown, the wire pane, a long frame) cannot hold an
 * event back before its time is taken: the page reads what arrived, and when, from the reports (arrivals.js).
 *
 * Every report's `at` is on the clock that the page and its workers share: performance.timeOrigin +
 * performance.now() of the thread that took it, in ms. It touches no DOM, so the page can also run it itself
 * when no worker starts.
 */
import { refusal } from './refusal.js'
import { readSse } from './sse.js'

/**
 * What the page asks for: a stream opened (its id chosen by the page), or closed.
 * @typedef {{ type: 'native', id: number, url: string }
 *   | { type: 'vendor', id: number, url: string, method: string, headers: Record<string, string>, body: string }
 *   | { type: 'close', id: number }} Command
 */

/**
 * What the reader tells the page about a stream, in order:
 * - `open`: the response headers arrived (EventSource open, every time it opens; fetch resolved with a 2xx).
 * - `event`: a native event (`token`, `done`, or a server-sent `error`, which has data), with its data and id.
 * - `connection`: a native connection problem (no data): `connecting` (the browser retries) or `closed`.
 * - `sse`: a vendor stream's event, as the SSE reader parsed it.
 * - `refused`: a vendor request answered with an error status, and what its body says.
 * - `not-sse`: a vendor request answered with something other than an event stream.
 * - `failed`: a vendor request that got no answer (`aborted`: because the page closed it).
 * - `broke`: a vendor stream that failed while being read.
 * - `end`: a vendor stream's body ended.
 * @typedef {{ id: number, at: number } & (
 *   | { kind: 'open' }
 *   | { kind: 'event', event: 'token' | 'done' | 'error', data: string, lastEventId: string }
 *   | { kind: 'connection', state: 'connecting' | 'closed' }
 *   | { kind: 'sse', message: import('./sse.js').SseMessage }
 *   | { kind: 'refused', failure: import('./refusal.js').StreamFailure }
 *   | { kind: 'not-sse', status: number, contentType: string | null }
 *   | { kind: 'failed' | 'broke', aborted: boolean, message: string }
 *   | { kind: 'end' })} Report
 */

/** Now, on the clock the page and its workers share (ms). */
const sharedNow = () => performance.timeOrigin + performance.now()

/**
 * A reader of any number of streams at once: each command in, its reports out through `post`.
 * @param {(report: Report) => void} post
 * @returns {(command: Command) => void}
 */
export function createReader(post) {
  /** @type {Map<number, () => void>} how to close each stream still open */
  const open = new Map()
  /** @param {number} id */
  const forget = (id) => open.delete(id)
  return (command) => {
    if (command.type === 'close') {
      open.get(command.id)?.()
      open.delete(command.id)
    } else if (command.type === 'native') open.set(command.id, readNative(command.id, command.url, post, forget))
    else open.set(command.id, readVendor(command, post, forget))
  }
}

/**
 * @param {number} id
 * @param {string} url
 * @param {(report: Report) => void} post
 * @param {(id: number) => void} forget
 */
function readNative(id, url, post, forget) {
  const source = new EventSource(url)
  const close = () => {
    source.close()
    forget(id)
  }
  source.addEventListener('open', () => post({ id, kind: 'open', at: sharedNow() }))
  for (const name of /** @type {const} */ (['token', 'done'])) {
    source.addEventListener(name, (event) => {
      const at = sharedNow()
      post({ id, kind: 'event', event: name, data: event.data, lastEventId: event.lastEventId, at })
      // the reply is over: closed here and now, before the browser could reconnect to a finished stream
      if (name === 'done') close()
    })
  }
  source.addEventListener('error', (event) => {
    const at = sharedNow()
    // a server-sent `event: error` carries data (and ends the stream); a connection problem does not
    if (event instanceof MessageEvent && typeof event.data === 'string' && event.data !== '') {
      post({ id, kind: 'event', event: 'error', data: event.data, lastEventId: event.lastEventId, at })
      return close()
    }
    const state = source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'
    post({ id, kind: 'connection', state, at })
    if (state === 'closed') forget(id)
  })
  return close
}

/**
 * @param {Extract<Command, { type: 'vendor' }>} command
 * @param {(report: Report) => void} post
 * @param {(id: number) => void} forget
 */
function readVendor({ id, url, method, headers, body }, post, forget) {
  const controller = new AbortController()
  const read = async () => {
    let response
    try {
      response = await fetch(url, { method, headers, body, signal: controller.signal })
    } catch (error) {
      return post({ id, kind: 'failed', aborted: isAbort(error), message: describeFetchError(error), at: sharedNow() })
    }
    const at = sharedNow()
    if (!response.ok) return post({ id, kind: 'refused', failure: await refusal(response), at: sharedNow() })
    post({ id, kind: 'open', at })
    const contentType = response.headers.get('content-type')
    if (!(contentType ?? '').includes('text/event-stream') || response.body === null) {
      controller.abort()
      return post({ id, kind: 'not-sse', status: response.status, contentType, at: sharedNow() })
    }
    try {
      await readSse(response.body, (message) => post({ id, kind: 'sse', message, at: sharedNow() }))
    } catch (error) {
      return post({ id, kind: 'broke', aborted: isAbort(error), message: describeFetchError(error), at: sharedNow() })
    }
    post({ id, kind: 'end', at: sharedNow() })
  }
  void read().finally(() => forget(id))
  return () => controller.abort()
}

/** @param {unknown} error */
const isAbort = (error) => error instanceof DOMException && error.name === 'AbortError'

/** @param {unknown} error */
function describeFetchError(error) {
  if (error instanceof TypeError && /failed to fetch|networkerror|network error|load failed/i.test(error.message))
    return 'Could not reach the tokensim server. Is it running?'
  return error instanceof Error ? error.message : String(error)
}
