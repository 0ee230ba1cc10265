/**
 * The tool calls of one reply, one card each under its text: the tool's name, when the call began (ms after
 * Send), and its arguments as they stream in (a frame's pieces at once), pretty-printed once the call is
 * complete. Arguments that are not JSON when complete (a `bad-json` fault, a call cut short) stay as sent,
 * marked; a call the stream reports as broken (the AI SDK's tool-input-error) shows its error.
 */
import { el } from './dom.js'

/** @param {number} ms */
const formatAt = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`)

/**
 * @typedef {object} Card
 * @property {HTMLElement} root
 * @property {HTMLElement} name
 * @property {HTMLElement} meta
 * @property {HTMLElement} code
 * @property {string} args     the arguments' text so far
 * @property {boolean} dirty
 * @property {boolean} done
 * @property {string | null} error
 * @property {number} pieces   argument deltas received
 * @property {number} at       ms after Send when it began
 */

export class ToolCards {
  /**
   * @param {object} options
   * @param {import('./chat.js').AssistantMessage} options.msg  the reply they belong to
   * @param {number} options.sentAt  performance.now() at Send
   */
  constructor({ msg, sentAt }) {
    this.msg = msg
    this.sentAt = sentAt
    /** @type {Map<string, Card>} */
    this.cards = new Map()
    /** @type {HTMLElement | null} */
    this.list = null
    this.anonymous = 0
    this.frame = 0
  }

  get count() {
    return this.cards.size
  }

  /**
   * What an event said of tool calls.
   * @param {readonly import('./formats.js').ToolDelta[]} pieces
   * @param {number} at
   */
  apply(pieces, at) {
    for (const piece of pieces) {
      const key = piece.key ?? `whole-${this.anonymous++}`
      let card = this.cards.get(key)
      if (card === undefined) {
        // a piece of a call never opened (the end of a text block, in Anthropic's terms) is not a call
        if (piece.name === undefined && piece.args === undefined && piece.input === undefined) continue
        card = this.open(key, piece.name ?? '', at)
      }
      if (card.done) continue
      if (piece.name !== undefined && piece.name !== '' && card.name.textContent !== piece.name) card.name.textContent = piece.name
      if (piece.args !== undefined) {
        card.args += piece.args
        card.pieces += 1
      }
      if (piece.input !== undefined) card.args = piece.input
      if (piece.error !== undefined) card.error = piece.error
      card.dirty = true
      if (piece.done) this.complete(card)
    }
    this.schedule()
  }

  /** Every call so far is complete: the format said so, or the stream is over. */
  finish() {
    for (const card of this.cards.values()) if (!card.done) this.complete(card)
    this.render()
  }

  /**
   * @param {string} key
   * @param {string} name
   * @param {number} at
   * @returns {Card}
   */
  open(key, name, at) {
    if (this.list === null) {
      this.list = el('div', 'tool-cards')
      this.list.setAttribute('aria-label', 'Tool calls')
      this.msg.content.after(this.list)
      this.msg.root.dataset.tools = 'true'
    }
    const root = el('section', 'tool-card')
    root.dataset.state = 'streaming'
    const head = el('header', 'tool-head')
    const nameEl = el('code', 'tool-name', name)
    const meta = el('span', 'tool-meta')
    head.append(el('span', 'tool-label', 'Tool call'), nameEl, meta)
    const pre = el('pre', 'tool-args')
    const code = el('code')
    pre.append(code)
    root.append(head, pre)
    this.list.append(root)
    /** @type {Card} */
    const card = { root, name: nameEl, meta, code, args: '', dirty: true, done: false, error: null, pieces: 0, at: at - this.sentAt }
    this.cards.set(key, card)
    return card
  }

  /** @param {Card} card */
  complete(card) {
    card.done = true
    card.dirty = true
  }

  schedule() {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render())
  }

  render() {
    if (this.frame !== 0) cancelAnimationFrame(this.frame)
    this.frame = 0
    for (const card of this.cards.values()) {
      if (!card.dirty) continue
      card.dirty = false
      const { root } = card
      root.dataset.args = card.args
      const pieces = card.pieces > 0 ? ` · ${card.pieces} piece${card.pieces === 1 ? '' : 's'}` : ''
      card.meta.textContent = `at ${formatAt(card.at)}${pieces}`
      if (!card.done) {
        card.code.textContent = card.args
        continue
      }
      const pretty = prettyJson(card.args)
      card.code.textContent = pretty ?? card.args
      root.dataset.state = card.error !== null ? 'error' : pretty === null ? 'invalid' : 'done'
      const note = card.error ?? (pretty === null ? 'The arguments are not valid JSON.' : null)
      if (note !== null && !root.querySelector('.tool-note')) root.append(el('p', 'tool-note', note))
    }
  }
}

/**
 * The text as indented JSON, or null when it is not JSON.
 * @param {string} text
 */
function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return null
  }
}
