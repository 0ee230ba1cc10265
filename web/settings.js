/**
 * The stream settings: the form fields, the /stream query and the x-tokensim-* request headers they make (with
 * a fault list, and a server profile in place of the latency fields), and the page URL that mirrors them (so a
 * set-up demo can be shared as a link). Values go to the server as typed: the server is the one that validates
 * them, and the page shows its error message.
 */

/** The server profile the Latency card starts with. */
export const DEFAULT_PROFILE = 'typical'

/** Form fields that become /stream query parameters, in query order. */
export const STREAM_FIELDS = /** @type {const} */ (['unit', 'delay', 'ttft', 'jitter', 'seed', 'chunk'])

/** @typedef {Record<(typeof STREAM_FIELDS)[number], string>} StreamSettings */

/** @param {string} id */
const field = (id) => /** @type {HTMLInputElement | HTMLSelectElement} */ (document.getElementById(id))

/** The settings as typed (trimmed), field by field. @returns {StreamSettings} */
export function readSettings() {
  return /** @type {StreamSettings} */ (Object.fromEntries(STREAM_FIELDS.map((name) => [name, field(name).value.trim()])))
}

/**
 * Fills the latency fields the page URL left empty (Custom's starting values).
 * @param {{ ttft: number, delay: number, jitter: number }} values
 */
export function fillLatency(values) {
  for (const name of LATENCY_FIELDS) if (field(name).value === '') field(name).value = String(values[name])
}

/**
 * What a stream sends besides the form's fields.
 * @typedef {object} StreamExtras
 * @property {string} [fault]     a fault list in the server's vocabulary ('' or absent: none)
 * @property {string} [profile]   a server latency profile by name: it replaces the latency fields
 */

const LATENCY_FIELDS = /** @type {const} */ (['ttft', 'delay', 'jitter'])
/** @param {string} name */
const isLatency = (name) => /** @type {readonly string[]} */ (LATENCY_FIELDS).includes(name)

/**
 * The settings a stream sends, by /stream query name, in query order: the form's fields (empty ones left out),
 * with a profile in place of the latency fields, then the fault list.
 * @param {StreamSettings} settings
 * @param {StreamExtras} extras
 * @returns {[string, string][]}
 */
function streamParams(settings, { fault, profile }) {
  /** @type {[string, string][]} */
  const out = []
  for (const name of STREAM_FIELDS) {
    if (isLatency(name) && profile) continue
    if (settings[name] !== '') out.push([name, settings[name]])
  }
  if (profile) out.push(['profile', profile])
  if (fault) out.push(['fault', fault])
  return out
}

/**
 * The /stream URL for a canned reply or a literal text. Empty optional fields are left out.
 * @param {{ reply: string } | { text: string }} source
 * @param {StreamSettings} settings
 * @param {StreamExtras} [extras]
 */
export function streamUrl(source, settings, extras = {}) {
  const query = new URLSearchParams('text' in source ? { text: source.text } : { reply: source.reply })
  for (const [name, value] of streamParams(settings, extras)) query.set(name, value)
  return `/stream?${query}`
}

/**
 * The headers that carry the same settings on a vendor request (`x-tokensim-delay: 25`, `x-tokensim-fault:
 * error-after:40`, ...), with the reply to give: the canned reply's name, or `echo` for the user's own text
 * (the user message, which the server answers with word for word).
 * @param {{ reply: string } | { text: string }} source
 * @param {StreamSettings} settings
 * @param {StreamExtras} [extras]
 * @returns {Record<string, string>}
 */
export function streamHeaders(source, settings, extras = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'x-tokensim-reply': 'text' in source ? 'echo' : source.reply }
  for (const [name, value] of streamParams(settings, extras)) headers[`x-tokensim-${name}`] = value
  return headers
}

/** Page URL parameters the page reads at start and keeps up to date. */
const URL_KEYS = [...STREAM_FIELDS, 'reply', 'boundaries', 'format', 'compare', 'fault', 'profile', 'preset']

/**
 * Fills the form from the page URL (e.g. `/?reply=code&delay=40&unit=word&boundaries=1&format=gemini`).
 * Returns the values the caller applies itself (reply, boundaries, format, the latency picked: `profile=NAME`,
 * or an old link's `preset=NAME`, which names a profile now, and whether the URL gives latency fields; the
 * compare view's panes as `compare=fast,typical,slow`, the fault list as `fault=error-after:40`).
 */
export function loadFromUrl() {
  const query = new URLSearchParams(location.search)
  field('unit').value = 'token'
  field('chunk').value = '1'
  for (const name of LATENCY_FIELDS) field(name).value = '' // what the URL leaves out, the picked profile fills (fillLatency)
  for (const name of STREAM_FIELDS) {
    const value = query.get(name)
    if (value !== null) field(name).value = value
  }
  return {
    reply: query.get('reply'),
    boundaries: query.get('boundaries') === '1',
    format: query.get('format'),
    latency: {
      profile: query.get('profile'),
      preset: query.get('preset'),
      fields: LATENCY_FIELDS.some((name) => query.has(name)),
    },
    compare: (query.get('compare') ?? '').split(',').filter((name) => name.trim() !== ''),
    fault: query.get('fault') ?? '',
  }
}

/**
 * What the page URL is to say about the latency.
 * @typedef {{ profile: string } | 'custom'} LatencyInUrl
 *   `{ profile }`: a server profile is picked: `profile=NAME` (nothing for the default one);
 *   'custom': Custom: the latency fields
 */

/** The page URL key of presenter mode (presenter.js): `presenter=1`, left out when off. */
const PRESENTER_URL_KEY = 'presenter'

/** Whether the page URL asks for presenter mode. */
export const presenterInUrl = () => new URLSearchParams(location.search).get(PRESENTER_URL_KEY) === '1'

/**
 * Puts presenter mode into the page URL, or takes it out, without adding a history entry. saveToUrl leaves
 * the key as it is (it is not one of URL_KEYS), so the two never undo each other.
 * @param {boolean} on
 */
export function savePresenterToUrl(on) {
  const query = new URLSearchParams(location.search)
  if (on) query.set(PRESENTER_URL_KEY, '1')
  else query.delete(PRESENTER_URL_KEY)
  replaceQuery(query)
}

/**
 * The page URL with that query, in place of the current one (no history entry). `,` and `:` need no escaping
 * in a query: `compare=fast,slow&fault=error-after:40` stays readable.
 * @param {URLSearchParams} query
 */
function replaceQuery(query) {
  const search = query.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':')
  const next = `${location.pathname}${search ? `?${search}` : ''}${location.hash}`
  if (next !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', next)
}

/**
 * Mirrors the settings into the page URL without adding history entries.
 * @param {{ reply: string | null, boundaries: boolean, format: string, latency: LatencyInUrl, compare: string[], fault: string }} extra
 *   format: left out when native; compare: the panes' profiles, left out when the compare view is off
 */
export function saveToUrl(extra) {
  const query = new URLSearchParams(location.search)
  for (const key of URL_KEYS) query.delete(key)
  const s = readSettings()
  const { latency } = extra
  if (typeof latency === 'object' && latency.profile !== DEFAULT_PROFILE) query.set('profile', latency.profile)
  for (const name of STREAM_FIELDS) {
    if (isLatency(name) && latency !== 'custom') continue
    if (s[name] !== '' && !(name === 'unit' && s[name] === 'token') && !(name === 'chunk' && s[name] === '1')) query.set(name, s[name])
  }
  if (extra.reply) query.set('reply', extra.reply)
  if (extra.boundaries) query.set('boundaries', '1')
  if (extra.format !== 'native') query.set('format', extra.format)
  if (extra.compare.length > 0) query.set('compare', extra.compare.join(','))
  if (extra.fault !== '') query.set('fault', extra.fault)
  // presenter mode's key (savePresenterToUrl) stays, last, where a link reads it at a glance
  const presenter = query.get(PRESENTER_URL_KEY)
  query.delete(PRESENTER_URL_KEY)
  if (presenter !== null) query.set(PRESENTER_URL_KEY, presenter)
  replaceQuery(query)
}
