/**
 * What a refused request's response says: its status, its `retry-after`, and the message (and the setting at
 * fault, and the error's type) of its JSON error body, in any vendor's shape. Used by the page (stream.js, to
 * learn why an EventSource failed) and by the arrivals worker (a vendor request refused), so it touches no DOM.
 */

/**
 * Why a stream failed: a refused request, a connection that never opened, a stream that broke off.
 * @typedef {object} StreamFailure
 * @property {string} message
 * @property {string | null} param   the request parameter at fault, when the server names one
 * @property {number} [status]       the HTTP status of a refused request
 * @property {string} [statusText]   its reason phrase
 * @property {string} [retryAfter]   its `retry-after` header
 * @property {string} [code]         the error's type or code, when the server gives one (`overloaded_error`)
 */

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
