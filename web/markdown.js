/**
 * Markdown -> safe HTML, for text that is still arriving.
 *
 * Raw HTML in a reply is SHOWN AS TEXT, never interpreted, by two independent layers:
 * 1. marked: the `html` renderer (block HTML and inline tags alike) returns the escaped source, and the inline
 *    `tag` tokenizer never lets marked enter its "raw block" state (after an inline `<script>` or `<pre>` marked
 *    would otherwise pass the following text through unescaped, so `<script>x<img/src=x onerror=...>` would
 *    produce a real <img>);
 * 2. DOMPurify: whatever marked emits is sanitized again (it also drops `javascript:` links and event handlers).
 */
import { Marked, Renderer, Tokenizer } from '/vendor/marked.js'
import DOMPurify from '/vendor/purify.js'

const ESCAPES = /** @type {const} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[/** @type {keyof typeof ESCAPES} */ (c)])
}

const marked = new Marked({ gfm: true, breaks: false, async: false })

marked.use({
  tokenizer: {
    /** @this {Tokenizer} @param {string} src */
    tag(src) {
      const token = Tokenizer.prototype.tag.call(this, src)
      if (token) this.lexer.state.inRawBlock = false
      return token
    },
  },
  renderer: {
    /** @param {{ text: string, block?: boolean }} token */
    html(token) {
      const source = escapeHtml(token.text)
      return token.block ? `<p class="raw-html">${source.replace(/\n+$/, '')}</p>\n` : source
    },
    /**
     * A table in a box of its own that scrolls sideways: a table wider than its column keeps readable cells.
     * @this {Renderer} @param {any} token  marked's table token
     */
    table(token) {
      return `<div class="table-scroll">${Renderer.prototype.table.call(this, token)}</div>\n`
    },
  },
})

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer')
  }
})

const PURIFY_OPTIONS = { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'button', 'textarea', 'select'] }

/**
 * Renders (possibly partial) Markdown to sanitized HTML.
 * @param {string} text
 * @returns {string}
 */
export function renderMarkdown(text) {
  const html = /** @type {string} */ (marked.parse(text))
  return /** @type {string} */ (DOMPurify.sanitize(html, PURIFY_OPTIONS))
}

/**
 * The top-level blocks of (possibly partial) Markdown as marked lexes them (a heading, a paragraph, a list, a
 * code block, the `space` between them): their `raw` texts, joined, are the text.
 * @param {string} text
 * @returns {import('/vendor/marked.js').Token[]}
 */
export const lexBlocks = (text) => marked.lexer(text)

/**
 * Renders blocks from lexBlocks to sanitized HTML: rendered one after another, blocks give the HTML of their
 * text rendered whole.
 * @param {import('/vendor/marked.js').Token[]} blocks
 * @returns {string}
 */
export function renderBlocks(blocks) {
  const html = /** @type {string} */ (marked.parser(blocks))
  return /** @type {string} */ (DOMPurify.sanitize(html, PURIFY_OPTIONS))
}
