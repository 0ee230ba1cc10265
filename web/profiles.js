/**
 * The latencies the page offers, in the Latency card's picker and in the compare view's panes alike: the
 * server's latency profiles from GET /profiles (the built-in ones and the user's `--profiles`), each sent by
 * name (`profile=NAME` on /stream, `x-tokensim-profile: NAME` on a vendor request) in place of the latency
 * fields. The listing is fetched once and shared by both.
 */

/**
 * One latency profile a stream can go with.
 * @typedef {object} LatencyChoice
 * @property {string} name
 * @property {string} description
 * @property {number} gap    its median gap between units in ms, for the timeline's reference line
 * @property {number} ttft   its median time to first token in ms, for the picker's tile
 * @property {ProfileStats} [stats]  its quantiles (GET /profiles), shown next to what was measured
 *
 * @typedef {{ p50: number, p90: number, p99: number, max?: number }} Quantiles
 * @typedef {{ ttft: Quantiles, gap: Quantiles }} ProfileStats
 */

/**
 * The choices a GET /profiles body lists (none from a body that is not a listing).
 * @param {unknown} body
 * @returns {LatencyChoice[]}
 */
export function latencyChoices(body) {
  const listed = /** @type {{ profiles?: unknown }} */ (body ?? {}).profiles
  if (!Array.isArray(listed)) return []
  return listed
    .filter((/** @type {any} */ p) => typeof p?.name === 'string' && p.name !== '')
    .map((/** @type {any} */ p) => ({
      name: p.name,
      description: typeof p.description === 'string' ? p.description : '',
      gap: Number(p?.stats?.gap?.p50 ?? p?.gap?.median ?? 0) || 0,
      ttft: Number(p?.stats?.ttft?.p50 ?? p?.ttft?.median ?? 0) || 0,
      ...(isQuantiles(p?.stats?.ttft) && isQuantiles(p?.stats?.gap) ? { stats: { ttft: p.stats.ttft, gap: p.stats.gap } } : {}),
    }))
}

/** @param {any} q @returns {q is Quantiles} */
const isQuantiles = (q) => ['p50', 'p90', 'p99'].every((k) => typeof q?.[k] === 'number')

/** @type {Promise<LatencyChoice[]> | null} */
let loading = null

/**
 * The server's profiles, fetched on the first call (every later call gets the same answer); none when
 * GET /profiles does not answer with them (a server started with --api-key refuses the page's requests).
 * @returns {Promise<LatencyChoice[]>}
 */
export function loadLatencyChoices() {
  loading ??= fetch('/profiles', { headers: { accept: 'application/json' } })
    .then((response) => (response.ok ? response.json() : null))
    .then(latencyChoices, () => [])
  return loading
}

/**
 * What a stream with this profile sends besides the form's fields: its name, in place of the latency fields.
 * @param {LatencyChoice} choice
 * @param {string} fault
 * @returns {import('./settings.js').StreamExtras}
 */
export const latencyExtras = (choice, fault) => ({ fault, profile: choice.name })
