/**
 * Built-in demo scenarios: reasoning, a tool call, or both, around the reply picked in the composer, without a
 * scenarios file. The page sets the demo's rule on the server with `PUT /scenarios` in a scope of its own
 * (`x-tokensim-scope: page-…`, one per page load) and sends that scope with its vendor requests, so the
 * server answers with the demo's reasoning and tool calls as it would with any scenario rule, and no other
 * client sees the rule. The canned reply (or your text) is still the answer's text, through `x-tokensim-reply`.
 * The native /stream carries text only, and OpenAI Chat Completions streams no reasoning; the note says so.
 * The demo is kept in the page URL (`demo=agent`).
 */
import { $ } from './dom.js'

const REASONING =
  'The user picked a canned reply, so the words of the answer are settled; what matters is how they arrive. ' +
  'A reader notices three things: how long before anything shows, the pace once it flows, and any pause ' +
  'in the middle. A reasoning model spends this phase before the answer, so its first visible token comes ' +
  'late even when its tokens per second are high. Time to write the answer.'

const TOOL_CALL = {
  name: 'get_weather',
  arguments: { location: { city: 'Paris', country: 'FR' }, unit: 'celsius', days: 3, include: ['temperature', 'precipitation', 'wind'] },
}

/**
 * @typedef {object} Demo
 * @property {string} id
 * @property {string} label
 * @property {object | null} rule   the scenario rule, in the scenarios file's form (null: no demo)
 */

/** @type {readonly Demo[]} */
const DEMOS = [
  { id: 'none', label: 'None: the reply only', rule: null },
  { id: 'reasoning', label: 'Reasoning, then the reply', rule: { name: 'page-demo-reasoning', reasoning: REASONING } },
  { id: 'tool-call', label: 'The reply, then a tool call', rule: { name: 'page-demo-tool-call', tool_calls: [TOOL_CALL] } },
  {
    id: 'agent',
    label: 'Reasoning, the reply and a tool call',
    rule: { name: 'page-demo-agent', reasoning: REASONING, tool_calls: [TOOL_CALL] },
  },
]

const select = /** @type {HTMLSelectElement} */ ($('demo'))
const note = $('demo-note')

/** The page's own scope for its demo rule. */
const scope = `page-${Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('')}`

/** @type {Promise<void>} the latest PUT of the demo's rule */
let setting = Promise.resolve()
let settled = true
/** Whether the server holds the picked demo's rule (a refusal leaves the demo off). */
let held = false
/** @type {string} what the server said when it refused */
let refused = ''

/** The demo picked. */
function chosenDemo() {
  return DEMOS.find((d) => d.id === select.value) ?? /** @type {Demo} */ (DEMOS[0])
}

/**
 * Builds the picker and sets the URL's demo (`demo=` in the page URL) on the server.
 * @param {() => void} onChange  after the demo changes (the page URL is written)
 * @returns {Promise<void>} settled when the server holds the demo's rule
 */
export function initDemos(onChange) {
  select.replaceChildren(...DEMOS.map((d) => new Option(d.label, d.id)))
  select.value = DEMOS.find((d) => d.id === new URLSearchParams(location.search).get('demo'))?.id ?? 'none'
  select.addEventListener('change', () => {
    apply()
    saveDemoToUrl()
    onChange()
  })
  if (chosenDemo().rule !== null) apply() // the page's scope holds nothing yet: none needs no request
  saveDemoToUrl()
  // the scope goes with the page (what a closing page sends may not arrive: the server drops old scopes anyway)
  addEventListener('pagehide', () => {
    // A PUT still on its way counts too: the server may hold the rule before this page has heard that it does.
    if (held || chosenDemo().rule !== null)
      void fetch('/scenarios', { method: 'DELETE', headers: { 'x-tokensim-scope': scope }, keepalive: true }).catch(() => {})
  })
  return setting
}

/** Puts the picked demo's rule on the server, in the page's scope (or clears the scope for none). */
function apply() {
  const demo = chosenDemo()
  settled = false
  held = false
  refused = ''
  const done = async () => {
    try {
      const response = await fetch('/scenarios', {
        method: demo.rule === null ? 'DELETE' : 'PUT',
        headers: { 'content-type': 'application/json', 'x-tokensim-scope': scope },
        ...(demo.rule === null ? {} : { body: JSON.stringify([demo.rule]) }),
      })
      if (response.ok) held = demo.rule !== null
      else {
        const body = await response.json().catch(() => undefined)
        refused = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${response.status}`
      }
    } catch (error) {
      refused = error instanceof Error ? error.message : String(error)
    }
  }
  const next = setting.then(done)
  setting = next
  void next.then(() => {
    if (setting !== next) return
    settled = true
    describeDemo(lastFormat)
  })
}

/** @type {import('./formats.js').Format | null} */
let lastFormat = null

/**
 * What the demo does in that format, under the picker.
 * @param {import('./formats.js').Format | null} format
 */
export function describeDemo(format) {
  lastFormat = format
  const demo = chosenDemo()
  const text =
    demo.rule === null
      ? 'A vendor format streams a scenario’s reasoning and tool calls; pick one to see them.'
      : refused !== ''
        ? `The server did not take the demo: ${refused}`
        : format === null || format.request === null
          ? 'The native /stream carries text only: pick a vendor format to see the demo.'
          : format.id === 'openai-chat' && 'reasoning' in demo.rule
            ? 'Chat Completions streams no reasoning (it only counts it): the reasoning takes its time unseen.'
            : `Set on the server for this page only (PUT /scenarios, scope ${scope}).`
  note.textContent = text
}

/**
 * Runs `send` once the server holds the demo's rule (at once when nothing is pending).
 * @param {() => void} send
 * @returns {boolean} whether it had to wait
 */
export function afterDemoSet(send) {
  if (settled) return false
  void setting.then(send)
  return true
}

/** The header that makes a vendor request answer with the demo (none when no demo is held). @returns {Record<string, string>} */
export function demoHeaders() {
  return held ? { 'x-tokensim-scope': scope } : {}
}

/** The demo in the page URL, left out for none. */
function saveDemoToUrl() {
  const url = new URL(location.href)
  if (select.value === 'none') url.searchParams.delete('demo')
  else url.searchParams.set('demo', select.value)
  const next = `${url.pathname}${url.search.replace(/%2C/gi, ',').replace(/%3A/gi, ':')}${url.hash}`
  if (next !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', next)
}
