/**
 * One /stream connection through EventSource: token and done events (each also shown on the wire), the
 * browser's own reconnection with Last-Event-ID (reported as a resume), and a readable error when the stream
 * cannot open.
 */

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
 * @typedef {object} StreamFailure
 * @property {string} message
 * @property {string | null} param   the request parameter at fault, when the server names one
 * @property {number} [status]       the HTTP status of a refused request
 * @property {string} [statusText]   its reason phrase
 * @property {string} [retryAfter]   its `retry-after` header
 * @property {string} [code]         the error's type or code, when the server gives one (`overloaded_error`)
 *
 * @typedef {object} StreamHandlers
 * @property {(data: TokenData, receivedAt: number) => void} onToken
 * @property {(receivedAt: number) => void} [onOpen]   the response headers arrived (the first connection only)
 * @property {(data: DoneData) => void} onDone
 * @property {(lastId: string) => void} onResume   the connection reopened after a drop
 * @property {() => void} onDrop                   the connection dropped; the browser is reconnecting
 * @property {() => void} onUnreachable            the first connection failed; the browser is retrying
 * @property {(failure: StreamFailure) => void} onError   fatal: the stream is over
 * @property {(message: import('./sse.js').SseMessage, receivedAt: number, text: string) => void} [onWire]
 *   every event as it arrived, with the visible text it added (''), before what it means is handled
 *
 * @typedef {object} StreamHandle
 * @property {() => void} close
 */

/**
 * @param {string} url
 * @param {StreamHandlers} handlers
 * @returns {StreamHandle}
 */
export function openStream(url, handlers) {
  const source = new EventSource(url)
  let opens = 0
  let lastId = ''
  let lastUnit = -1
  let over = false

  const finish = () => {
    over = true
    source.close()
  }

  /** @param {StreamFailure} failure */
  const fail = (failure) => {
    if (over) return
    finish()
    handlers.onError(failure)
  }

  source.addEventListener('open', () => {
    if (over) return
    opens += 1
    if (opens === 1) handlers.onOpen?.(performance.now())
    if (opens > 1) handlers.onResume(lastId)
  })

  source.addEventListener('token', (event) => {
    if (over) return
    const at = performance.now()
    const data = parse(event.data)
    handlers.onWire?.({ event: 'token', data: event.data, id: event.lastEventId }, at, typeof data?.text === 'string' ? data.text : '')
    if (data === undefined || typeof data.text !== 'string')
      return fail({ message: 'The server sent a token event that is not valid JSON.', param: null })
    const index = Number.isInteger(data.index) ? data.index : lastUnit + 1
    const units = Number.isInteger(data.units) && data.units > 0 ? data.units : 1
    if (index + units - 1 <= lastUnit) return // already have it (a resume that overlapped)
    lastUnit = index + units - 1
    lastId = event.lastEventId
    handlers.onToken({ ...data, index, units }, at)
  })

  source.addEventListener('done', (event) => {
    if (over) return
    handlers.onWire?.({ event: 'done', data: event.data, id: event.lastEventId }, performance.now(), '')
    finish()
    handlers.onDone(parse(event.data) ?? {})
  })

  source.addEventListener('error', (event) => {
    if (over) return
    // A server-sent `event: error` carries data; a connection problem does not.
    if (event instanceof MessageEvent && typeof event.data === 'string' && event.data !== '') {
      handlers.onWire?.({ event: 'error', data: event.data, id: event.lastEventId || null }, performance.now(), '')
      const body = parse(event.data)
      const code = body?.error?.code ?? body?.error?.type ?? body?.code
      return fail({
        message: body?.error?.message ?? body?.message ?? event.data,
        param: body?.error?.param ?? null,
        ...(typeof code === 'string' ? { code } : {}),
      })
    }
    if (source.readyState === EventSource.CLOSED) {
      finish()
      if (opens === 0) {
        describeFailure(url, 'The stream failed to open, but the server accepts it now: try again.').then(handlers.onError)
      } else {
        // the browser's reconnection was refused: ask the same question (with the unit we had) to learn why
        const resume = new URL(url, location.href)
        if (lastId !== '') resume.searchParams.set('lastEventId', lastId)
        describeFailure(resume.href, `The connection dropped after unit ${lastId || 'none'} and could not be resumed.`).then(
          handlers.onError,
        )
      }
    } else if (opens > 0) {
      handlers.onDrop()
    } else {
      handlers.onUnreachable()
    }
  })

  return { close: finish }
}

/**
 * EventSource hides why a stream failed, so ask again with fetch and read the JSON error body
 * (`{"error":{"message","type","param"}}`).
 * @param {string} url
 * @param {string} whenOk  the message when the server does answer with a stream this time
 * @returns {Promise<StreamFailure>}
 */
export async function describeFailure(url, whenOk) {
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

/**
 * The failure a refused request's response describes: its status, its `retry-after`, and the message (and the
 * setting at fault, and the error's type) of its JSON error body, in any vendor's shape:
 * `{"error":{"message","type","param"}}` (native, OpenAI, AI SDK), `{"type":"error","error":{"message","type"}}`
 * (Anthropic), `{"error":{"code","message","status"}}` (Gemini).
 * @param {Response} response
 * @returns {Promise<StreamFailure>}
 */
export async function refusal(response) {
  const status = { status: response.status, statusText: STATUS_TEXT[response.status] ?? response.statusText }
  const retryAfter = response.headers.get('retry-after')
  const meta = retryAfter === null ? status : { ...status, retryAfter }
  const body = (response.headers.get('content-type') ?? '').includes('json') ? await response.json().catch(() => undefined) : undefined
  const message = body?.error?.message
  if (typeof message !== 'string')
    return { ...meta, message: `The server answered ${response.status} ${status.statusText}`.trim() + '.', param: null }
  const code = [body.error.code, body.error.status, body.error.type].find((c) => typeof c === 'string' && c !== '')
  return { ...meta, message, param: typeof body.error.param === 'string' ? body.error.param : null, ...(code ? { code } : {}) }
}

/** The reason phrases of the statuses a fault may inject (529 is Anthropic's own: Node calls it unknown). @type {Record<number, string>} */
const STATUS_TEXT = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  529: 'Overloaded',
}

/** @param {string} text */
function parse(text) {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
