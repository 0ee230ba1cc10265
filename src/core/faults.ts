/**
 * Faults: the bad days a client must survive, in one vocabulary for every route (the `fault` query parameter
 * on /stream, the `x-tokensim-fault` header, a scenario's `fault`, the server's `--fault`): a comma-separated
 * list of
 *   status:CODE[:RETRY_AFTER_S]  answer with that HTTP status (400 to 599) in the vendor's error shape
 *   error-after:N                send units 0 to N, then the vendor's in-stream error, then end
 *   drop-after:N                 send units 0 to N, then close the connection with no end marker
 *   stall-after:N:MS             after unit N, a silence of MS ms (heartbeats keep proxies alive)
 *   slow-headers:MS              wait MS ms before the response headers
 *   coalesce:MS                  deliver what is due in one write at irregular intervals of about MS ms (half to
 *                                one and a half), as a buffering proxy does
 *   truncate-after:N             end normally after unit N, as a model cut off at its token limit
 *   split[:N]                    send each frame in 2 to N separate writes (N from 2 to 16, default 4), cut at
 *                                seeded byte positions inside multi-byte UTF-8 characters and `data:` lines,
 *                                so a client that decodes each network chunk on its own shows U+FFFD
 * and, on the vendor routes only, a model that misbehaves (src/core/misbehave.ts says how): bad-json,
 * bad-args, unknown-tool, dup-call-id, cut-in-tool, refusal, content-filter, empty, reasoning-only.
 * N is the index of a unit in the whole answer (reasoning and tool-call arguments included), the same index
 * as the native stream's event ids, so a stream resumed with `Last-Event-ID: N` or later is not faulted again:
 * an EventSource that a drop-after cut off reconnects and gets the rest.
 */
import { TokensimError } from './errors.js'

export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: number }
  | { readonly kind: 'error-after'; readonly after: number }
  | { readonly kind: 'drop-after'; readonly after: number }
  | { readonly kind: 'stall-after'; readonly after: number; readonly ms: number }
  | { readonly kind: 'slow-headers'; readonly ms: number }
  | { readonly kind: 'coalesce'; readonly ms: number }
  | { readonly kind: 'truncate-after'; readonly after: number }
  | { readonly kind: 'split'; readonly pieces: number }
  | { readonly kind: 'misbehave'; readonly misbehaviour: Misbehaviour }

/**
 * What a model can do wrong, as the vendor routes' faults name it: the tool faults, in the order they apply
 * when several are asked for, then the faults that replace the answer (the first of those asked for wins).
 */
export const TOOL_MISBEHAVIOURS = ['unknown-tool', 'bad-args', 'bad-json', 'dup-call-id', 'cut-in-tool'] as const
export const ANSWER_MISBEHAVIOURS = ['refusal', 'content-filter', 'empty', 'reasoning-only'] as const
export type Misbehaviour = (typeof TOOL_MISBEHAVIOURS)[number] | (typeof ANSWER_MISBEHAVIOURS)[number]
/** Every misbehaviour, in the order docs/faults.md lists them. */
const MISBEHAVIOURS: readonly Misbehaviour[] = [
  'bad-json',
  'bad-args',
  'unknown-tool',
  'dup-call-id',
  'cut-in-tool',
  ...ANSWER_MISBEHAVIOURS,
]

/** The longest stall or header delay a fault may ask for, in ms. */
const MAX_FAULT_MS = 600_000

/**
 * The most pieces `split:N` may cut a frame into, and how many a bare `split` means. Each piece after the first
 * costs the stream a millisecond when its frames fall due together (src/app/encoded-frames.ts): at 16 a frame, a
 * stream of 100,000 frames (--max-units) still plans under half an hour, within the default --max-duration.
 */
const MAX_SPLIT_PIECES = 16
const DEFAULT_SPLIT_PIECES = 4

/** One value a fault takes, as the grammar table describes it. */
interface FaultArgSyntax {
  /** Its name: the key GET /faults gives it (and the page's field). */
  readonly name: string
  /** How the usage line writes it: `N`, `MS`, `CODE`. */
  readonly label: string
  /** What it is, as an error says it needs one: `a number of units`. */
  readonly what: string
  /** The whole numbers it may be. */
  readonly min: number
  readonly max: number
  /** May be left out (then the values after it too); `default`, if any, is what it then means. */
  readonly optional?: boolean
  readonly default?: number
}

/** One fault of the grammar: its name, its values in order, and what it does. */
export interface FaultSyntax {
  readonly name: string
  readonly args: readonly FaultArgSyntax[]
  /** What it does, in one line. */
  readonly description: string
  /** Only the vendor routes take it (a misbehaving model); GET /stream refuses it. */
  readonly vendorOnly?: boolean
  /** What a wrong number of values is told, where "takes N values" does not say it. */
  readonly arity?: string
}

const UNIT_N: FaultArgSyntax = { name: 'n', label: 'N', what: 'a number of units', min: 0, max: Number.MAX_SAFE_INTEGER }
const DELAY_MS: FaultArgSyntax = { name: 'ms', label: 'MS', what: 'ms', min: 0, max: MAX_FAULT_MS }

const MISBEHAVIOUR_NOTES: Readonly<Record<Misbehaviour, string>> = {
  'bad-json': "the first tool call's arguments are not JSON (a trailing comma)",
  'bad-args': "the first tool call's arguments break its tool's schema",
  'unknown-tool': 'the first tool call names a tool the request did not offer',
  'dup-call-id': "a second tool call has the first call's id",
  'cut-in-tool': "the answer stops halfway through its last call's arguments, at the length limit",
  refusal: 'the reasoning, then a refusal instead of the text and calls',
  'content-filter': 'the reasoning and the first half of the text, then a content filter stops it',
  empty: 'nothing at all: no reasoning, no text, no calls',
  'reasoning-only': 'the reasoning, then nothing',
}

/**
 * The fault grammar, the one table that parseFaults reads and GET /faults lists (the page builds its fault
 * toggles from that listing): each fault's name, its values in order with their ranges, and what it does.
 */
export const FAULT_SYNTAX: readonly FaultSyntax[] = [
  {
    name: 'status',
    args: [
      { name: 'code', label: 'CODE', what: 'an HTTP status', min: 400, max: 599 },
      { name: 'retry', label: 'RETRY_AFTER_S', what: 'a retry-after in seconds', min: 0, max: 86_400, optional: true },
    ],
    description: "answer with this HTTP status in the format's error shape, before any event (retry-after when given)",
    arity: 'takes a status code and an optional retry-after in seconds',
  },
  { name: 'error-after', args: [UNIT_N], description: "send units 0 to N, then the format's in-stream error" },
  { name: 'drop-after', args: [UNIT_N], description: 'send units 0 to N, then close the connection with no end marker' },
  { name: 'stall-after', args: [UNIT_N, DELAY_MS], description: 'after unit N, a silence of MS ms' },
  { name: 'slow-headers', args: [DELAY_MS], description: 'wait MS ms before the response headers' },
  {
    name: 'coalesce',
    args: [DELAY_MS],
    description: 'send what is due in one write at irregular moments about MS ms apart (½ to 1½ MS), as a buffering proxy does',
  },
  { name: 'truncate-after', args: [UNIT_N], description: 'end normally after unit N, as a model cut off at its token limit' },
  {
    name: 'split',
    args: [
      {
        name: 'pieces',
        label: 'N',
        what: 'a number of pieces',
        min: 2,
        max: MAX_SPLIT_PIECES,
        optional: true,
        default: DEFAULT_SPLIT_PIECES,
      },
    ],
    description: 'send each frame in 2 to N separate writes, cut inside multi-byte characters and data: lines',
    arity: 'takes at most 1 value, the most pieces a frame is cut into',
  },
  ...MISBEHAVIOURS.map((name) => ({ name, args: [], description: MISBEHAVIOUR_NOTES[name], vendorOnly: true })),
]

/** A fault as the usage line writes it: `stall-after:N:MS`, `status:CODE[:RETRY_AFTER_S]`. */
export const faultUsage = ({ name, args }: FaultSyntax): string =>
  name + args.map((arg) => (arg.optional ? `[:${arg.label}]` : `:${arg.label}`)).join('')

const USAGE = `${FAULT_SYNTAX.filter((f) => !f.vendorOnly)
  .map(faultUsage)
  .join(', ')} or one of ${MISBEHAVIOURS.join(', ')}`

/** Parses a fault list; `param` names where it came from, for the error a bad one gets. */
export function parseFaults(spec: string, param: string): Fault[] {
  const faults: Fault[] = []
  for (const item of spec.split(',')) {
    const text = item.trim()
    if (text === '') continue
    const [kind = '', ...args] = text.split(':')
    const bad = (why: string): never => {
      throw new TokensimError('invalid_param', `${param}: ${JSON.stringify(text)} ${why}; a fault is ${USAGE}`, param)
    }
    const syntax = FAULT_SYNTAX.find((f) => f.name === kind) ?? bad('is not a fault')
    const required = syntax.args.filter((arg) => !arg.optional).length
    if (args.length < required || args.length > syntax.args.length) {
      const count = syntax.args.length
      bad(syntax.arity ?? (count === 0 ? 'takes no value' : `takes ${count} value${count === 1 ? '' : 's'}`))
    }
    const values = syntax.args.map((arg, i) => {
      const value = args[i]
      if (value === undefined) return arg.default
      const n = /^\d+$/.test(value) ? Number(value) : NaN
      if (!(n >= arg.min && n <= arg.max)) bad(`needs ${arg.what} from ${arg.min} to ${arg.max}`)
      return n
    })
    faults.push(faultOf(kind, values))
  }
  return faults
}

/** The fault a checked item names, from its values in the grammar's order (an optional one left out: undefined). */
function faultOf(kind: string, values: readonly (number | undefined)[]): Fault {
  const [first = 0, second] = values
  switch (kind) {
    case 'status':
      return second === undefined ? { kind, status: first } : { kind, status: first, retryAfter: second }
    case 'error-after':
    case 'drop-after':
    case 'truncate-after':
      return { kind, after: first }
    case 'stall-after':
      return { kind, after: first, ms: second ?? 0 }
    case 'slow-headers':
    case 'coalesce':
      return { kind, ms: first }
    case 'split':
      return { kind, pieces: first }
    default:
      return { kind: 'misbehave', misbehaviour: kind as Misbehaviour }
  }
}

/** What a list of faults does to one stream, resolved: at most one of each effect, the earliest cut winning. */
export interface FaultPlan {
  readonly status?: { readonly status: number; readonly retryAfter?: number }
  readonly headersDelay: number
  /** Writes grouped at irregular intervals of about this many ms (coalesce). */
  readonly coalesce?: number
  /** Each frame cut into 2 to this many separate writes (split). */
  readonly split?: number
  /** Silences after a unit, in order of the unit. */
  readonly stalls: readonly { readonly after: number; readonly ms: number }[]
  /** Where the stream stops short, and how; the earliest of error-after, drop-after and truncate-after. */
  readonly cut?: { readonly after: number; readonly how: 'error' | 'drop' | 'truncate' }
  /** What the model does wrong (src/core/misbehave.ts), each once, in the order asked; absent when nothing. */
  readonly misbehave?: readonly Misbehaviour[]
}

/**
 * Folds faults into what one response does. `resumedAfter` is the last unit the client already has (-1 for a
 * fresh stream): a fault at or before it was met on an earlier connection and is spent.
 */
export function planFaults(faults: readonly Fault[], resumedAfter = -1): FaultPlan {
  let status: FaultPlan['status']
  let headersDelay = 0
  let coalesce: number | undefined
  let split: number | undefined
  const stalls: { after: number; ms: number }[] = []
  let cut: FaultPlan['cut']
  const misbehave: Misbehaviour[] = []
  for (const fault of faults) {
    switch (fault.kind) {
      case 'misbehave':
        // Not spent by a resume: only the vendor routes have them, and they are never resumed.
        if (!misbehave.includes(fault.misbehaviour)) misbehave.push(fault.misbehaviour)
        break
      case 'status':
        status ??= fault.retryAfter === undefined ? { status: fault.status } : { status: fault.status, retryAfter: fault.retryAfter }
        break
      case 'slow-headers':
        headersDelay += fault.ms
        break
      case 'coalesce':
        coalesce ??= fault.ms
        break
      case 'split':
        split ??= fault.pieces
        break
      case 'stall-after':
        if (fault.after > resumedAfter) stalls.push({ after: fault.after, ms: fault.ms })
        break
      default: {
        if (fault.after <= resumedAfter || (cut !== undefined && cut.after <= fault.after)) break
        const how = fault.kind === 'error-after' ? 'error' : fault.kind === 'drop-after' ? 'drop' : 'truncate'
        cut = { after: fault.after, how }
      }
    }
  }
  stalls.sort((a, b) => a.after - b.after)
  return {
    ...(status !== undefined ? { status } : {}),
    headersDelay,
    ...(coalesce !== undefined && coalesce > 0 ? { coalesce } : {}),
    ...(split !== undefined ? { split } : {}),
    stalls,
    ...(cut !== undefined ? { cut } : {}),
    ...(misbehave.length > 0 ? { misbehave } : {}),
  }
}
