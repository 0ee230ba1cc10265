/**
 * The fault list the page sends, built from the server's fault grammar (GET /faults, the table the server's
 * parser reads: each fault's name and its values in order, which may be left out, and their ranges) and the
 * page's words for the toggles it offers. Pure: the toggles themselves are fault-toggles.js.
 */

/**
 * One value of a fault, as GET /faults lists it.
 * @typedef {object} ListedArg
 * @property {string} name
 * @property {string} label
 * @property {number} min
 * @property {number} max
 * @property {boolean} optional
 * @property {number} [default]
 *
 * One fault, as GET /faults lists it.
 * @typedef {object} ListedFault
 * @property {string} name
 * @property {string} usage
 * @property {string} description
 * @property {boolean} vendorOnly
 * @property {ListedArg[]} args
 */

/**
 * How the page shows a fault: its toggle's label, and per value the words around its field and the value it
 * starts with.
 * @typedef {{ label: string, args: Record<string, { before: string, after: string, value: string }> }} FaultWords
 */

/**
 * The faults the page offers a toggle for, in the order of the toggles and of the list they make. (The vendor
 * routes' misbehaving models are left to the API: GET /stream refuses them; split shows only in the bytes.)
 * @type {readonly (readonly [string, FaultWords])[]}
 */
export const FAULT_WORDS = [
  [
    'status',
    {
      label: 'Status',
      args: { code: { before: '', after: '', value: '429' }, retry: { before: 'retry after', after: 's', value: '' } },
    },
  ],
  ['slow-headers', { label: 'Slow headers', args: { ms: { before: '', after: 'ms', value: '1500' } } }],
  ['error-after', { label: 'Error', args: { n: { before: 'after unit', after: '', value: '40' } } }],
  ['drop-after', { label: 'Drop', args: { n: { before: 'after unit', after: '', value: '40' } } }],
  [
    'stall-after',
    {
      label: 'Stall',
      args: { n: { before: 'after unit', after: '', value: '20' }, ms: { before: 'for', after: 'ms', value: '2000' } },
    },
  ],
  ['coalesce', { label: 'Coalesce', args: { ms: { before: 'about every', after: 'ms', value: '500' } } }],
  ['truncate-after', { label: 'Truncate', args: { n: { before: 'after unit', after: '', value: '60' } } }],
]

/** The statuses the status fault's picker offers, with their reason phrases. */
export const FAULT_STATUSES = /** @type {const} */ ([
  [429, 'Too Many Requests'],
  [500, 'Internal Server Error'],
  [503, 'Service Unavailable'],
  [529, 'Overloaded'],
  [502, 'Bad Gateway'],
  [401, 'Unauthorized'],
  [400, 'Bad Request'],
])

/**
 * One value's field: the grammar's name, range and whether it may be left out, and the page's words.
 * @typedef {object} FaultArg
 * @property {string} key       its name in the grammar
 * @property {string} before    the words before the field
 * @property {string} after     the words after it ('' for none)
 * @property {string} value     its starting value
 * @property {number} min
 * @property {number} max
 * @property {boolean} optional may be left empty (then it is left out of the spec, with what follows)
 *
 * One toggle.
 * @typedef {object} FaultKind
 * @property {string} id     the fault's name in the spec
 * @property {string} label
 * @property {string} note   what it does (the grammar's description), for the row's title
 * @property {FaultArg[]} args  in the grammar's order
 */

/**
 * The toggles: each fault the page has words for and the server lists for every route, in the page's order,
 * with the server's values in the server's order. A value the page has no words for is shown by its label.
 * @param {readonly ListedFault[]} listed
 * @returns {FaultKind[]}
 */
export function faultKinds(listed) {
  /** @type {FaultKind[]} */
  const kinds = []
  for (const [id, words] of FAULT_WORDS) {
    const fault = listed.find((f) => f.name === id && !f.vendorOnly)
    if (fault === undefined) continue
    const args = fault.args.map((arg) => {
      const shown = words.args[arg.name] ?? { before: arg.label, after: '', value: String(arg.default ?? arg.min) }
      return { key: arg.name, ...shown, min: arg.min, max: arg.max, optional: arg.optional }
    })
    kinds.push({ id, label: words.label, note: fault.description, args })
  }
  return kinds
}

/**
 * What the toggles say: per fault, whether it is on and its fields as typed.
 * @typedef {Record<string, { on: boolean, values: Record<string, string> }>} FaultState
 */

/**
 * The fault list for the server (`''` when every toggle is off). Values go as typed (trimmed): the server
 * validates them and the page shows its message. An optional field left empty is left out, with what follows.
 * @param {readonly FaultKind[]} kinds
 * @param {FaultState} state
 */
export function faultSpec(kinds, state) {
  const items = []
  for (const kind of kinds) {
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
 * @param {readonly FaultKind[]} kinds
 * @param {string} spec
 * @returns {FaultState}
 */
export function parseFaultSpec(kinds, spec) {
  /** @type {FaultState} */
  const state = {}
  for (const item of spec.split(',')) {
    const [id, ...values] = item.trim().split(':')
    const kind = kinds.find((k) => k.id === id)
    if (kind === undefined) continue
    state[kind.id] = { on: true, values: Object.fromEntries(kind.args.map((arg, i) => [arg.key, values[i] ?? ''])) }
  }
  return state
}
