/**
 * Validates GET /stream's query (and Last-Event-ID header) into a plan request, before any byte is streamed.
 * Every message names the parameter, the range and what was sent, so the 400 tells the caller the remedy.
 */
import { z } from 'zod'
import { TokensimError } from '../core/errors.js'
import { BUILTIN_PROFILES, profileTiming, type ProfileSet } from '../core/profiles.js'
import { UNIT_KINDS, type Timing, type UnitKind } from '../core/types.js'
import type { SizeLimits } from './stream-size.js'

/** Server-wide defaults (set by the CLI flags); a query parameter overrides each for one stream. */
export interface StreamDefaults {
  readonly unit: UnitKind
  readonly delay: number
  readonly ttft: number
  readonly jitter: number
  readonly seed: number
  readonly chunk: number
  /** The reply streamed when the request names neither `text` nor `reply`. */
  readonly reply: string
  /** A latency profile used when the request names none; it replaces delay, ttft and jitter above. */
  readonly profile?: string | undefined
}

export interface StreamLimits extends SizeLimits {
  /** Most UTF-8 bytes `text` may hold. */
  readonly maxTextBytes: number
  /** Longest `delay` or `ttft`, in ms. */
  readonly maxDelay: number
}

export interface StreamParams {
  readonly source: { readonly text: string } | { readonly reply: string }
  readonly unit: UnitKind
  readonly timing: Timing
  readonly seed: number
  readonly chunk: number
  /** The last unit the client has (Last-Event-ID), -1 for a fresh stream. */
  readonly after: number
  /** Where `after` came from, as the client spelled it: for messages about it. */
  readonly afterParam: 'Last-Event-ID' | 'lastEventId'
}

const DECIMAL = /^\d+(\.\d+)?$/
const INTEGER = /^\d+$/

/**
 * What was sent, for a message: as the client wrote it (a number out of range is not echoed as what it parsed
 * to: `1` and 400 zeros is not "Infinity"), quoted, and cut short past 64 characters.
 */
const sent = (value: string): string => {
  const cut = value.length > 64 ? `${value.slice(0, 64)}…` : value
  // A number is shown as it was written (`got 600`), anything else quoted (`got "-5"`).
  return DECIMAL.test(value) ? cut : JSON.stringify(cut)
}

/** A query parameter holding a decimal number in [min, max]. */
function decimal(name: string, what: string, min: number, max: number) {
  const message = `${name} must be ${what} from ${min} to ${max}`
  return z
    .string()
    .refine((s) => DECIMAL.test(s) && Number(s) >= min && Number(s) <= max, {
      error: (issue) => `${message}; got ${sent(String(issue.input))}`,
    })
    .transform(Number)
}

/** A query parameter holding a whole number in [min, max]. */
function integer(name: string, what: string, min: number, max: number) {
  const message = `${name} must be ${what} from ${min} to ${max}`
  return z
    .string()
    .refine((s) => INTEGER.test(s) && Number.isSafeInteger(Number(s)) && Number(s) >= min && Number(s) <= max, {
      error: (issue) => `${message}; got ${sent(String(issue.input))}`,
    })
    .transform(Number)
}

const utf8 = new TextEncoder()

function querySchema(limits: StreamLimits) {
  return z.object({
    text: z
      .string()
      .refine((s) => s.length <= limits.maxTextBytes && utf8.encode(s).length <= limits.maxTextBytes, {
        error: `text is longer than the limit of ${limits.maxTextBytes} UTF-8 bytes; stream a shorter text or raise --max-text`,
      })
      .optional(),
    reply: z.string().min(1, { error: 'reply must name a reply; see GET /replies' }).optional(),
    profile: z.string().optional(),
    unit: z
      .enum(UNIT_KINDS, { error: (issue) => `unit must be one of ${UNIT_KINDS.join(', ')}; got ${JSON.stringify(issue.input)}` })
      .optional(),
    delay: decimal('delay', 'a number of ms between units', 0, limits.maxDelay).optional(),
    tps: decimal('tps', 'a number of units per second', 1000 / limits.maxDelay, 1_000_000)
      .refine((n) => n > 0, { error: 'tps must be more than 0' })
      .optional(),
    ttft: decimal('ttft', 'a number of ms before the first unit', 0, limits.maxDelay).optional(),
    jitter: decimal('jitter', 'a fraction of each gap', 0, 1).optional(),
    seed: integer('seed', 'a whole number', 0, 2 ** 32 - 1).optional(),
    chunk: integer('chunk', 'a number of units per event', 1, 10_000).optional(),
    lastEventId: integer('lastEventId', 'the index of the last unit received', 0, Number.MAX_SAFE_INTEGER).optional(),
  })
}

// Building a zod schema costs far more than using one: one per set of limits, made on first use.
const schemas = new WeakMap<StreamLimits, ReturnType<typeof querySchema>>()
function schemaFor(limits: StreamLimits): ReturnType<typeof querySchema> {
  let schema = schemas.get(limits)
  if (schema === undefined) schemas.set(limits, (schema = querySchema(limits)))
  return schema
}

/**
 * Parses one request. `lastEventId` is the Last-Event-ID header if present (EventSource sends it when it
 * reconnects), else the `lastEventId` query parameter (for polyfills that cannot set headers). With a profile
 * (`profile`, else the defaults' one), the server's default delay, ttft and jitter do not apply: the profile's
 * distributions do, with the request's own knobs applied by profileTiming's rule.
 */
export function parseStreamParams(
  query: Record<string, string>,
  lastEventIdHeader: string | undefined,
  defaults: StreamDefaults,
  limits: StreamLimits,
  profiles: ProfileSet = BUILTIN_PROFILES,
): StreamParams {
  // An empty Last-Event-ID is no id: EventSource sends one after an event that reset it (`id:` with no value),
  // and the spec's own last event ID starts empty (WHATWG HTML, 9.2.4), so it means "from the start".
  if (lastEventIdHeader?.trim() === '') lastEventIdHeader = undefined
  const input = lastEventIdHeader === undefined ? query : { ...query, lastEventId: lastEventIdHeader.trim() }
  const result = schemaFor(limits).safeParse(input)
  if (!result.success) {
    const issue = result.error.issues[0]
    const param = issue?.path[0] === 'lastEventId' && lastEventIdHeader !== undefined ? 'Last-Event-ID' : String(issue?.path[0] ?? '')
    throw new TokensimError('invalid_param', issue?.message ?? 'invalid request', param === '' ? null : param)
  }
  const q = result.data
  if (q.text !== undefined && q.reply !== undefined) {
    throw new TokensimError('invalid_param', 'give either text or reply, not both', 'text')
  }
  if (q.delay !== undefined && q.tps !== undefined) {
    throw new TokensimError('invalid_param', 'give either delay (ms between units) or tps (units per second), not both', 'tps')
  }
  const delay = q.tps !== undefined ? 1000 / q.tps : q.delay
  const profileName = q.profile ?? defaults.profile
  let timing: Timing = { ttft: q.ttft ?? defaults.ttft, delay: delay ?? defaults.delay, jitter: q.jitter ?? defaults.jitter }
  if (profileName !== undefined) {
    const profile = profiles.get(profileName)
    if (profile === undefined) {
      const message = `profile must name a latency profile (see GET /profiles): ${profiles.names.join(', ')}; got ${JSON.stringify(profileName)}`
      throw new TokensimError('invalid_param', message, 'profile')
    }
    timing = profileTiming(profile, { ttft: q.ttft, delay, jitter: q.jitter })
  }
  return {
    source: q.text !== undefined ? { text: q.text } : { reply: q.reply ?? defaults.reply },
    unit: q.unit ?? defaults.unit,
    timing,
    seed: q.seed ?? defaults.seed,
    chunk: q.chunk ?? defaults.chunk,
    after: q.lastEventId ?? -1,
    afterParam: lastEventIdHeader === undefined ? 'lastEventId' : 'Last-Event-ID',
  }
}

/**
 * Parameters that spell one knob two ways: a header for either is left out when the query gives the other, so a
 * header a client sends on every request (`x-tokensim-reply`) never clashes with the query's own choice (`text`).
 */
const SAME_KNOB: Readonly<Record<string, string>> = { text: 'reply', reply: 'text', delay: 'tps', tps: 'delay' }

/** The query with the knob headers' values added, and the headers that gave one, each with its parameter. */
export interface HeaderKnobs {
  readonly query: Record<string, string>
  readonly headers: Readonly<Record<string, string>>
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A header's value as the client wrote it. HTTP carries header values as bytes, and node:http (like the fetch
 * spec's ByteString) reads each byte as one latin1 character, so UTF-8 `ü` arrives as `Ã¼`; a value whose bytes
 * are valid UTF-8 is read as UTF-8, anything else is left as it came.
 */
function headerText(value: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex -- a byte range, NUL included: what is not Latin-1 is left as it came
  if (value === undefined || !/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value
  try {
    return strictUtf8.decode(Uint8Array.from(value, (char) => char.charCodeAt(0)))
  } catch {
    return value
  }
}

/** A request's header reader that gives each value as headerText reads it: what the routes hand to the knobs. */
export const readHeaders =
  (request: { header(name: string): string | undefined }) =>
  (name: string): string | undefined =>
    headerText(request.header(name))

/**
 * GET /stream's knobs from request headers too (`x-tokensim-delay: 20` for `delay=20`), for clients that cannot
 * change the URL: `knobs` maps each header to the parameter it stands for (src/core/knobs.ts's KNOB_HEADERS). A query
 * parameter wins over its header (and over the header of its other spelling, see SAME_KNOB). Without any knob
 * header, `query` itself comes back.
 */
export function withHeaderKnobs(
  query: Record<string, string>,
  header: (name: string) => string | undefined,
  knobs: Readonly<Record<string, string>>,
): HeaderKnobs {
  let merged: Record<string, string> | undefined
  let headers: Record<string, string> | undefined
  for (const [name, param] of Object.entries(knobs)) {
    const value = header(name)
    if (value === undefined || query[param] !== undefined) continue
    const other = SAME_KNOB[param]
    if (other !== undefined && query[other] !== undefined) continue
    ;(merged ??= { ...query })[param] = value
    ;(headers ??= {})[name] = param
  }
  return { query: merged ?? query, headers: headers ?? NO_HEADERS }
}

/**
 * Runs `read`, reporting a bad parameter by the request header that carried it (`delay` -> `x-tokensim-delay`,
 * the message prefixed with the header's name): `headers` maps each such header to its parameter (KNOB_HEADERS,
 * or HeaderKnobs.headers). An error on a parameter no header gave is rethrown as it is.
 */
export function asHeaderError<T>(read: () => T, headers: Readonly<Record<string, string>>): T {
  try {
    return read()
  } catch (error) {
    throw headerError(error, headers)
  }
}

/** asHeaderError for work that is awaited. */
export async function asHeaderErrorAsync<T>(read: () => Promise<T>, headers: Readonly<Record<string, string>>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    throw headerError(error, headers)
  }
}

function headerError(error: unknown, headers: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof TokensimError) || error.param === null) return error
  const name = Object.entries(headers).find(([, param]) => param === error.param)?.[0]
  if (name === undefined) return error
  return new TokensimError(error.code, `${name}: ${error.message}`, name, error.details)
}
