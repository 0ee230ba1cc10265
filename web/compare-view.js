/**
 * The compare view in the conversation: one message holding two or three panes side by side (stacked on a
 * narrow screen), one per latency, each with its name and description, its own live figures (time to first
 * token, units per second, the measured gap's p50 and p99, elapsed, and a bar of the units received with the
 * reading-pace marker of reading-pace.js), what its profile declares (the p50, p90, p99 and max of ttft and gap
 * from GET /profiles) beside what this run measured (distribution.js), and its own copy of the reply as it
 * streams. The view is as tall as the conversation's visible height and each pane's text scrolls inside the
 * pane, under its name and figures, so these stay in sight however long the reply grows.
 */
import { createDistribution } from './distribution.js'
import { el } from './dom.js'

/**
 * One pane: an assistant message of its own for the page's stream code (see chat.js), with its figures.
 * `distribution` is where what the pane measured is written (distribution.js renderMeasured, which fills every
 * `[data-measured]` cell under it): the pane's whole figures block, so that its gap p50 / p99 figure fills in
 * with its distribution table.
 * @typedef {import('./chat.js').AssistantMessage & { figures: HTMLElement, scroller: HTMLElement, bar: HTMLProgressElement, distribution: HTMLElement }} Pane
 */

/**
 * @param {HTMLElement} log
 * @param {string} label   what is being streamed, for the message's header
 * @param {readonly { name: string, description: string, stats?: import('./profiles.js').ProfileStats }[]} choices
 * @returns {{ root: HTMLElement, panes: Pane[] }}
 */
export function addCompareMessage(log, label, choices) {
  const root = el('article', 'msg msg-compare')
  root.setAttribute('aria-label', `tokensim, compared: ${choices.map((c) => c.name).join(', ')}`)
  root.dataset.panes = String(choices.length)
  const head = el('div', 'msg-head')
  head.append(el('span', 'msg-author', 'tokensim'), el('span', 'msg-label', label))
  const grid = el('div', 'panes')
  const panes = choices.map((choice, i) => {
    const pane = el('section', 'pane')
    pane.dataset.state = 'waiting'
    pane.dataset.profile = choice.name
    pane.setAttribute('aria-busy', 'true')
    pane.setAttribute('aria-label', `Pane ${i + 1}: ${choice.name}`)
    const top = el('header', 'pane-head')
    const title = el('div', 'pane-title')
    const name = el('span', 'pane-name', choice.name)
    name.title = choice.description // the description gives way to the text in a short pane
    title.append(el('span', 'pane-index', String(i + 1)), name, el('span', 'pane-state'))
    const description = el('p', 'pane-description', choice.description)
    description.title = choice.description
    top.append(title, description)
    const figures = el('div', 'pane-stats')
    const list = el('dl', 'pane-figures')
    for (const [name, text, title] of [
      ['ttft', 'TTFT', 'Time to first token'],
      ['tps', 'Tok/s', 'Units per second since the first'],
      ['gap', 'Gap p50 / p99', gapTitle(choice.stats)],
      ['elapsed', 'Elapsed', 'Time since Send'],
    ]) {
      const cell = el('div', 'pane-figure')
      cell.dataset.paneFigure = /** @type {string} */ (name)
      const dt = el('dt', '', text)
      dt.title = /** @type {string} */ (title)
      if (name === 'tps') dt.dataset.figureLabel = name
      const dd = el('dd')
      if (name === 'gap') {
        // what this run measured, filled in with the distribution table (see Pane)
        const p50 = el('span', '', '—')
        p50.dataset.measured = 'gap-p50'
        const p99 = el('span', '', '—')
        p99.dataset.measured = 'gap-p99'
        dd.append(p50, el('span', 'pane-figure-sep', ' / '), p99)
      } else {
        const value = el('span', '', '—')
        value.dataset.figure = /** @type {string} */ (name)
        dd.append(value)
      }
      cell.append(dt, dd)
      list.append(cell)
    }
    // how far it got: a bar (of the whole reply, when its length is known) with where a reader would be, the
    // count, and the stream's pace against reading (reading-pace.js)
    const progress = el('div', 'pane-progress')
    const track = el('div', 'pane-track')
    const bar = el('progress', 'pane-bar')
    bar.max = 1
    bar.value = 0
    bar.setAttribute('aria-label', `Pane ${i + 1}: units received`)
    const marker = el('i', 'pace-marker')
    marker.hidden = true
    track.append(bar, marker)
    const count = el('span', 'pane-count', '—')
    count.dataset.figure = 'count'
    const pace = el('span', 'pane-pace')
    progress.append(track, count, pace)
    const table = createDistribution(choice.stats)
    figures.append(list, progress, table)
    const scroller = el('div', 'pane-body')
    const typing = el('div', 'typing')
    typing.append(el('i'), el('i'), el('i'), el('span', 'sr-only', 'Waiting for the first token'))
    const content = el('div', 'content md')
    const notices = el('ul', 'notices')
    const footer = el('div', 'msg-footer')
    const flow = el('div', 'pane-flow')
    flow.append(typing, content, notices)
    scroller.append(flow)
    followEnd(scroller, flow)
    pane.append(top, figures, scroller, footer)
    grid.append(pane)
    return { root: pane, content, notices, footer, figures, scroller, bar, distribution: figures }
  })
  root.append(head, grid)
  log.append(root)
  return { root, panes }
}

/**
 * The gap figure's tooltip: what it is, and what the profile declares.
 * @param {import('./profiles.js').ProfileStats | undefined} declared
 */
function gapTitle(declared) {
  const what = 'The measured gap between two units, p50 and p99, ms (as they arrived in this browser)'
  const q = declared?.gap
  return q ? `${what}; the profile declares p50 ${q.p50}, p99 ${q.p99}` : what
}

/**
 * Keeps a pane's text scrolled to its newest line as it grows, until the reader scrolls it (wheel, touch, keys,
 * the scroll bar), and again once they are back at its end. Only a reader's own scrolling counts: a scroll the
 * page makes, or one that trails the text's growth by a frame, never unsticks it, however small the pane (a
 * phone's panes show a few lines, and one Markdown block can be taller than that).
 * @param {HTMLElement} scroller
 * @param {HTMLElement} flow  the scroller's content
 */
function followEnd(scroller, flow) {
  let follow = true
  let reading = false
  const atEnd = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 24
  const toEnd = () => {
    if (follow) scroller.scrollTop = scroller.scrollHeight
  }
  for (const type of ['wheel', 'touchstart', 'pointerdown', 'keydown'])
    scroller.addEventListener(type, () => (reading = true), { passive: true })
  scroller.addEventListener('scroll', () => {
    if (reading) follow = atEnd()
  })
  for (const type of ['touchend', 'pointerup']) scroller.addEventListener(type, () => (reading = false), { passive: true })
  scroller.addEventListener('pointerleave', () => (reading = false))
  new ResizeObserver(toEnd).observe(flow)
  new ResizeObserver(toEnd).observe(scroller)
}
