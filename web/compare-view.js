/**
 * The compare view in the conversation: one message holding two or three panes side by side (stacked on a
 * narrow screen), one per latency, each with its name and description, its own live figures (time to first
 * token, units per second, elapsed, and a bar of the units received), what its profile declares (the p50, p90,
 * p99 and max of ttft and gap from GET /profiles) beside what this run measured (distribution.js), and its own
 * copy of the reply as it streams.
 */
import { createDistribution } from './distribution.js'
import { el } from './dom.js'

/**
 * One pane: an assistant message of its own for the page's stream code (see chat.js), with its figures.
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
    title.append(el('span', 'pane-index', String(i + 1)), el('span', 'pane-name', choice.name), el('span', 'pane-state'))
    const description = el('p', 'pane-description', choice.description)
    description.title = choice.description
    top.append(title, description)
    const figures = el('div', 'pane-stats')
    const list = el('dl', 'pane-figures')
    for (const [name, text, title] of [
      ['ttft', 'TTFT', 'Time to first token'],
      ['tps', 'Tok/s', 'Units per second since the first'],
      ['elapsed', 'Elapsed', 'Time since Send'],
    ]) {
      const cell = el('div', 'pane-figure')
      const dt = el('dt', '', text)
      dt.title = /** @type {string} */ (title)
      if (name === 'tps') dt.dataset.figureLabel = name
      const dd = el('dd')
      const value = el('span', '', '—')
      value.dataset.figure = /** @type {string} */ (name)
      dd.append(value)
      cell.append(dt, dd)
      list.append(cell)
    }
    // how far it got: a bar (of the whole reply, when its length is known) and the count
    const progress = el('div', 'pane-progress')
    const bar = el('progress', 'pane-bar')
    bar.max = 1
    bar.value = 0
    bar.setAttribute('aria-label', `Pane ${i + 1}: units received`)
    const count = el('span', 'pane-count', '—')
    count.dataset.figure = 'count'
    progress.append(bar, count)
    const distribution = createDistribution(choice.stats)
    figures.append(list, progress, distribution)
    const scroller = el('div', 'pane-body')
    const typing = el('div', 'typing')
    typing.append(el('i'), el('i'), el('i'), el('span', 'sr-only', 'Waiting for the first token'))
    const content = el('div', 'content md')
    const notices = el('ul', 'notices')
    const footer = el('div', 'msg-footer')
    scroller.append(typing, content, notices)
    pane.append(top, figures, scroller, footer)
    grid.append(pane)
    return { root: pane, content, notices, footer, figures, scroller, bar, distribution }
  })
  root.append(head, grid)
  log.append(root)
  return { root, panes }
}
