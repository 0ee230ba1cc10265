/**
 * The fault toggles of the settings panel: one checkbox per fault with its number fields, built from the
 * server's fault grammar (GET /faults, fault-spec.js), turned into one fault list in the server's vocabulary
 * (`status:429:2,error-after:40`), which the page sends as the `fault` query parameter on GET /stream and as
 * the `x-tokensim-fault` header on a vendor request, and keeps in its own URL (`?fault=...`, read back into the
 * toggles on load).
 */
import { $, el } from './dom.js'
import { FAULT_STATUSES, faultKinds, faultSpec, parseFaultSpec } from './fault-spec.js'

const list = $('faults')
const preview = $('fault-spec')

/** @param {string} id @param {string} key */
const fieldId = (id, key) => `fault-${id}-${key}`

/** @type {import('./fault-spec.js').FaultKind[]} the toggles, once the server's grammar is in */
let kinds = []
/** The page URL's fault list, which stands until the toggles are built (or for good, without GET /faults). */
let pending = ''
let built = false

/** The server's fault grammar, or null when it does not answer with one. */
async function fetchGrammar() {
  try {
    const response = await fetch('/faults', { headers: { accept: 'application/json' } })
    const body = response.ok ? await response.json() : null
    return Array.isArray(body?.faults) ? /** @type {import('./fault-spec.js').ListedFault[]} */ (body.faults) : null
  } catch {
    return null
  }
}

/**
 * Builds the toggles from the server's fault grammar, set from the page URL's fault list; `onChange` runs after
 * any of them changes. Until they are built, the URL's list is the list.
 * @param {() => void} onChange
 * @param {string} initial
 */
export async function initFaults(onChange, initial) {
  pending = initial
  renderPreview()
  const listed = await fetchGrammar()
  if (listed === null) {
    list.append(
      el(
        'p',
        'fault-none',
        'This server does not list its faults (GET /faults): no toggles; a fault list in the page URL is sent as it is.',
      ),
    )
    return
  }
  kinds = faultKinds(listed)
  built = true
  const state = parseFaultSpec(kinds, initial)
  for (const kind of kinds) {
    const on = state[kind.id]?.on ?? false
    const row = el('div', 'fault')
    row.dataset.fault = kind.id
    row.title = kind.note
    const check = el('input', 'check')
    check.type = 'checkbox'
    check.id = `fault-${kind.id}`
    check.checked = on
    const label = el('label', 'fault-name', kind.label)
    label.htmlFor = check.id
    const args = el('span', 'fault-args')
    for (const arg of kind.args) {
      if (arg.before) args.append(el('span', 'fault-word', arg.before))
      const value = state[kind.id]?.values[arg.key] || arg.value
      /** @type {HTMLInputElement | HTMLSelectElement} */
      let input
      if (kind.id === 'status' && arg.key === 'code') {
        const select = el('select', 'select fault-status')
        select.append(...FAULT_STATUSES.map(([code, text]) => new Option(`${code} ${text}`, String(code))))
        if (!FAULT_STATUSES.some(([code]) => String(code) === value)) select.append(new Option(value, value))
        input = select
      } else {
        const number = el('input', 'fault-number')
        number.type = 'number'
        number.inputMode = 'numeric'
        number.min = String(arg.min)
        number.max = String(arg.max)
        number.step = '1'
        if (arg.optional) number.placeholder = '—'
        input = number
      }
      input.id = fieldId(kind.id, arg.key)
      input.value = value
      input.setAttribute('aria-label', `${kind.label}: ${arg.before || 'code'}${arg.after ? ` (${arg.after})` : ''}`)
      input.addEventListener('input', () => {
        if (!check.checked && input.value.trim() !== '' && !arg.optional) check.checked = true // typing a value means it
        sync()
        onChange()
      })
      args.append(input)
      if (arg.after) args.append(el('span', 'fault-word', arg.after))
    }
    check.addEventListener('change', () => {
      sync()
      onChange()
    })
    row.append(check, label, args)
    list.append(row)
  }
  sync()
}

/** @returns {import('./fault-spec.js').FaultState} */
function readState() {
  /** @type {import('./fault-spec.js').FaultState} */
  const state = {}
  for (const kind of kinds) {
    const check = /** @type {HTMLInputElement} */ ($(`fault-${kind.id}`))
    const values = Object.fromEntries(
      kind.args.map((arg) => [arg.key, /** @type {HTMLInputElement} */ ($(fieldId(kind.id, arg.key))).value]),
    )
    state[kind.id] = { on: check.checked, values }
  }
  return state
}

/** The fault list the toggles make, '' for none. */
export function chosenFaults() {
  return built ? faultSpec(kinds, readState()) : pending
}

/** Brings the rows' look and the preview in line with the toggles. */
function sync() {
  for (const row of list.querySelectorAll('.fault')) {
    const check = /** @type {HTMLInputElement} */ (row.querySelector('input[type="checkbox"]'))
    row.classList.toggle('fault-on', check.checked)
  }
  unmarkFaults()
  renderPreview()
}

/** @type {'native' | 'vendor'} */
let sentAs = 'native'

/**
 * Shows how the fault list goes to the server for this format: `fault=` on /stream, the header otherwise.
 * @param {boolean} native
 */
export function setFaultTransport(native) {
  sentAs = native ? 'native' : 'vendor'
  renderPreview()
}

function renderPreview() {
  const spec = chosenFaults()
  list.closest('.card')?.setAttribute('data-faults', spec === '' ? 'off' : 'on')
  if (spec === '') {
    preview.replaceChildren(el('span', 'fault-none', 'No faults: the stream runs clean.'))
    return
  }
  const code = el('code', 'fault-code')
  code.append(el('span', 'fault-key', sentAs === 'native' ? 'fault=' : 'x-tokensim-fault: '), spec)
  preview.replaceChildren(code)
}

/** Marks the fault list as the setting the server refused. */
export function markFaults() {
  preview.classList.add('server-invalid')
  preview.setAttribute('role', 'alert')
}

export function unmarkFaults() {
  preview.classList.remove('server-invalid')
  preview.removeAttribute('role')
}
