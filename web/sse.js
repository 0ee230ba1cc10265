/**
 * A Server-Sent Events reader for a fetch() body, per the WHATWG HTML spec ("Server-sent events", section 9.2:
 * "Parsing an event stream"): UTF-8 decoded as a stream (a leading BOM dropped), lines ending in LF, CR or
 * CRLF (a CR at the end of one chunk and the LF at the start of the next are one line end), one space after
 * the colon dropped, `data` lines joined with LF, comment lines (`:` first) ignored, an event dispatched at a
 * blank line and only when it has data, and an unfinished event at the end of the stream discarded.
 */

/**
 * @typedef {object} SseMessage
 * @property {string} event  the `event` field, '' when the event had none (EventSource calls that "message")
 * @property {string} data   the `data` lines joined with LF
 * @property {string | null} id  the `id` field of this event, null when it had none
 */

/**
 * The line splitter and field parser, fed text as it arrives.
 * @param {(message: SseMessage) => void} onMessage
 */
export function createSseParser(onMessage) {
  let buffer = ''
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to that line end. */
  let afterCr = false
  let event = ''
  let data = ''
  let hasData = false
  /** @type {string | null} */
  let id = null

  /** @param {string} line */
  const processLine = (line) => {
    if (line === '') {
      if (hasData) onMessage({ event, data, id })
      event = ''
      data = ''
      hasData = false
      id = null
      return
    }
    if (line.charCodeAt(0) === 0x3a) return // a comment
    const colon = line.indexOf(':')
    const name = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 0x20) value = value.slice(1)
    if (name === 'data') {
      data = hasData ? `${data}\n${value}` : value
      hasData = true
    } else if (name === 'event') event = value
    else if (name === 'id' && !value.includes('\0')) id = value
    // `retry` and unknown fields: nothing for a fetch reader to do
  }

  return {
    /** @param {string} text */
    push(text) {
      if (text === '') return
      if (afterCr && text.charCodeAt(0) === 0x0a) text = text.slice(1)
      afterCr = false
      buffer += text
      let start = 0
      // the next LF and CR from `start`, each looked up again only once passed (no rescans: a megabyte-long
      // chunk of events stays linear)
      let lf = buffer.indexOf('\n')
      let cr = buffer.indexOf('\r')
      for (;;) {
        if (lf >= 0 && lf < start) lf = buffer.indexOf('\n', start)
        if (cr >= 0 && cr < start) cr = buffer.indexOf('\r', start)
        if (lf < 0 && cr < 0) break
        const end = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr
        processLine(buffer.slice(start, end))
        if (end === cr) {
          if (end + 1 === buffer.length) {
            afterCr = true
            start = end + 1
            break
          }
          start = lf === end + 1 ? end + 2 : end + 1
        } else start = end + 1
      }
      buffer = buffer.slice(start)
    },
  }
}

/**
 * Reads an SSE body to its end, calling `onMessage` for each event as it arrives. Resolves when the body ends
 * (what was left unfinished is discarded); rejects when reading fails (an abort included).
 * @param {ReadableStream<Uint8Array>} body
 * @param {(message: SseMessage) => void} onMessage
 */
export async function readSse(body, onMessage) {
  const parser = createSseParser(onMessage)
  const decoder = new TextDecoder('utf-8')
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parser.push(decoder.decode(value, { stream: true }))
    }
    parser.push(decoder.decode())
  } finally {
    reader.releaseLock()
  }
}
