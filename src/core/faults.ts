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
/** Every misbehaviour, in the order the README lists them. */
const MISBEHAVIOURS: readonly Misbehaviour[] = [
  'bad-json',
  'bad-args',
  'unknown-tool',
  'dup-call-id',
  'cut-in-tool',
  ...ANSWER_MISBEHAVIOURS,
]
const isMisbehaviour = (name: string): name is Misbehaviour => (MISBEHAVIOURS as readonly string[]).includes(name)

/** The longest stall or header delay a fault may ask for, in ms. */
export const MAX_FAULT_MS = 600_000

/**
 * The most pieces `split:N` may cut a frame into, and how many a bare `split` means. Each piece after the first
 * costs the stream a millisecond when its frames fall due together (src/server/frames.ts): at 16 a frame, a
 * stream of 100,000 frames (--max-units) still plans under half an hour, within the default --max-duration.
 */
export const MAX_SPLIT_PIECES = 16
export const DEFAULT_SPLIT_PIECES = 4

const USAGE = `status:CODE[:RETRY_AFTER_S], error-after:N, drop-after:N, stall-after:N:MS, slow-headers:MS, coalesce:MS, truncate-after:N, split[:N] or one of ${MISBEHAVIOURS.join(', ')}`

/** Parses a fault list; `param` names where it came from, for the error a bad one gets. */
export function parseFaults(spec: string, param: string): Fault[] {
  const faults: Fault[] = []
  for (const item of spec.split(',')) {
    const text = item.trim()
    if (text === '') continue
    const [kind, ...args] = text.split(':')
    const bad = (why: string): never => {
      throw new TokensimError('invalid_param', `${param}: ${JSON.stringify(text)} ${why}; a fault is ${USAGE}`, param)
    }
    const whole = (value: string | undefined, what: string, min: number, max: number): number => {
      const n = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN
      if (!(n >= min && n <= max)) bad(`needs ${what} from ${min} to ${max}`)
      return n
    }
    const arity = (count: number): void => {
      if (args.length !== count) bad(`takes ${count} value${count === 1 ? '' : 's'}`)
    }
    switch (kind) {
      case 'status': {
        if (args.length < 1 || args.length > 2) bad('takes a status code and an optional retry-after in seconds')
        const status = whole(args[0], 'an HTTP status', 400, 599)
        faults.push(
          args[1] === undefined ? { kind, status } : { kind, status, retryAfter: whole(args[1], 'a retry-after in seconds', 0, 86_400) },
        )
        break
      }
      case 'error-after':
      case 'drop-after':
      case 'truncate-after':
        arity(1)
        faults.push({ kind, after: whole(args[0], 'a number of units', 0, Number.MAX_SAFE_INTEGER) })
        break
      case 'stall-after':
        arity(2)
        faults.push({
          kind,
          after: whole(args[0], 'a number of units', 0, Number.MAX_SAFE_INTEGER),
          ms: whole(args[1], 'ms', 0, MAX_FAULT_MS),
        })
        break
      case 'slow-headers':
      case 'coalesce':
        arity(1)
        faults.push({ kind, ms: whole(args[0], 'ms', 0, MAX_FAULT_MS) })
        break
      case 'split':
        if (args.length > 1) bad('takes at most 1 value, the most pieces a frame is cut into')
        faults.push({
          kind,
          pieces: args[0] === undefined ? DEFAULT_SPLIT_PIECES : whole(args[0], 'a number of pieces', 2, MAX_SPLIT_PIECES),
        })
        break
      default:
        if (kind === undefined || !isMisbehaviour(kind)) bad('is not a fault')
        if (args.length > 0) bad('takes no value')
        faults.push({ kind: 'misbehave', misbehaviour: kind as Misbehaviour })
    }
  }
  return faults
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
