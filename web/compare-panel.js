/**
 * The compare settings: a switch for the compare view and a latency choice per pane (two or three). The
 * choices are the ones the Latency card offers (profiles.js): the server's latency profiles from GET /profiles.
 * Kept in the page URL as `compare=fast,typical,slow`.
 */
import { $ } from './dom.js'
import { loadLatencyChoices } from './profiles.js'

const DEFAULT_PANES = ['fast', 'typical', 'slow']
const NONE = ''

const toggle = /** @type {HTMLInputElement} */ ($('compare'))
const fields = $('compare-fields')
const source = $('compare-source')
const selects = /** @type {HTMLSelectElement[]} */ ([1, 2, 3].map((n) => $(`compare-${n}`)))

/** @type {import('./profiles.js').LatencyChoice[]} */
let choices = []

/**
 * Loads the choices and sets the switch and the panes from the page URL (`wanted`: the panes' names; none:
 * the view is off, its panes at fast, typical, slow). `onChange` runs after any of them changes.
 * @param {() => void} onChange
 * @param {string[]} wanted
 */
export async function initCompare(onChange, wanted) {
  const names = wanted.slice(0, 3)
  toggle.checked = names.length >= 2
  const initial = names.length >= 2 ? names : DEFAULT_PANES
  toggle.addEventListener('change', () => {
    sync()
    onChange()
  })
  for (const select of selects)
    select.addEventListener('change', () => {
      sync()
      onChange()
    })
  fill(initial)
  choices = await loadLatencyChoices()
  fill(initial)
  source.textContent =
    choices.length > 0
      ? 'The server’s latency profiles (GET /profiles). The latency fields above do not apply.'
      : 'The server’s latency profiles did not load (GET /profiles): nothing to compare.'
}

/** @param {string[]} names */
function fill(names) {
  selects.forEach((select, i) => {
    const options = choices.map((c) => new Option(c.name, c.name))
    if (i === 2) options.unshift(new Option('— none —', NONE))
    select.replaceChildren(...options)
    const name = names[i]
    select.value =
      name !== undefined && choices.some((c) => c.name === name) ? name : i === 2 && names.length < 3 ? NONE : (choices[i]?.name ?? NONE)
  })
  sync()
}

function sync() {
  fields.hidden = !toggle.checked
  for (const select of selects) select.title = choices.find((c) => c.name === select.value)?.description ?? ''
}

/** The compare view's panes, or [] when it is off. @returns {import('./profiles.js').LatencyChoice[]} */
export function comparePanes() {
  if (!toggle.checked) return []
  return selects.flatMap((select) => choices.filter((c) => c.name === select.value))
}

/** Whether the compare view is on. */
export const compareOn = () => toggle.checked
