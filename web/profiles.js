/**
 * The latencies the page offers, in the Latency card's picker and in the compare view's panes alike: the
 * server's latency profiles from GET /profiles (the built-in ones and the user's `--profiles`), each sent by
 * name (`profile=NAME` on /stream, `x-tokensim-profile: NAME` on a vendor request) in place of the latency
 * fields; or, against a server without that endpoint, the page's own presets, sent as their ttft, delay and
 * jitter. The listing is fetched once and shared by both.
 */
import { PRESETS } from './settings.js'

/**
 * One latency a stream can go with.
 * @typedef {object} LatencyChoice
 * @property {string} name
 * @property {string} description
 * @property {boolean} profile  a server profile (else a page preset, sent as its values)
 * @property {import('./settings.js').Preset} [preset]
 * @property {number} gap       its median gap between units in ms, for the timeline's reference line
 * @property {number} [ttft]    its median time to first token in ms (a server profile's), for the picker's tile
 * @property {ProfileStats} [stats]  a server profile's quantiles (GET /profiles), shown next to what was measured
 *
 * @typedef {{ p50: number, p90: number, p99: number, max?: number }} Quantiles
 * @typedef {{ ttft: Quantiles, gap: Quantiles }} ProfileStats
 *
 * @typedef {object} LatencyChoices
 * @property {LatencyChoice[]} choices
 * @property {boolean} fromServer  GET /profiles answered (else the choices are the page's presets)
 */

/** @param {import('./settings.js').Preset} preset @returns {LatencyChoice} */
export function presetChoice(preset) {
  const description =
    preset.delay === 0 && preset.ttft === 0
      ? 'no delay at all'
      : `${preset.ttft} ms to first token, ${preset.delay} ms between units, jitter ${preset.jitter}`
  return { name: preset.id, description: `${preset.label}: ${description}`, profile: false, preset, gap: preset.delay }
}

/** @type {Promise<LatencyChoices> | null} */
let loading = null

/** The choices, fetched on the first call; every later call gets the same answer. @returns {Promise<LatencyChoices>} */
export function loadLatencyChoices() {
  loading ??= fetchProfiles().then((profiles) =>
    profiles === null ? { choices: PRESETS.map(presetChoice), fromServer: false } : { choices: profiles, fromServer: true },
  )
  return loading
}

/** The server's profiles, or null when it has no GET /profiles. @returns {Promise<LatencyChoice[] | null>} */
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
        ttft: Number(p?.stats?.ttft?.p50 ?? p?.ttft?.median ?? 0) || 0,
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
 * What a stream with this latency sends besides the form's fields: the profile's name in place of the latency
 * fields, or a preset's values in their place.
 * @param {LatencyChoice} choice
 * @param {string} fault
 * @returns {import('./settings.js').StreamExtras}
 */
export function latencyExtras(choice, fault) {
  if (choice.profile) return { fault, profile: choice.name }
  return choice.preset ? { fault, preset: choice.preset } : { fault }
}
