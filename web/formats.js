/**
 * The wire formats the page can stream in: tokensim's native /stream (read by EventSource, see stream.js) and
 * the vendor formats the server speaks (POSTed with fetch, see vendor-stream.js). Per vendor format: the request
 * it makes and how to read one of its events: the visible text it carries, whether it ends the reply, or an
 * error it reports.
 */

/** @typedef {'native' | 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini' | 'ai-sdk-ui'} FormatId */

/**
 * What one event of a format means for the reply.
 * @typedef {object} Reading
 * @property {string} [text]   visible text the event adds ('' counts as none)
 * @property {boolean} [end]   the format's last event: the reply is complete
 * @property {string} [error]  the stream reports an error (the reply is over)
 * @property {string} [code]   that error's type or code, when it gives one (`overloaded_error`, `INTERNAL`)
 */

/**
 * What a vendor request is made of.
 * @typedef {object} RequestInput
 * @property {string} text    the user message
 * @property {string} chatId  the conversation's id (the AI SDK sends one)
 * @property {string} messageId
 */

/**
 * @typedef {object} Format
 * @property {FormatId} id
 * @property {string} label
 * @property {'GET' | 'POST'} method
 * @property {string} path      the endpoint, as shown
 * @property {string} note      a line on what its stream looks like
 * @property {string} endEvent  what ends its stream, for messages
 * @property {((input: RequestInput) => { url: string, body: object }) | null} request   null: native (EventSource)
 * @property {(message: import('./sse.js').SseMessage) => Reading} read   what one event of a vendor stream means
 */

/** @param {string} data */
function json(data) {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}

/** @param {unknown} value */
const str = (value) => (typeof value === 'string' ? value : undefined)

/**
 * An in-stream error: its message and its type or code, in any vendor's shape.
 * @param {any} body
 * @returns {Reading}
 */
function streamError(body) {
  const code = [body?.error?.code, body?.error?.status, body?.error?.type, body?.code].find((c) => typeof c === 'string' && c !== '')
  return code ? { error: errorMessage(body), code } : { error: errorMessage(body) }
}

/** @param {any} body  an error object's message, in any vendor's shape */
const errorMessage = (body) => str(body?.error?.message) ?? str(body?.message) ?? str(body?.errorText) ?? 'The server reported an error.'

/** @type {readonly Format[]} */
export const FORMATS = [
  {
    id: 'native',
    label: 'Native /stream',
    method: 'GET',
    path: '/stream',
    note: 'token events with ids, then done; EventSource resumes with Last-Event-ID',
    endEvent: 'done',
    request: null,
    read: () => ({}), // EventSource reads it, in stream.js
  },
  {
    id: 'openai-chat',
    label: 'OpenAI Chat Completions',
    method: 'POST',
    path: '/v1/chat/completions',
    note: 'chat.completion.chunk objects with choices[0].delta.content, a usage chunk, then data: [DONE]',
    endEvent: 'data: [DONE]',
    request: ({ text }) => ({
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o', messages: [{ role: 'user', content: text }], stream: true, stream_options: { include_usage: true } },
    }),
    read: ({ data }) => {
      if (data === '[DONE]') return { end: true }
      const chunk = json(data)
      if (chunk?.error) return streamError(chunk)
      return { text: str(chunk?.choices?.[0]?.delta?.content) ?? '' }
    },
  },
  {
    id: 'openai-responses',
    label: 'OpenAI Responses',
    method: 'POST',
    path: '/v1/responses',
    note: 'typed events with sequence numbers; the text comes in response.output_text.delta',
    endEvent: 'response.completed',
    request: ({ text }) => ({ url: '/v1/responses', body: { model: 'gpt-4o', input: text, stream: true } }),
    read: ({ event, data }) => {
      const body = json(data)
      const type = str(body?.type) ?? event
      if (type === 'response.output_text.delta') return { text: str(body?.delta) ?? '' }
      if (type === 'response.completed' || type === 'response.incomplete') return { end: true }
      if (type === 'response.failed') return streamError(body?.response)
      if (type === 'error') return streamError(body)
      return {}
    },
  },
  {
    id: 'anthropic-messages',
    label: 'Anthropic Messages',
    method: 'POST',
    path: '/v1/messages',
    note: 'named events: message_start, content_block_delta (text_delta) … message_stop',
    endEvent: 'message_stop',
    request: ({ text }) => ({
      url: '/v1/messages',
      body: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: text }], stream: true },
    }),
    read: ({ event, data }) => {
      const body = json(data)
      const type = str(body?.type) ?? event
      if (type === 'content_block_delta' && body?.delta?.type === 'text_delta') return { text: str(body.delta.text) ?? '' }
      if (type === 'message_stop') return { end: true }
      if (type === 'error') return streamError(body)
      return {}
    },
  },
  {
    id: 'gemini',
    label: 'Gemini',
    method: 'POST',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    note: 'whole GenerateContentResponse chunks; the one with a finishReason is the last',
    endEvent: 'a finishReason',
    request: ({ text }) => ({
      url: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      body: { contents: [{ role: 'user', parts: [{ text }] }] },
    }),
    read: ({ data }) => {
      const body = json(data)
      if (body?.error) return streamError(body)
      const candidate = body?.candidates?.[0]
      const parts = Array.isArray(candidate?.content?.parts) ? candidate.content.parts : []
      const text = parts.map((/** @type {any} */ part) => (part?.thought === true ? '' : (str(part?.text) ?? ''))).join('')
      return { text, end: typeof candidate?.finishReason === 'string' }
    },
  },
  {
    id: 'ai-sdk-ui',
    label: 'AI SDK UI',
    method: 'POST',
    path: '/api/chat',
    note: "useChat's UI message stream: start, text-start, text-delta … finish, then data: [DONE]",
    endEvent: 'data: [DONE]',
    request: ({ text, chatId, messageId }) => ({
      url: '/api/chat',
      body: { id: chatId, messages: [{ id: messageId, role: 'user', parts: [{ type: 'text', text }] }], trigger: 'submit-message' },
    }),
    read: ({ data }) => {
      if (data === '[DONE]') return { end: true }
      const chunk = json(data)
      if (chunk?.type === 'text-delta') return { text: str(chunk.delta) ?? '' }
      if (chunk?.type === 'error') return streamError(chunk)
      return {}
    },
  },
]

export const DEFAULT_FORMAT = 'native'

/**
 * The format of that id, or the native one.
 * @param {string | null} id
 * @returns {Format}
 */
export function formatById(id) {
  return FORMATS.find((f) => f.id === id) ?? /** @type {Format} */ (FORMATS[0])
}
