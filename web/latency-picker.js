/**
 * The Latency card's picker. Its tiles are the server's latency profiles (GET /profiles, profiles.js: the
 * built-in ones and the user's `--profiles`), each with its median time to first token and gap, and Custom,
 * which uses the ttft, delay and jitter fields under it. A profile picked streams with `profile=NAME` on
 * /stream and `x-tokensim-profile: NAME` on a vendor request, in place of those fields, which are dimmed
 * meanwhile; typing into one of them picks Custom. The fields start with the medians of the profile the page
 * starts with (and jitter 0), where the page URL does not give them.
 */
import { ms } from './distribution.js'
import { $, el } from './dom.js'
import { loadLatencyChoices } from './profiles.js'
import { DEFAULT_PROFILE, fillLatency, readSettings } from './settings.js'

const picker = $('latency-picker')
const note = $('latency-note')
const fields = $('latency-fields')

/** @type {import('./profiles.js').LatencyChoice[]} */
let choices = []
/** @type {import('./profiles.js').LatencyChoice | null} the server profile picked; null: Custom */
let picked = null

/**
 * What the page URL asked for (settings.js loadFromUrl): `profile=NAME`, an old link's `preset=NAME` (the page's
 * presets were named as the profiles are), and whether it gave any of the latency fields.
 * @typedef {{ profile: string | null, preset: string | null, fields: boolean }} WantedLatency
 */

/**
 * Loads the profiles and builds the tiles, the one lit chosen from the page URL: a known `profile=NAME`; else
 * Custom when the URL gives latency fields; else the profile an old link's `preset=NAME` names; else typical.
 * `onChange` runs after the pick changes.
 * @param {() => void} onChange
 * @param {WantedLatency} wanted
 */
export async function initLatencyPicker(onChange, wanted) {
  for (const id of ['ttft', 'delay', 'jitter', 'jitter-range']) {
    $(id).addEventListener('input', () => {
      const before = picked
      picked = null // typing a latency means it: Custom
      sync()
      if (before !== null) onChange()
    })
  }
  choices = await loadLatencyChoices()
  const named = (/** @type {string | null} */ name) => choices.find((c) => c.name === name)
  const base = named(wanted.profile) ?? named(wanted.preset) ?? named(DEFAULT_PROFILE) ?? choices[0]
  picked = named(wanted.profile) ?? (wanted.fields ? null : (base ?? null))
  fillLatency({ ttft: base?.ttft ?? 0, delay: base?.gap ?? 0, jitter: 0 })
  build(onChange)
  sync()
}

/** @param {() => void} onChange */
function build(onChange) {
  const tiles = choices.map((choice) => {
    const tile = radio(`latency-profile-${choice.name}`, choice.name, choice.name, detailOf(choice))
    tile.label.title = choice.description
    tile.label.dataset.profile = choice.name
    tile.input.addEventListener('change', () => {
      picked = choice
      sync()
      onChange()
    })
    return tile
  })
  const custom = radio('latency-custom', '', 'Custom', '')
  custom.label.title = 'Your own time to first token, delay and jitter: the fields below'
  custom.label.dataset.custom = 'true'
  custom.input.addEventListener('change', () => {
    picked = null
    sync()
    onChange()
  })
  tiles.push(custom)
  picker.replaceChildren(el('legend', 'sr-only', 'Latency profile'))
  for (const { input, label } of tiles) picker.append(input, label)
}

/**
 * @param {string} id
 * @param {string} value
 * @param {string} name
 * @param {string} detail
 */
function radio(id, value, name, detail) {
  const input = el('input')
  input.type = 'radio'
  input.name = 'latency'
  input.id = id
  input.value = value
  const label = el('label')
  label.htmlFor = id
  label.append(el('span', 'preset-name', name), el('span', 'preset-detail', detail))
  return { input, label }
}

/** A tile's second line: its median ttft and gap. @param {import('./profiles.js').LatencyChoice} choice */
function detailOf(choice) {
  return choice.ttft === 0 && choice.gap === 0 ? 'no delay' : `${ms(choice.ttft)} ms · ${ms(choice.gap)} ms`
}

/** Brings the tiles, the fields' look and the note in line with the pick. */
function sync() {
  const { ttft, delay } = readSettings()
  const custom = picker.querySelector('label[data-custom] .preset-detail')
  if (custom) custom.textContent = `${ttft === '' ? '—' : ttft} ms · ${delay === '' ? '—' : delay} ms`
  const lit = picked?.name ?? ''
  for (const input of picker.querySelectorAll('input')) input.checked = input.value === lit
  fields.dataset.applies = String(picked === null)
  note.textContent =
    picked !== null
      ? `${picked.description || picked.name}. Sent as the profile's name; the fields below do not apply (typing into one picks Custom).`
      : choices.length === 0
        ? 'Custom: the server’s profiles did not load (GET /profiles). The fields below are sent as they are.'
        : 'Custom: the time to first token, delay and jitter below, sent as they are.'
}

/** The server profile picked, or null when the latency fields apply (Custom). */
export const pickedProfile = () => picked

/** What the page URL is to say about the latency (settings.js saveToUrl). @returns {import('./settings.js').LatencyInUrl} */
export const latencyInUrl = () => (picked === null ? 'custom' : { profile: picked.name })
