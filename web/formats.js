/**
 * The wire formats the page can stream in: tokensim's native /stream (read by EventSource, see stream.js) and
 * the vendor formats the server speaks (POSTed with fetch, see vendor-stream.js). Per vendor format: the request
 * it makes and how to read one of its events: the visible text it carries, whether it ends the reply, or an
 * error it reports; and besides the text, the reasoning ("thinking") it streams and the pieces of its tool
 * calls (thinking.js and tool-cards.js show them). A reading is kept per event, so reading one event twice
 * (the stream's reader, then the page for its reasoning and tool calls) parses it once.
 */

/** @typedef {'native' | 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini' | 'ai-sdk-ui'} FormatId */

/**
 * What one event of a format means for the reply.
 * @typedef {object} Reading
 * @property {string} [text]   visible text the event adds ('' counts as none)
 * @property {boolean} [end]   the format's last event: the reply is complete
 * @property {string} [error]  the stream reports an error (the reply is over)
 * @property {string} [code]   that error's type or code, when it gives one (`overloaded_error`, `INTERNAL`)
 * @property {string} [reasoning]   reasoning text the event adds: Responses' reasoning summary, Anthropic's
 *   thinking, Gemini's thought parts, the AI SDK's reasoning parts ('' counts as none)
 * @property {ToolDelta[]} [tools]  what the event says of tool calls
 * @property {boolean} [toolsDone]  every tool call so far is complete (OpenAI Chat's finish_reason)
 */

/**
 * A piece of one tool call, as an event carries it.
 * @typedef {object} ToolDelta
 * @property {string | null} key  which call, in the format's own terms (its index, id or item id); null: a call
 *   of its own, whole in this event (Gemini gives calls no ids)
 * @property {string} [name]      the tool's name (the event that opens the call)
 * @property {string} [args]      a piece of the arguments' JSON text
 * @property {string} [input]     the whole arguments' JSON text, once complete
 * @property {boolean} [done]     the call is complete
 * @property {string} [error]     the stream says the call is broken (the AI SDK's tool-input-error)
 */

/**
 * What a vendor request is made of.
 * @typedef {object} RequestInput
 * @property {string} text    the user message (the `x-tokensim-*` headers choose the answer)
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

/**
 * A format's reader that reads each event once: the reading of an event object already read is returned again.
 * @param {(message: import('./sse.js').SseMessage) => Reading} read
 * @returns {(message: import('./sse.js').SseMessage) => Reading}
 */
function once(read) {
  /** @type {WeakMap<object, Reading>} */
  const readings = new WeakMap()
  return (message) => {
    let reading = readings.get(message)
    if (reading === undefined) {
      reading = read(message)
      readings.set(message, reading)
    }
    return reading
  }
}

/**
 * JSON text of a value the format sent as an object (arguments that came whole); a string stays as it is.
 * @param {unknown} value
 */
const jsonText = (value) => (typeof value === 'string' ? value : (JSON.stringify(value ?? {}) ?? '{}'))

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
    read: once(({ data }) => {
      if (data === '[DONE]') return { end: true }
      const chunk = json(data)
      if (chunk?.error) return streamError(chunk)
      const choice = chunk?.choices?.[0]
      /** @type {Reading} */
      const reading = { text: str(choice?.delta?.content) ?? '' }
      const calls = choice?.delta?.tool_calls
      if (Array.isArray(calls))
        reading.tools = calls.map((/** @type {any} */ call) => {
          /** @type {ToolDelta} */
          const piece = { key: String(call?.index ?? 0) }
          const name = str(call?.function?.name)
          const args = str(call?.function?.arguments)
          if (name !== undefined) piece.name = name
          if (args) piece.args = args
          return piece
        })
      if (typeof choice?.finish_reason === 'string') reading.toolsDone = true
      return reading
    }),
  },
  {
    id: 'openai-responses',
    label: 'OpenAI Responses',
    method: 'POST',
    path: '/v1/responses',
    note: 'typed events with sequence numbers; the text comes in response.output_text.delta',
    endEvent: 'response.completed',
    request: ({ text }) => ({ url: '/v1/responses', body: { model: 'gpt-4o', input: text, stream: true } }),
    read: once(({ event, data }) => {
      const body = json(data)
      const type = str(body?.type) ?? event
      if (type === 'response.output_text.delta') return { text: str(body?.delta) ?? '' }
      if (type === 'response.reasoning_summary_text.delta') return { reasoning: str(body?.delta) ?? '' }
      const key = str(body?.item_id) ?? str(body?.item?.id) ?? ''
      if (type === 'response.output_item.added' && body?.item?.type === 'function_call')
        return { tools: [{ key, name: str(body.item.name) ?? '' }] }
      if (type === 'response.function_call_arguments.delta') return { tools: [{ key, args: str(body?.delta) ?? '' }] }
      if (type === 'response.function_call_arguments.done') return { tools: [{ key, input: str(body?.arguments) ?? '', done: true }] }
      if (type === 'response.completed' || type === 'response.incomplete') return { end: true }
      if (type === 'response.failed') return streamError(body?.response)
      if (type === 'error') return streamError(body)
      return {}
    }),
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
      body: {
        model: 'claude-sonnet-4-5',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: text }],
        stream: true,
      },
    }),
    read: once(({ event, data }) => {
      const body = json(data)
      const type = str(body?.type) ?? event
      const key = String(body?.index ?? 0)
      if (type === 'content_block_delta') {
        const delta = body?.delta
        if (delta?.type === 'text_delta') return { text: str(delta.text) ?? '' }
        if (delta?.type === 'thinking_delta') return { reasoning: str(delta.thinking) ?? '' }
        if (delta?.type === 'input_json_delta') return { tools: [{ key, args: str(delta.partial_json) ?? '' }] }
        return {}
      }
      if (type === 'content_block_start' && body?.content_block?.type === 'tool_use')
        return { tools: [{ key, name: str(body.content_block.name) ?? '' }] }
      if (type === 'content_block_stop') return { tools: [{ key, done: true }] }
      if (type === 'message_stop') return { end: true }
      if (type === 'error') return streamError(body)
      return {}
    }),
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
      body: { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { thinkingConfig: { includeThoughts: true } } },
    }),
    read: once(({ data }) => {
      const body = json(data)
      if (body?.error) return streamError(body)
      const candidate = body?.candidates?.[0]
      const parts = Array.isArray(candidate?.content?.parts) ? candidate.content.parts : []
      const text = parts.map((/** @type {any} */ part) => (part?.thought === true ? '' : (str(part?.text) ?? ''))).join('')
      /** @type {Reading} */
      const reading = { text, end: typeof candidate?.finishReason === 'string' }
      const reasoning = parts.map((/** @type {any} */ part) => (part?.thought === true ? (str(part?.text) ?? '') : '')).join('')
      if (reasoning !== '') reading.reasoning = reasoning
      const calls = parts.filter((/** @type {any} */ part) => part?.functionCall)
      if (calls.length > 0)
        reading.tools = calls.map((/** @type {any} */ part) => ({
          key: null,
          name: str(part.functionCall.name) ?? '',
          input: jsonText(part.functionCall.args),
          done: true,
        }))
      return reading
    }),
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
    read: once(({ data }) => {
      if (data === '[DONE]') return { end: true }
      const chunk = json(data)
      const type = chunk?.type
      if (type === 'text-delta') return { text: str(chunk.delta) ?? '' }
      if (type === 'reasoning-delta') return { reasoning: str(chunk.delta) ?? '' }
      const key = str(chunk?.toolCallId) ?? ''
      if (type === 'tool-input-start') return { tools: [{ key, name: str(chunk.toolName) ?? '' }] }
      if (type === 'tool-input-delta') return { tools: [{ key, args: str(chunk.inputTextDelta) ?? '' }] }
      if (type === 'tool-input-available')
        return { tools: [{ key, name: str(chunk.toolName) ?? '', input: jsonText(chunk.input), done: true }] }
      if (type === 'tool-input-error')
        return {
          tools: [
            { key, name: str(chunk.toolName) ?? '', input: jsonText(chunk.input), done: true, error: str(chunk.errorText) ?? 'error' },
          ],
        }
      if (type === 'error') return streamError(chunk)
      return {}
    }),
  },
]

/**
 * The format of that id, or the native one.
 * @param {string | null} id
 * @returns {Format}
 */
export function formatById(id) {
  return FORMATS.find((f) => f.id === id) ?? /** @type {Format} */ (FORMATS[0])
}
