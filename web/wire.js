/**
 * The wire pane: the raw events of the latest stream as they arrived (each event's `id:`, `event:` and `data:`
 * lines, and when it came, in ms after Send), newest at the bottom, following the newest unless the reader has
 * scrolled up. Rows are added from the page's frame loop (flush), a frame's events at once; past MAX_ROWS the
 * oldest rows go. Events that carried visible text are marked, with that text beside them, so the text's path
 * through a format shows, and events that report an error are marked too.
 */
import { $, el } from './dom.js'

/** Rows kept on show: a long reply sends thousands of events. */
const MAX_ROWS = 2000
/** A data line longer than this is clamped to a few lines until its row is clicked. */
const LONG_LINE = 160

/**
 * @typedef {object} WireRow
 * @property {import('./sse.js').SseMessage | null} message   null: a note (a reconnect, a refused request)
 * @property {string} note
 * @property {'resume' | 'error'} [kind]   what the note is about
 * @property {number} at       ms after Send
 * @property {string} text     the visible text the event added ('' for none)
 */

export class WirePane {
  constructor() {
    this.app = $('app')
    this.list = $('wire-list')
    this.count = $('wire-count')
    this.empty = $('wire-empty')
    this.label = $('wire-format')
    this.endpoint = $('wire-endpoint')
    this.toggle = $('toggle-wire')
    /** @type {WireRow[]} */
    this.pending = []
    this.events = 0
    this.shown = 0
    this.previousAt = 0
    this.stick = true
    this.list.addEventListener('scroll', () => {
      this.stick = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 24
    })
    // a long event opens (and closes again) on a click
    this.list.addEventListener('click', (event) => {
      const row = event.target instanceof Element ? event.target.closest('.wire-long') : null
      if (row === null || getSelection()?.toString()) return
      row.classList.toggle('wire-open')
      row.setAttribute('aria-expanded', String(row.classList.contains('wire-open')))
    })
    this.list.addEventListener('keydown', (event) => {
      if ((event.key === 'Enter' || event.key === ' ') && event.target instanceof HTMLElement && event.target.matches('.wire-long')) {
        event.preventDefault()
        event.target.click()
      }
    })
    this.toggle.addEventListener('click', () => this.setOpen(this.app.dataset.wire === 'closed'))
    this.setOpen(!matchMedia('(max-width: 900px)').matches)
  }

  /** @param {boolean} open */
  setOpen(open) {
    this.app.dataset.wire = open ? 'open' : 'closed'
    this.toggle.setAttribute('aria-expanded', String(open))
    if (open && this.stick) this.list.scrollTop = this.list.scrollHeight
  }

  /**
   * Names the format in the pane's head; with `clear`, also empties the pane for a new stream.
   * @param {import('./formats.js').Format} format
   * @param {boolean} clear
   */
  show(format, clear) {
    if (!clear && this.events > 0) return // the rows on show are of the last stream's format: keep its name
    this.label.textContent = format.label
    this.endpoint.textContent = `${format.method} ${format.path}`
    if (!clear) return
    this.pending = []
    this.events = 0
    this.shown = 0
    this.previousAt = 0
    this.stick = true
    this.list.replaceChildren()
    this.empty.hidden = true
    this.renderCount()
  }

  /** Back to the empty pane (a new chat). @param {import('./formats.js').Format} format */
  clear(format) {
    this.show(format, true)
    this.empty.hidden = false
  }

  /**
   * @param {import('./sse.js').SseMessage} message
   * @param {number} at  ms after Send
   * @param {string} text  the visible text it added, shown beside it
   */
  push(message, at, text) {
    this.pending.push({ message, note: '', at, text })
    this.events += 1
  }

  /**
   * A line between events: a reconnect, or the status of a refused request (which sent no events).
   * @param {string} note @param {number} at @param {'resume' | 'error'} [kind]
   */
  note(note, at, kind = 'resume') {
    this.pending.push({ message: null, note, at, text: '', kind })
  }

  /** Adds what arrived since the last flush. */
  flush() {
    if (this.pending.length === 0) return
    const rows = this.pending.length > MAX_ROWS ? this.pending.slice(-MAX_ROWS) : this.pending
    this.shown += this.pending.length
    this.pending = []
    const fragment = document.createDocumentFragment()
    for (const row of rows) fragment.append(this.row(row))
    this.list.append(fragment)
    for (let extra = this.list.childElementCount - MAX_ROWS; extra > 0; extra--) this.list.firstElementChild?.remove()
    this.renderCount()
    if (this.stick) this.list.scrollTop = this.list.scrollHeight
  }

  renderCount() {
    const kept = this.list.childElementCount
    const total = `${this.events.toLocaleString('en')} event${this.events === 1 ? '' : 's'}`
    this.count.textContent = this.events === 0 ? '' : this.shown > kept ? `${total} · last ${kept.toLocaleString('en')} shown` : total
  }

  /** @param {WireRow} row */
  row({ message, note, at, text, kind }) {
    const item = el(
      'li',
      message === null ? `wire-row wire-note wire-note-${kind ?? 'resume'}` : text !== '' ? 'wire-row wire-text' : 'wire-row',
    )
    if (message !== null && isError(message)) item.classList.add('wire-error')
    const time = el('span', 'wire-at', `${Math.round(at)} ms`)
    time.title = `arrived ${Math.round(at)} ms after Send, ${Math.round(at - this.previousAt)} ms after the event before`
    this.previousAt = at
    if (message === null) {
      item.append(time, el('span', 'wire-note-text', note))
      return item
    }
    const side = el('div', 'wire-side')
    side.append(time)
    if (text !== '') {
      const shown = JSON.stringify(text)
      const delta = el('span', 'wire-delta', shown)
      delta.title = `visible text: ${shown}`
      side.append(delta)
    }
    const lines = el('div', 'wire-lines')
    if (message.id !== null && message.id !== '') lines.append(field('id', message.id, 'wire-id'))
    if (message.event !== '') lines.append(field('event', message.event, 'wire-name'))
    let long = false
    for (const line of message.data.split('\n')) {
      lines.append(field('data', line, 'wire-value', 'wire-data'))
      long ||= line.length > LONG_LINE
    }
    if (long) {
      item.classList.add('wire-long')
      item.tabIndex = 0
      item.setAttribute('aria-expanded', 'false')
      item.title = 'Click to show the whole event'
    }
    item.append(side, lines)
    return item
  }
}

/**
 * An event that reports an error, in any format's shape: `event: error`, or data that is an error object
 * (`{"error":…}`, `{"type":"error",…}`).
 * @param {import('./sse.js').SseMessage} message
 */
const isError = ({ event, data }) => event === 'error' || /^\{\s*"(?:error"|type"\s*:\s*"error")/.test(data)

/**
 * One `name: value` line.
 * @param {string} name @param {string} value @param {string} valueClass @param {string} [lineClass]
 */
function field(name, value, valueClass, lineClass) {
  const line = el('div', lineClass ? `wire-line ${lineClass}` : 'wire-line')
  line.append(el('span', 'wire-key', `${name}:`), ' ', el('span', valueClass, value))
  return line
}
