/**
 * The faults of one request, from every place they can be asked for (the `x-tokensim-fault` header, the
 * `fault` query parameter on /stream, a scenario's `fault`, and the server's `--fault`, which applies to a
 * request with probability `--fault-rate`, drawn from the server's seeded source so a run can be repeated),
 * and what happens before the first byte: a slow start (slow-headers, and a latency profile's headers moment,
 * which add up) and an injected status.
 */
import { TokensimError } from '../core/errors.js'
import { CONTROLS } from '../core/knobs.js'
import { parseFaults, planFaults, type Fault, type FaultPlan } from '../core/faults.js'
import type { Random } from '../core/random.js'
import { shuttingDown, type StreamRegistry } from './streams.js'

export const FAULT_HEADER = CONTROLS.fault.header

/** The server-wide faults (`--fault`, `--fault-rate`). */
export interface ServerFaults {
  readonly faults: readonly Fault[]
  /** As written, for the journal. */
  readonly spec: string
  /** Probability that a request gets them, 0 to 1. */
  readonly rate: number
  /** One draw per request. */
  readonly random: Random
  /** Told the faults each request gets, from every source (GET /metrics counts them by kind). */
  readonly onApplied?: ((faults: readonly Fault[]) => void) | undefined
}

export interface FaultSources {
  readonly header?: string | undefined
  /** `fault` on /stream. */
  readonly query?: string | undefined
  readonly scenario?: string | undefined
}

/**
 * What the request's faults do to its response; `resumedAfter` is the last unit the client already has.
 * `answers: false` (GET /stream, which has no tool calls, refusals or finish reasons) refuses a misbehaving
 * model in the request's own faults and leaves it out of the server's.
 */
export function requestFaults(
  { header, query, scenario }: FaultSources,
  server: ServerFaults,
  resumedAfter = -1,
  { answers = true }: { answers?: boolean } = {},
): RequestFaults {
  const faults: Fault[] = []
  const applied: Record<string, string> = {}
  const read = (spec: string, param: string): void => {
    const parsed = parseFaults(spec, param)
    const misbehaving = parsed.find((fault) => fault.kind === 'misbehave')
    if (!answers && misbehaving !== undefined) {
      const message = `${param}: ${misbehaving.misbehaviour} is a fault of the vendor routes' answers; GET /stream streams a text and has none`
      throw new TokensimError('invalid_param', message, param)
    }
    faults.push(...parsed)
    applied[param] = spec
  }
  if (header !== undefined) read(header, FAULT_HEADER)
  if (query !== undefined) read(query, CONTROLS.fault.param)
  if (scenario !== undefined) read(scenario, 'scenario fault')
  if (server.faults.length > 0 && server.random() < server.rate) {
    faults.push(...(answers ? server.faults : server.faults.filter((fault) => fault.kind !== 'misbehave')))
    applied['--fault'] = server.spec
  }
  if (faults.length > 0) server.onApplied?.(faults)
  return { ...planFaults(faults, resumedAfter), applied }
}

/** A request's faults, and the specs they came from by where (`x-tokensim-fault`, `fault`, `scenario fault`, `--fault`). */
export interface RequestFaults extends FaultPlan {
  readonly applied: Readonly<Record<string, string>>
}

/**
 * A response's faults, with the moment (ms after the start) its latency profile sends its headers: the body's
 * offsets count from the start, so once the headers are out it plays them `headersAt` sooner (src/app/respond.ts).
 */
export interface ResponseFaults extends FaultPlan {
  readonly headersAt?: number
}

/**
 * Before the response: waits out slow-headers and the profile's `headersAt` (the two add up; given up at once if
 * the client goes away), then throws an injected status, which the route's error handler renders in its vendor's
 * shape with `retry-after`. The request's signal is read only when there is a wait: on @hono/node-server reading
 * it makes an AbortController for the request, which a stream that starts at once does not need. `closing`
 * (the stream registry's) ends the wait when shutdown begins: the request is then refused with a 503 in its
 * route's shape, and its stream never starts.
 */
export async function beforeResponse(
  plan: FaultPlan,
  request: Pick<Request, 'signal'>,
  headersAt = 0,
  closing?: Pick<StreamRegistry, 'closing' | 'onClosing'>,
): Promise<void> {
  const wait = plan.headersDelay + headersAt
  if (wait > 0 && closing?.closing?.aborted !== true) await delay(wait, request.signal, closing)
  if (closing?.closing?.aborted === true) throw shuttingDown()
  if (plan.status !== undefined) {
    const { status, retryAfter } = plan.status
    throw new TokensimError(
      'injected_status',
      `tokensim: injected status ${status} (fault status:${status}${retryAfter === undefined ? '' : `:${retryAfter}`})`,
      null,
      retryAfter === undefined ? { status } : { status, retryAfter },
    )
  }
}

/** The error a response that is not streamed gets for error-after and drop-after: it has no middle to break in. */
export function refuseUnstreamed(plan: FaultPlan): void {
  if (plan.cut === undefined || plan.cut.how === 'truncate') return
  throw new TokensimError('injected_error', `tokensim: injected ${plan.cut.how} after unit ${plan.cut.after} (fault ${plan.cut.how}-after)`)
}

/** The message of an injected mid-stream error. */
export const midStreamMessage = (plan: FaultPlan): string =>
  `tokensim: injected error after unit ${plan.cut?.after ?? 0} (fault error-after)`

/** Resolves after `ms`, or at once when the request aborts or shutdown begins; its timer and listeners never outlive it. */
function delay(ms: number, signal: AbortSignal | undefined, closing: Pick<StreamRegistry, 'onClosing'> | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      forget?.()
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    signal?.addEventListener('abort', done, { once: true })
    const forget = closing?.onClosing?.(done)
  })
}
