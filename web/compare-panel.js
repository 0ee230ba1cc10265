/**
 * The compare settings: a switch for the compare view and a latency choice per pane (two or three). The
 * choices are the server's latency profiles from GET /profiles (sent as `profile=NAME` on /stream and as the
 * `x-tokensim-profile` header on a vendor request); a server without that endpoint gets the page's presets
 * instead, sent as their ttft, delay and jitter. Kept in the page URL as `compare=fast,typical,slow`.
 */
import { $ } from './dom.js'
import { PRESETS } from './settings.js'

/**
 * One latency a pane can stream with.
 * @typedef {object} PaneChoice
 * @property {string} name
 * @property {string} description
 * @property {boolean} profile  a server profile (else a page preset, sent as its values)
 * @property {import('./settings.js').Preset} [preset]
 * @property {number} gap       its mean gap between units in ms, for the timeline's reference line
 * @property {ProfileStats} [stats]  a server profile's quantiles (GET /profiles), shown next to what was measured
 *
 * @typedef {{ p50: number, p90: number, p99: number }} Quantiles
 * @typedef {{ ttft: Quantiles, gap: Quantiles }} ProfileStats
 */

const DEFAULT_PANES = ['fast', 'typical', 'slow']
const NONE = ''

const toggle = /** @type {HTMLInputElement} */ ($('compare'))
const fields = $('compare-fields')
const source = $('compare-source')
const selects = /** @type {HTMLSelectElement[]} */ ([1, 2, 3].map((n) => $(`compare-${n}`)))

/** @type {PaneChoice[]} */
let choices = PRESETS.map(presetChoice)

/** @param {import('./settings.js').Preset} preset @returns {PaneChoice} */
function presetChoice(preset) {
  const description =
    preset.delay === 0 && preset.ttft === 0
      ? 'no delay at all'
      : `${preset.ttft} ms to first token, ${preset.delay} ms between units, jitter ${preset.jitter}`
  return { name: preset.id, description: `${preset.label}: ${description}`, profile: false, preset, gap: preset.delay }
}

/** The server's profiles, or null when it has no GET /profiles. @returns {Promise<PaneChoice[] | null>} */
async function fetchProfiles() {
  try {
    const response = await fetch('/profiles', { headers: { accept: 'application/json' } })
    if (!response.ok) return null
    const body = await response.json()
    if (!Array.isArray(body?.profiles)) return null
    const list = body.profiles
      .filter((/** @type {any} */ p) => typeof p?.name === 'string' && p.name !== '')
      .map((/** @type {any} */ p) => ({
        name: p.name,
        description: typeof p.description === 'string' ? p.description : '',
        profile: true,
        gap: Number(p?.stats?.gap?.p50 ?? p?.gap?.median ?? 0) || 0,
        ...(isQuantiles(p?.stats?.ttft) && isQuantiles(p?.stats?.gap) ? { stats: { ttft: p.stats.ttft, gap: p.stats.gap } } : {}),
      }))
    return list.length > 0 ? list : null
  } catch {
    return null
  }
}

/** @param {any} q @returns {q is Quantiles} */
const isQuantiles = (q) => ['p50', 'p90', 'p99'].every((k) => typeof q?.[k] === 'number')

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
  const profiles = await fetchProfiles()
  if (profiles !== null) {
    choices = profiles
    fill(initial)
  }
  source.textContent =
    profiles === null
      ? 'The page’s presets: this server has no GET /profiles. The latency fields above do not apply.'
      : 'The server’s latency profiles (GET /profiles). The latency fields above do not apply.'
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

/** The compare view's panes, or [] when it is off. @returns {PaneChoice[]} */
export function comparePanes() {
  if (!toggle.checked) return []
  return selects.flatMap((select) => choices.filter((c) => c.name === select.value))
}

/** Whether the compare view is on. */
export const compareOn = () => toggle.checked
