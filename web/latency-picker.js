/**
 * The Latency card's picker. Its tiles are the server's latency profiles (GET /profiles, profiles.js: the
 * built-in ones and the user's `--profiles`), each with its median time to first token and gap, and Custom,
 * which uses the ttft, delay and jitter fields under it. A profile picked streams with `profile=NAME` on
 * /stream and `x-tokensim-profile: NAME` on a vendor request, in place of those fields, which are dimmed
 * meanwhile; typing into one of them picks Custom. Against a server without GET /profiles the tiles are the
 * page's presets, as they always were: a tile fills the fields with its values, the tile lit is the preset the
 * fields match, and "Custom values" shows when they match none.
 */
import { ms } from './distribution.js'
import { $, el } from './dom.js'
import { loadLatencyChoices } from './profiles.js'
import { DEFAULT_PROFILE, applyPreset, matchingPreset, readSettings } from './settings.js'

const picker = $('latency-picker')
const note = $('latency-note')
const fields = $('latency-fields')

/** @type {import('./profiles.js').LatencyChoice[]} */
let choices = []
/** GET /profiles answered: the tiles are its profiles and Custom (else the page's presets). */
let fromServer = false
/** @type {import('./profiles.js').LatencyChoice | null} the server profile picked; null: Custom (or the presets) */
let picked = null

/**
 * What the page URL asked for (settings.js loadFromUrl): `profile=NAME`, `preset=ID`, and whether it gave any
 * of the latency fields.
 * @typedef {{ profile: string | null, preset: string | null, fields: boolean }} WantedLatency
 */

/**
 * Loads the choices and builds the tiles, the one lit chosen from the page URL: a known `profile=NAME`; else
 * Custom when the URL gives latency fields; else the profile an old link's `preset=ID` names; else typical.
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
  const loaded = await loadLatencyChoices()
  choices = loaded.choices
  fromServer = loaded.fromServer
  if (fromServer) {
    const named = (/** @type {string | null} */ name) => choices.find((c) => c.name === name)
    picked = named(wanted.profile) ?? (wanted.fields ? null : (named(wanted.preset) ?? named(DEFAULT_PROFILE) ?? choices[0] ?? null))
  }
  build(onChange)
  sync()
}

/** @param {() => void} onChange */
function build(onChange) {
  const tiles = choices.map((choice) => {
    const id = fromServer ? `latency-profile-${choice.name}` : `preset-${choice.name}`
    const tile = radio(id, choice.name, fromServer ? choice.name : (choice.preset?.label ?? choice.name), detailOf(choice))
    tile.label.title = choice.description
    tile.label.dataset.profile = choice.name
    tile.input.addEventListener('change', () => {
      if (choice.preset && !fromServer) applyPreset(choice.preset)
      picked = fromServer ? choice : null
      sync()
      onChange()
    })
    return tile
  })
  if (fromServer) {
    const custom = radio('latency-custom', '', 'Custom', '')
    custom.label.title = 'Your own time to first token, delay and jitter: the fields below'
    custom.label.dataset.custom = 'true'
    custom.input.addEventListener('change', () => {
      picked = null
      sync()
      onChange()
    })
    tiles.push(custom)
  }
  picker.replaceChildren(el('legend', 'sr-only', fromServer ? 'Latency profile' : 'Preset'))
  for (const { input, label } of tiles) picker.append(input, label)
  if (!fromServer) picker.append(el('span', 'preset-custom', 'Custom values'))
  picker.dataset.source = fromServer ? 'profiles' : 'presets'
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
  const ttft = choice.preset?.ttft ?? choice.ttft ?? 0
  return ttft === 0 && choice.gap === 0 ? 'no delay' : `${ms(ttft)} ms · ${ms(choice.gap)} ms`
}

/** Brings the tiles, the fields' look and the note in line with the pick (or, with presets, the fields). */
function sync() {
  const { ttft, delay } = readSettings()
  const custom = picker.querySelector('label[data-custom] .preset-detail')
  if (custom) custom.textContent = `${ttft === '' ? '—' : ttft} ms · ${delay === '' ? '—' : delay} ms`
  const lit = fromServer ? (picked?.name ?? '') : (matchingPreset()?.id ?? null)
  for (const input of picker.querySelectorAll('input')) input.checked = input.value === lit
  picker.dataset.custom = String(!fromServer && lit === null)
  fields.dataset.applies = String(picked === null)
  note.textContent = !fromServer
    ? ''
    : picked === null
      ? 'Custom: the time to first token, delay and jitter below, sent as they are.'
      : `${picked.description || picked.name}. Sent as the profile's name; the fields below do not apply (typing into one picks Custom).`
}

/** The server profile picked, or null when the latency fields apply (Custom, or the page's presets). */
export const pickedProfile = () => picked

/** What the page URL is to say about the latency (settings.js saveToUrl). @returns {import('./settings.js').LatencyInUrl} */
export function latencyInUrl() {
  if (!fromServer) return 'presets'
  return picked === null ? 'custom' : { profile: picked.name }
}
