/**
 * The content of one assistant reply: the units received so far, shown either as Markdown or, with token
 * boundaries on, as plain text with one tinted span per event; at most once per frame (the caller calls
 * render() from requestAnimationFrame), and with work in proportion to what is new: the spans of the new events
 * are appended, and of the Markdown only the blocks still open are rendered again (markdown-stream.js), the
 * rest staying as rendered. The final render checks the result against the whole reply rendered at once.
 */
import { renderMarkdown } from './markdown.js'
import { MarkdownStream } from './markdown-stream.js'

export class ReplyView {
  /**
   * @param {HTMLElement} content  the element the reply renders into
   * @param {HTMLElement} host     the message element: gets `data-raw` (the raw text received)
   * @param {boolean} boundaries
   */
  constructor(content, host, boundaries) {
    this.content = content
    this.host = host
    /** @type {{ text: string, index: number, units: number }[]} */
    this.events = []
    this.raw = ''
    this.units = 0
    this.boundaries = boundaries
    this.streaming = true
    this.dirty = true
    this.rebuild = true
    /** Earliest time of the next render: a Markdown render that costs more than a few ms is spaced out. */
    this.nextAt = 0
    this.markdown = new MarkdownStream()
    /** The content's first child nodes that are settled Markdown blocks, never rendered again. */
    this.settledNodes = 0
    this.caret = document.createElement('span')
    this.caret.className = 'caret'
    this.caret.setAttribute('aria-hidden', 'true')
  }

  /** @param {string} text @param {number} index @param {number} units */
  append(text, index, units) {
    this.events.push({ text, index, units })
    this.raw += text
    this.units += units
    this.dirty = true
  }

  /** @param {boolean} on */
  setBoundaries(on) {
    if (on === this.boundaries) return
    this.boundaries = on
    this.rebuild = true
    this.dirty = true
  }

  /** @param {boolean} on */
  setStreaming(on) {
    if (on === this.streaming) return
    this.streaming = on
    this.dirty = true
  }

  /**
   * Brings the DOM up to date; returns whether anything changed. A render that takes longer than a frame on a
   * slow machine (a long list or code block is one open block) makes the next one wait a few frames (three
   * times its own cost, at most 100 ms), unless `force` says this is the final render.
   * @param {number} now  the frame's timestamp
   * @param {boolean} [force]
   */
  render(now, force = false) {
    if (!this.dirty || (!force && now < this.nextAt)) return false
    const start = performance.now()
    this.dirty = false
    this.host.dataset.raw = this.raw
    this.host.dataset.units = String(this.units)
    if (this.boundaries) this.renderTokens()
    else this.renderMarkdown()
    this.rebuild = false
    const cost = performance.now() - start
    this.nextAt = cost > 8 ? start + Math.min(cost * 3, 100) : 0
    return true
  }

  renderMarkdown() {
    const { content } = this
    if (this.rebuild) {
      content.classList.remove('tokens')
      content.classList.add('md')
      content.replaceChildren()
      this.markdown.reset()
      this.settledNodes = 0
    }
    this.caret.remove()
    // the open blocks of the last render go; the settled ones stay as they are
    while (content.childNodes.length > this.settledNodes) /** @type {ChildNode} */ (content.lastChild).remove()
    const { settled, open } = this.markdown.update(this.raw)
    if (settled !== '') {
      appendHtml(content, settled)
      this.settledNodes = content.childNodes.length
    }
    if (!this.streaming) {
      // the end: what was rendered in pieces must be what the whole reply renders to, else the whole it is
      const whole = renderMarkdown(this.raw)
      if (this.markdown.settledHtml + open !== whole) {
        content.replaceChildren()
        this.markdown.reset()
        this.settledNodes = 0
        appendHtml(content, whole)
        return
      }
    }
    appendHtml(content, open, this.settledNodes)
    if (this.streaming) placeCaret(content, this.caret)
  }

  renderTokens() {
    const { content } = this
    if (this.rebuild) {
      content.classList.remove('md')
      content.classList.add('tokens')
      content.replaceChildren()
    }
    this.caret.remove()
    const fragment = document.createDocumentFragment()
    for (let i = content.childElementCount; i < this.events.length; i++) {
      const event = /** @type {{ text: string, index: number, units: number }} */ (this.events[i])
      const span = document.createElement('span')
      span.className = i % 2 === 0 ? 'tk tk-a' : 'tk tk-b'
      if (/^\s*\n\s*$/.test(event.text)) span.classList.add('tk-nl')
      span.textContent = event.text
      span.title =
        event.units > 1
          ? `units ${event.index}–${event.index + event.units - 1}: ${JSON.stringify(event.text)}`
          : `unit ${event.index}: ${JSON.stringify(event.text)}`
      fragment.append(span)
    }
    content.append(fragment)
    if (this.streaming) content.append(this.caret)
  }
}

/**
 * Appends sanitized HTML (renderMarkdown's, renderBlocks') to the content, and names the language of its code
 * blocks (`data-lang` on the pre, for the label the styles show).
 * @param {HTMLElement} content
 * @param {string} html
 * @param {number} [from]  the index of the first child node that is new, when others were there before
 */
function appendHtml(content, html, from = content.childNodes.length) {
  if (html === '') return
  content.insertAdjacentHTML('beforeend', html)
  for (let i = from; i < content.childNodes.length; i++) {
    const node = content.childNodes[i]
    if (!(node instanceof Element)) continue
    for (const code of node.querySelectorAll('pre > code[class*="language-"]')) {
      const lang = /language-([\w+#.-]+)/.exec(code.className)?.[1]
      if (lang && code.parentElement) code.parentElement.dataset.lang = lang
    }
  }
}

/**
 * Puts the caret right after the last text in the rendered Markdown (inside the last paragraph, list item or
 * code block), so it sits where the next token will appear rather than on a line of its own. It looks from the
 * last block back, so a long reply costs no walk through all of it.
 * @param {HTMLElement} root
 * @param {HTMLElement} caret
 */
function placeCaret(root, caret) {
  const accept = {
    acceptNode: (/** @type {Node} */ node) =>
      node.nodeValue && node.nodeValue.trim() !== '' ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP,
  }
  /** @type {Node | null} */
  let last = null
  for (let block = root.lastChild; block !== null && last === null; block = block.previousSibling) {
    if (block.nodeType === Node.TEXT_NODE) {
      if (accept.acceptNode(block) === NodeFilter.FILTER_ACCEPT) last = block
      continue
    }
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT, accept)
    while (walker.nextNode()) last = walker.currentNode
  }
  if (!last?.parentNode) return void root.append(caret)
  // marked ends every code block with a newline of its own: keep the caret on the code's last line
  const text = /** @type {Text} */ (last)
  if (text.data.endsWith('\n') && text.parentElement?.closest('pre')) text.splitText(text.data.length - 1)
  text.parentNode?.insertBefore(caret, text.nextSibling)
}
