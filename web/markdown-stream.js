/**
 * Markdown that is still arriving, rendered with work in proportion to what is new rather than to the whole
 * reply: a top-level block followed by two more is settled (no text that comes later can change it), rendered
 * once and never again; only the blocks still open, the last two, are lexed and rendered on each update. So a
 * long reply's frame costs what its last paragraph or list costs, not what the reply does.
 *
 * Two open blocks rather than one, because the block just before the last can still change: after `1. a`, a
 * blank line and `2`, the `2` is a paragraph, and the list before it open, until `2. b` makes it the list's
 * second item. What is settled is checked against the lexer (the settled blocks' text must be where it was),
 * and the whole reply, rendered at once, is the reference for the final render (markdown.js, ReplyView).
 */
import { lexBlocks, renderBlocks } from './markdown.js'

/** How many of the last top-level blocks stay open. */
const OPEN_BLOCKS = 2

export class MarkdownStream {
  constructor() {
    /** Characters of the text settled: the blocks before them are rendered for good. */
    this.settledChars = 0
    /** The HTML of the settled blocks, all of it. */
    this.settledHtml = ''
  }

  reset() {
    this.settledChars = 0
    this.settledHtml = ''
  }

  /**
   * Takes the whole text so far (what came before, and more).
   * @param {string} text
   * @returns {{ settled: string, open: string }}  the HTML of blocks settled by this update (to add after those
   *   settled before, never to change), and the HTML of the blocks still open (to replace the last update's)
   */
  update(text) {
    const tail = text.slice(this.settledChars)
    const blocks = lexBlocks(tail)
    const starts = []
    for (let i = 0; i < blocks.length; i++) if (blocks[i]?.type !== 'space') starts.push(i)
    let open = blocks
    let settled = ''
    if (starts.length > OPEN_BLOCKS) {
      const first = /** @type {number} */ (starts[starts.length - OPEN_BLOCKS])
      const done = blocks.slice(0, first)
      const raw = done.map((block) => block.raw).join('')
      if (tail.startsWith(raw)) {
        settled = renderBlocks(done)
        this.settledChars += raw.length
        this.settledHtml += settled
        open = blocks.slice(first)
      }
    }
    return { settled, open: renderBlocks(open) }
  }
}
