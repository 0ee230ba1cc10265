/**
 * The distribution table of one stream, in a compare pane and in the panel's Live figures: what its profile
 * declares (the p50, p90, p99 and max of the ttft and of the gap, as GET /profiles computes them from the
 * distributions) beside what this browser measured of the run (its time to first token, and the p50, p90,
 * p99 and max of the gaps between its token events as they arrived, percentiles.js), and the buttons that
 * download the run (export.js). Without a server profile (Custom) only the measured rows
 * are shown.
 */
import { el } from './dom.js'

const COLUMNS = /** @type {const} */ (['p50', 'p90', 'p99', 'max'])

/** @param {number} value ms, shown to a tenth below 100 */
export const ms = (value) => (value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10))

/**
 * @param {import('./profiles.js').ProfileStats | undefined} declared
 * @returns {HTMLElement}
 */
export function createDistribution(declared) {
  const root = el('div', 'dist')
  root.dataset.distribution = declared ? 'declared' : 'measured'
  const table = el('table', 'dist-table')
  table.append(
    el(
      'caption',
      'sr-only',
      declared
        ? 'Time to first token and gap, ms: what the profile declares and what arrived'
        : 'Time to first token and gap, ms, as they arrived',
    ),
  )
  const head = el('tr')
  const corner = el('td', 'dist-unit', 'ms')
  corner.colSpan = 2
  head.append(corner, ...COLUMNS.map((name) => th('col', name)))
  const thead = el('thead')
  thead.append(head)
  table.append(thead)
  for (const [name, label, title] of /** @type {const} */ ([
    ['ttft', 'TTFT', 'Time to first token: the first visible text, after Send'],
    ['gap', 'Gap', 'The gap between two units (an event of several units counts its gap per unit)'],
  ])) {
    const body = el('tbody')
    body.dataset.quantiles = name
    const what = th('row', label, 'dist-what')
    what.title = title
    const q = declared?.[name]
    if (q) {
      what.rowSpan = 2
      const row = el('tr', 'dist-declared')
      row.dataset.source = 'declared'
      row.title = 'What the profile declares (GET /profiles)'
      row.append(what, th('row', 'declared', 'dist-source'), ...COLUMNS.map((c) => el('td', '', q[c] === undefined ? '—' : ms(q[c]))))
      body.append(row)
    }
    const row = el('tr', 'dist-measured')
    row.dataset.source = 'measured'
    row.title = 'What arrived in this browser, this run'
    if (!q) row.append(what)
    row.append(th('row', 'measured', 'dist-source'))
    if (name === 'ttft') {
      const cell = el('td', 'dist-once', '—')
      cell.colSpan = COLUMNS.length
      cell.dataset.measured = 'ttft'
      row.append(cell)
    } else {
      for (const c of COLUMNS) {
        const cell = el('td', '', '—')
        cell.dataset.measured = `gap-${c}`
        row.append(cell)
      }
    }
    body.append(row)
    table.append(body)
  }
  const note = el('p', 'dist-note', '')
  note.dataset.measured = 'count'
  // the run's figures and every arrival, as a file (export.js): the page wires the buttons to its stream
  const exports = el('div', 'dist-export')
  exports.setAttribute('role', 'group')
  exports.setAttribute('aria-label', 'Export this run')
  exports.append(el('span', 'dist-export-label', 'Export'))
  for (const [kind, label, title] of /** @type {const} */ ([
    ['json', 'JSON', 'Download this run as JSON: the declared and measured figures, the start, and every event with its arrival'],
    ['csv', 'CSV', 'Download this run as CSV: one row per event, with its arrival in ms after Send'],
  ])) {
    const button = el('button', 'btn btn-tiny', label)
    button.type = 'button'
    button.title = title
    button.dataset.export = kind
    exports.append(button)
  }
  const foot = el('div', 'dist-foot')
  foot.append(note, exports)
  root.append(table, foot)
  return root
}

/**
 * Writes what was measured into a table from createDistribution (only the cells that changed).
 * @param {HTMLElement} root
 * @param {number | null} ttft  ms from Send to the first visible text
 * @param {import('./percentiles.js').Measured | null} gaps
 */
export function renderMeasured(root, ttft, gaps) {
  /** @type {Record<string, string>} */
  const values = {
    ttft: ttft === null ? '—' : `${ms(ttft)} (this run)`,
    count:
      gaps === null
        ? 'Measured: arrivals in this browser.'
        : `Measured: arrivals in this browser, ${gaps.count} gap${gaps.count === 1 ? '' : 's'}.`,
  }
  for (const c of COLUMNS) values[`gap-${c}`] = gaps === null ? '—' : ms(gaps[c])
  for (const cell of root.querySelectorAll('[data-measured]')) {
    const value = values[/** @type {HTMLElement} */ (cell).dataset.measured ?? '']
    if (value !== undefined && cell.textContent !== value) cell.textContent = value
  }
}

/** @param {'col' | 'row'} scope @param {string} text @param {string} [className] */
function th(scope, text, className = '') {
  const cell = el('th', className, text)
  cell.scope = scope
  return cell
}
