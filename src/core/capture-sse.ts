/**
 * A plain `text/event-stream` file as a capture. Its timing, if any, is in comment lines of exactly the form
 * `: t=MS` (a colon, an optional space, `t=`, then ms from the response start as a decimal number), each
 * before an event: everything from one such line to the next is one read, due at that offset, and the timing
 * lines themselves are not replayed. Without any, the file is untimed: one read per event, which the replay
 * plays a fixed gap apart. Comments and `retry:` blocks go out with the event after them.
 */
import { CaptureError, type Capture, type CaptureRead } from './captured-stream.js'

const TIMING = /^: ?t=(\d+(?:\.\d+)?)$/
/** A field line the spec knows, or a comment; anything else means the file is not an event stream. */
const SSE_LINE = /^(?::|(?:data|event|id|retry)(?::|$))/

/** Each line with its terminator (CR, LF or CRLF), the last one possibly unterminated. */
function lines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? []
}

export function parseSseCapture(text: string): Capture {
  const timedReads: CaptureRead[] = []
  /** Blocks (an event or comment with its blank line) in order, for the untimed form. */
  const blocks: { text: string; event: boolean }[] = []
  let read = { t: 0, data: '' }
  let block = { text: '', event: false }
  let inBlock = false
  let timed = false
  lines(text).forEach((full, index) => {
    const n = index + 1
    const line = full.replace(/\r?\n$|\r$/, '')
    const timing = TIMING.exec(line)
    if (timing !== null) {
      if (inBlock) throw new CaptureError(n, 'a timing comment ": t=MS" must come before an event, not inside one')
      const t = Number(timing[1])
      if (timed && t < read.t) throw new CaptureError(n, `t=${t} is earlier than the t=${read.t} before it; times only go forward`)
      if (read.data !== '') timedReads.push(read)
      read = { t, data: '' }
      timed = true
      return
    }
    if (line !== '' && !SSE_LINE.test(line))
      throw new CaptureError(
        n,
        `not an event-stream line: ${JSON.stringify(line.slice(0, 60))}; expected data:, event:, id:, retry: or a ": comment"`,
      )
    read.data += full
    block.text += full
    if (line.startsWith('data')) block.event = true
    inBlock = line !== ''
    if (!inBlock) {
      blocks.push(block)
      block = { text: '', event: false }
    }
  })
  if (block.text !== '') blocks.push(block)
  if (read.data !== '') timedReads.push(read)
  if (blocks.length === 0 && timedReads.length === 0) throw new CaptureError(1, 'the file holds no events')
  const base = { status: 200, contentType: 'text/event-stream; charset=utf-8' }
  return timed ? { ...base, timed: true, reads: timedReads } : { ...base, timed: false, reads: perEvent(blocks) }
}

/** One read per event, each with the comments and `retry:` blocks before it; trailing ones join the last. */
function perEvent(blocks: readonly { text: string; event: boolean }[]): CaptureRead[] {
  const reads: CaptureRead[] = []
  let pending = ''
  for (const block of blocks) {
    pending += block.text
    if (!block.event) continue
    reads.push({ t: 0, data: pending })
    pending = ''
  }
  if (pending !== '') {
    const last = reads.pop()
    reads.push({ t: 0, data: (last?.data ?? '') + pending })
  }
  return reads
}
