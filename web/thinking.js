/**
 * The "Thinking" block of one reply: the reasoning a vendor format streams before the answer (Responses'
 * reasoning summary, Anthropic's thinking, Gemini's thought parts, the AI SDK's reasoning parts), above the
 * reply's text, with its own timing: when it started (its first delta, in ms after Send), how long it lasted
 * (until the answer's first text or tool call, growing while it streams) and how many units it carried. Its
 * text streams in, a frame's deltas at once; it collapses when the answer starts, and opens again on a click.
 */
import { el } from './dom.js'
import { everyTick } from './ticker.js'

/** @param {number} ms */
const formatDuration = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`)

export class ThinkingView {
  /**
   * @param {object} options
   * @param {import('./chat.js').AssistantMessage} options.msg  the reply it belongs to
   * @param {number} options.sentAt         performance.now() at Send
   * @param {string} options.unit           'token', 'word' or 'char'
   * @param {number} [options.unitsPerEvent]  units in each reasoning delta (the `chunk` setting)
   */
  constructor({ msg, sentAt, unit, unitsPerEvent = 1 }) {
    this.msg = msg
    this.sentAt = sentAt
    this.unit = unit
    this.unitsPerEvent = unitsPerEvent
    /** @type {HTMLDetailsElement | null} */
    this.root = null
    this.text = ''
    this.pending = ''
    this.units = 0
    /** @type {number | null} */ this.startedAt = null
    /** @type {number | null} */ this.lastAt = null
    /** @type {number | null} */ this.endedAt = null
    this.frame = 0
    /** @type {(() => void) | null} */
    this.stopTicking = null
    /** @type {HTMLElement | null} */ this.body = null
    /** @type {HTMLElement | null} */ this.started = null
    /** @type {HTMLElement | null} */ this.duration = null
    /** @type {HTMLElement | null} */ this.count = null
  }

  /** Whether any reasoning came. */
  get shown() {
    return this.root !== null
  }

  /**
   * A reasoning delta arrived.
   * @param {string} text
   * @param {number} at
   */
  push(text, at) {
    if (this.endedAt !== null || text === '') return
    if (this.root === null) this.open(at)
    this.lastAt = at
    this.text += text
    this.pending += text
    this.units += this.unitsPerEvent
    this.schedule()
  }

  /**
   * The answer started (`collapse`), or the stream is over: the block's duration is final.
   * @param {number} at
   * @param {boolean} [collapse]
   */
  end(at, collapse = true) {
    if (this.root === null || this.endedAt !== null) return
    // the answer's first event ends it; a stream that ended without one, its last reasoning
    this.endedAt = collapse ? at : (this.lastAt ?? at)
    this.stopTicking?.()
    this.stopTicking = null
    this.render()
    this.root.dataset.state = 'done'
    if (collapse) this.root.open = false
  }

  /** @param {number} at */
  open(at) {
    this.startedAt = at
    const root = /** @type {HTMLDetailsElement} */ (el('details', 'thinking'))
    root.open = true
    root.dataset.state = 'thinking'
    const summary = el('summary', 'thinking-head')
    const meta = el('span', 'thinking-meta')
    this.started = el('span', 'thinking-started')
    this.duration = el('span', 'thinking-duration')
    this.count = el('span', 'thinking-count')
    this.started.title = 'When the first reasoning arrived, after Send'
    this.duration.title = 'How long the reasoning lasted, until the answer started'
    meta.append(this.started, ' · ', this.duration, ' · ', this.count)
    summary.append(el('span', 'thinking-title', 'Thinking'), meta)
    this.body = el('div', 'thinking-text')
    root.append(summary, this.body)
    this.root = root
    this.msg.content.before(root)
    this.msg.root.dataset.thinking = 'true'
    this.stopTicking = everyTick(() => this.renderMeta())
  }

  schedule() {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render())
  }

  render() {
    if (this.frame !== 0) cancelAnimationFrame(this.frame)
    this.frame = 0
    const body = /** @type {HTMLElement} */ (this.body)
    if (this.pending !== '') {
      const stick = body.scrollHeight - body.scrollTop - body.clientHeight < 24
      body.append(this.pending)
      this.pending = ''
      if (stick) body.scrollTop = body.scrollHeight
      if (this.root) this.root.dataset.raw = this.text
    }
    this.renderMeta()
  }

  renderMeta() {
    if (this.startedAt === null || !this.started || !this.duration || !this.count) return
    const until = this.endedAt ?? performance.now()
    set(this.started, `started at ${formatDuration(this.startedAt - this.sentAt)}`)
    set(
      this.duration,
      `${this.endedAt === null ? '' : 'lasted '}${formatDuration(until - this.startedAt)}${this.endedAt === null ? ' so far' : ''}`,
    )
    set(this.count, `${this.units} ${this.unit}${this.units === 1 ? '' : 's'}`)
  }
}

/** @param {HTMLElement} node @param {string} text */
function set(node, text) {
  if (node.textContent !== text) node.textContent = text
}
