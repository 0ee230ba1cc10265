/**
 * The fault toggles of the settings panel: one checkbox per fault with its number fields, turned into one
 * fault list in the server's vocabulary (`status:429:2,error-after:40`, see src/core/faults.ts), which the page
 * sends as the `fault` query parameter on GET /stream and as the `x-tokensim-fault` header on a vendor request,
 * and keeps in its own URL (`?fault=...`, read back into the toggles on load).
 */
import { $, el } from './dom.js'

/**
 * One number field of a fault.
 * @typedef {object} FaultArg
 * @property {string} key
 * @property {string} before   the words before the field
 * @property {string} after    the words after it ('' for none)
 * @property {string} value    its starting value
 * @property {boolean} [optional]  may be left empty (then it is left out of the spec, with what follows)
 */

/**
 * @typedef {object} FaultKind
 * @property {string} id     the fault's name in the spec
 * @property {string} label
 * @property {string} note   what it does, for the row's title
 * @property {FaultArg[]} args
 */

/** The statuses the status fault offers, with their reason phrases. */
export const FAULT_STATUSES = /** @type {const} */ ([
  [429, 'Too Many Requests'],
  [500, 'Internal Server Error'],
  [503, 'Service Unavailable'],
  [529, 'Overloaded'],
  [502, 'Bad Gateway'],
  [401, 'Unauthorized'],
  [400, 'Bad Request'],
])

/** @type {readonly FaultKind[]} */
export const FAULT_KINDS = [
  {
    id: 'status',
    label: 'Status',
    note: "answer with this HTTP status in the format's error shape, before any event",
    args: [
      { key: 'code', before: '', after: '', value: '429' },
      { key: 'retry', before: 'retry after', after: 's', value: '', optional: true },
    ],
  },
  {
    id: 'slow-headers',
    label: 'Slow headers',
    note: 'wait this long before the response headers',
    args: [{ key: 'ms', before: '', after: 'ms', value: '1500' }],
  },
  {
    id: 'error-after',
    label: 'Error',
    note: "send units 0 to N, then the format's in-stream error",
    args: [{ key: 'n', before: 'after unit', after: '', value: '40' }],
  },
  {
    id: 'drop-after',
    label: 'Drop',
    note: 'send units 0 to N, then close the connection with no end (EventSource reconnects and resumes)',
    args: [{ key: 'n', before: 'after unit', after: '', value: '40' }],
  },
  {
    id: 'stall-after',
    label: 'Stall',
    note: 'after unit N, a silence of MS ms',
    args: [
      { key: 'n', before: 'after unit', after: '', value: '20' },
      { key: 'ms', before: 'for', after: 'ms', value: '2000' },
    ],
  },
  {
    id: 'coalesce',
    label: 'Coalesce',
    note: 'send what is due in one write at irregular moments about MS ms apart (½ to 1½ MS), as a buffering proxy does',
    args: [{ key: 'ms', before: 'about every', after: 'ms', value: '500' }],
  },
  {
    id: 'truncate-after',
    label: 'Truncate',
    note: 'end normally after unit N, as a model cut off at its token limit',
    args: [{ key: 'n', before: 'after unit', after: '', value: '60' }],
  },
]

/**
 * What the toggles say: per fault, whether it is on and its fields as typed.
 * @typedef {Record<string, { on: boolean, values: Record<string, string> }>} FaultState
 */

/**
 * The fault list for the server (`''` when every toggle is off). Values go as typed (trimmed): the server
 * validates them and the page shows its message. An optional field left empty is left out.
 * @param {FaultState} state
 */
export function faultSpec(state) {
  const items = []
  for (const kind of FAULT_KINDS) {
    const entry = state[kind.id]
    if (!entry?.on) continue
    const parts = [kind.id]
    for (const arg of kind.args) {
      const value = (entry.values[arg.key] ?? '').trim()
      if (value === '' && arg.optional) break
      parts.push(value)
    }
    items.push(parts.join(':'))
  }
  return items.join(',')
}

/**
 * The toggles a fault list turns on (`error-after:40,status:503` → error on with 40, status on with 503);
 * items the page has no toggle for are ignored.
 * @param {string} spec
 * @returns {FaultState}
 */
export function parseFaultSpec(spec) {
  /** @type {FaultState} */
  const state = {}
  for (const item of spec.split(',')) {
    const [id, ...values] = item.trim().split(':')
    const kind = FAULT_KINDS.find((k) => k.id === id)
    if (kind === undefined) continue
    state[kind.id] = { on: true, values: Object.fromEntries(kind.args.map((arg, i) => [arg.key, values[i] ?? ''])) }
  }
  return state
}

// ---- the panel's toggles ---------------------------------------------------------------------------------

const list = $('faults')
const preview = $('fault-spec')

/** @param {string} id @param {string} key */
const fieldId = (id, key) => `fault-${id}-${key}`

/**
 * Builds the toggles, set from the page URL's fault list; `onChange` runs after any of them changes.
 * @param {() => void} onChange
 * @param {string} initial
 */
export function initFaults(onChange, initial) {
  const state = parseFaultSpec(initial)
  for (const kind of FAULT_KINDS) {
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
        number.min = '0'
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

/** @returns {FaultState} */
function readState() {
  /** @type {FaultState} */
  const state = {}
  for (const kind of FAULT_KINDS) {
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
  return faultSpec(readState())
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
