/**
 * The settings side panel: the wire format picker, the latency and unit fields (with the jitter slider and the
 * rate hint), marks on a field the server refused, and opening or closing the panel. The latency picker above
 * the fields is latency-picker.js.
 */
import { $, el } from './dom.js'
import { FORMATS, formatById } from './formats.js'
import { STREAM_FIELDS, readSettings } from './settings.js'

const app = $('app')
const jitter = /** @type {HTMLInputElement} */ ($('jitter'))
const jitterRange = /** @type {HTMLInputElement} */ ($('jitter-range'))
const delayRate = $('delay-rate')
const toggle = $('toggle-panel')
const formatSelect = /** @type {HTMLSelectElement} */ ($('format'))
const formatNote = $('format-note')

/**
 * Builds the format picker and wires every field; `onChange` runs after any setting changes.
 * @param {() => void} onChange
 * @param {string | null} format  the format to pick first (from the page URL)
 */
export function initPanel(onChange, format) {
  const changed = () => {
    syncPanel()
    onChange()
  }
  formatSelect.replaceChildren(...FORMATS.map((f) => new Option(f.label, f.id)))
  formatSelect.value = formatById(format).id
  describeFormat()
  formatSelect.addEventListener('change', () => {
    describeFormat()
    changed()
  })

  for (const name of STREAM_FIELDS) {
    $(name).addEventListener('input', () => {
      unmark(name)
      changed()
    })
  }
  jitterRange.addEventListener('input', () => {
    jitter.value = jitterRange.value
    unmark('jitter')
    changed()
  })
  toggle.addEventListener('click', () => setPanel(app.dataset.panel === 'closed'))
  setPanel(!matchMedia('(max-width: 900px)').matches)
  syncPanel()
}

/** Brings the slider and the rate hint in line with the fields. */
export function syncPanel() {
  if (jitter.value !== '' && Number.isFinite(Number(jitter.value))) jitterRange.value = jitter.value
  const { delay, unit } = readSettings()
  const ms = Number(delay)
  delayRate.textContent =
    delay === '' || !Number.isFinite(ms) || ms < 0
      ? ''
      : ms === 0
        ? 'as fast as the server can'
        : `≈ ${formatRate(1000 / ms)} ${unit || 'token'}s/s`
}

/** The wire format picked. */
export function chosenFormat() {
  return formatById(formatSelect.value)
}

function describeFormat() {
  const format = chosenFormat()
  formatNote.replaceChildren(el('code', 'format-endpoint', `${format.method} ${format.path}`), el('span', '', format.note))
}

/** @param {number} rate */
const formatRate = (rate) => (rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1).replace(/\.0$/, ''))

/** @param {boolean} open */
function setPanel(open) {
  app.dataset.panel = open ? 'open' : 'closed'
  toggle.setAttribute('aria-expanded', String(open))
}

/**
 * Marks the setting the server refused, if it is one of the panel's fields, and makes sure it can be seen.
 * @param {string | null} param
 */
export function markFieldError(param) {
  if (param === null || !(/** @type {readonly string[]} */ (STREAM_FIELDS).includes(param))) return
  const input = $(param)
  input.setAttribute('aria-invalid', 'true')
  input.classList.add('server-invalid')
  if (app.dataset.panel === 'closed') setPanel(true)
}

export function clearFieldErrors() {
  for (const name of STREAM_FIELDS) unmark(name)
}

/** @param {string} name */
function unmark(name) {
  $(name).removeAttribute('aria-invalid')
  $(name).classList.remove('server-invalid')
}
