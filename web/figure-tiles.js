/**
 * The panel's Live figures beyond what the stream code writes (stats.js renderFigures):
 * - one start tile where two moments are the same by construction: on the native /stream, EventSource hides
 *   the `retry:` line, so the first event the page can see is the first token, and "First byte" and "TTFT"
 *   are one event; their tiles merge into one, which says why on hover (its title);
 * - the measured gap's p50 and p99 as a figure of their own (copied from the panel's distribution table as it
 *   fills in), for presenter mode;
 * - the reading pace (reading-pace.js).
 * The tiles follow the last Send (its `data-format`), or the format picked while the conversation is empty.
 */
import { $ } from './dom.js'
import { watchReadingPace } from './reading-pace.js'

/** Why the native format shows one start tile (its title). */
export const SAME_EVENT_REASON =
  'First byte and TTFT are the same event on the native /stream: EventSource hides the retry: line that comes first, so the first event the page sees is the first token.'

const figures = $('figures')
const distribution = $('figures-distribution')
const log = $('log')
const formatSelect = /** @type {HTMLSelectElement} */ ($('format'))
const byteTile = /** @type {HTMLElement} */ (figures.querySelector('[data-tile="byte"]'))
const ttftTile = /** @type {HTMLElement} */ (figures.querySelector('[data-tile="ttft"]'))
const ttftLabel = /** @type {HTMLElement} */ (ttftTile.querySelector('dt abbr') ?? ttftTile.querySelector('dt'))
const paceTile = /** @type {HTMLElement} */ (figures.querySelector('[data-tile="pace"]'))
const ttftText = ttftLabel.textContent ?? 'TTFT'
const ttftTitle = ttftLabel.getAttribute('title') ?? ''

/** The wire format of what the figures show: the last Send's, else the one picked. */
function shownFormat() {
  const sends = log.querySelectorAll(':scope > [data-format]')
  const last = /** @type {HTMLElement | undefined} */ (sends[sends.length - 1])
  return last?.dataset.format ?? formatSelect.value
}

function showStartTiles() {
  const merged = shownFormat() === 'native'
  const state = merged ? 'merged' : 'apart'
  if (figures.dataset.start === state) return
  figures.dataset.start = state
  byteTile.hidden = merged
  ttftLabel.textContent = merged ? 'TTFT · first byte' : ttftText
  ttftLabel.setAttribute('title', merged ? `Time to first token. ${SAME_EVENT_REASON}` : ttftTitle)
  if (merged) ttftTile.title = SAME_EVENT_REASON
  else ttftTile.removeAttribute('title')
  // an odd number of tiles: the reading pace takes a row of its own
  paceTile.classList.toggle('figure-wide', merged)
}

function showGap() {
  for (const q of ['p50', 'p99']) {
    const value = distribution.querySelector(`[data-measured="gap-${q}"]`)?.textContent ?? '—'
    const target = figures.querySelector(`[data-gap="${q}"]`)
    if (target && target.textContent !== value) target.textContent = value
  }
}

new MutationObserver(showStartTiles).observe(log, { childList: true })
formatSelect.addEventListener('change', showStartTiles)
// the panel's select is filled by app.js at start: look again once the page says it is ready
new MutationObserver(showStartTiles).observe($('app'), { attributes: true, attributeFilter: ['data-ready'] })
new MutationObserver(showGap).observe(distribution, { childList: true, subtree: true, characterData: true })
showStartTiles()
showGap()
watchReadingPace(log, /** @type {HTMLElement} */ (figures.querySelector('[data-pace]')))
