/**
 * tokensim's options as code gives them (`start()`, `createApp()`) and as the command line gives them (the
 * flags, in camelCase), checked by one set of rules with one set of messages: each message names the option as
 * its caller wrote it (`maxText` from code, `--max-text` from the command line). Runtime-neutral: nothing here
 * reads a file, the environment or the clock, or imports node:*.
 */
import { TokensimError } from './core/errors.js'
import { parseFaults } from './core/faults.js'
import { parseRateLimit } from './core/rate-limit-flag.js'
import type { RateLimitConfig } from './core/rate-limit.js'
import type { UnitKind } from './core/types.js'
import { DEFAULTS, HEARTBEAT_MS, JOURNAL_ENTRIES, LIMITS, type AppOptions as AppSettings } from './app/app.js'
import { MAX_BODY_BYTES, MAX_STREAMS, MAX_STREAMS_PER_CLIENT } from './app/limits.js'
import { parseOrigins } from './app/origins.js'
import { parseStreamParams, type StreamDefaults } from './app/params.js'

/** A tokensim option that cannot be used as given; its message names the option and says what it takes. */
export class OptionError extends Error {
  override readonly name: string = 'OptionError'
  /** The option at fault, in camelCase (`maxText` for `--max-text`). */
  readonly option: string
  constructor(option: string, message: string) {
    super(message)
    this.option = option
  }
}

/** The options of the app itself, on any runtime: each is the command line's flag of the same name, in camelCase. */
export interface AppOptions {
  /** Default unit of a stream: `char` (grapheme), `word` or `token` (--unit; default char). */
  readonly unit?: UnitKind | undefined
  /** Default ms between units (--delay; default 30). */
  readonly delay?: number | undefined
  /** Default ms before the first unit (--ttft; default 300). */
  readonly ttft?: number | undefined
  /** Default spread of each gap, 0 to 1 (--jitter; default 0). */
  readonly jitter?: number | undefined
  /** Default seed of the latency draws (--seed; default 0). */
  readonly seed?: number | undefined
  /** Default units per event (--chunk; default 1). */
  readonly chunk?: number | undefined
  /** Reply streamed when a request names none (--reply; default greeting). */
  readonly reply?: string | undefined
  /** Latency profile of a request that names none, in place of delay, ttft and jitter (--profile). */
  readonly profile?: string | undefined
  /** Faults for every request, e.g. `status:503:1` (--fault). */
  readonly fault?: string | undefined
  /** Probability, 0 to 1, that a request gets the faults (--fault-rate; default 1). */
  readonly faultRate?: number | undefined
  /** Longest silence before a `: ping` comment, ms (--heartbeat; default 15000). */
  readonly heartbeat?: number | undefined
  /** Longest text= a request may stream, UTF-8 bytes (--max-text). */
  readonly maxText?: number | undefined
  /** Most units one stream may have (--max-units). */
  readonly maxUnits?: number | undefined
  /** Longest delay or ttft a request may ask for, ms (--max-delay). */
  readonly maxDelay?: number | undefined
  /** Longest a stream may play, ms (--max-duration). */
  readonly maxDuration?: number | undefined
  /** Largest request body, bytes; beyond it a 413 (--max-body). */
  readonly maxBody?: number | undefined
  /** Streams open at once; beyond it a 503 (--max-streams). */
  readonly maxStreams?: number | undefined
  /** Streams open at once from one client address; beyond it a 429 (--max-streams-per-client). */
  readonly maxStreamsPerClient?: number | undefined
  /** The key every route but the page requires (--api-key; default: none needed). */
  readonly apiKey?: string | undefined
  /** Origins that may read the responses: `*` (the default), a comma-separated list, or an array (--cors). */
  readonly cors?: string | readonly string[] | undefined
  /** Requests and tokens per minute per API key, e.g. `rpm=60,tpm=40000` (--rate-limit). */
  readonly rateLimit?: string | undefined
  /** Streams the simulated model serves at full speed (--capacity; default: no limit). */
  readonly capacity?: number | undefined
  /** Streams that may wait beyond `capacity` (--queue-limit; needs `capacity`). */
  readonly queueLimit?: number | undefined
  /** Requests GET /journal keeps (--journal; default 1000). */
  readonly journal?: number | undefined
}

/** How a caller spells an option in a message: `maxText` in code, `--max-text` on the command line. */
export type OptionNames = (option: string) => string

/** Options as code names them. */
export const CODE_NAMES: OptionNames = (option) => option

/**
 * The options as given: typed values from code, or the text of the flags (numbers are checked as their text,
 * so `5.5` and `"5.5"` get the same answer).
 */
export type Given<T> = { readonly [K in keyof T]?: T[K] | string | undefined }

/** The app's settings the options make (src/app/app.ts), with what the Node server and the CLI add later. */
export type AppSettingsOf = Pick<
  AppSettings,
  | 'defaults'
  | 'limits'
  | 'faults'
  | 'heartbeat'
  | 'maxBodyBytes'
  | 'maxStreams'
  | 'maxStreamsPerClient'
  | 'apiKey'
  | 'corsOrigins'
  | 'journal'
  | 'capacity'
  | 'queueLimit'
> & { readonly rateLimit: RateLimitConfig | undefined }

/** Checks the app's options, in the order the command line always has: the first at fault throws an OptionError. */
export function resolveAppOptions(given: Given<AppOptions>, names: OptionNames = CODE_NAMES): AppSettingsOf {
  const number = (option: keyof AppOptions, fallback: number | undefined, min: number, max: number): number | undefined => {
    const value = given[option]
    return value === undefined ? fallback : wholeNumber(names, option, value, min, max)
  }
  const heartbeat = number('heartbeat', HEARTBEAT_MS, 1, 3_600_000)!
  const maxTextBytes = number('maxText', LIMITS.maxTextBytes, 0, 64 * 1024 * 1024)!
  const maxUnits = number('maxUnits', LIMITS.maxUnits, 1, 100_000_000)!
  const maxDelay = number('maxDelay', LIMITS.maxDelay, 1, 86_400_000)!
  const maxDuration = number('maxDuration', LIMITS.maxDuration, 1, 7 * 86_400_000)!
  const maxBodyBytes = number('maxBody', MAX_BODY_BYTES, 1, 1024 * 1024 * 1024)!
  const maxStreams = number('maxStreams', MAX_STREAMS, 1, 10_000_000)!
  const journal = number('journal', JOURNAL_ENTRIES, 0, 1_000_000)!
  const maxStreamsPerClient = number('maxStreamsPerClient', MAX_STREAMS_PER_CLIENT, 1, 10_000_000)!
  const apiKey = apiKeyOf(names, given.apiKey)
  const corsOrigins = parsed(names, 'cors', () => parseOrigins(text(given.cors) ?? '*'))
  const rateLimit = given.rateLimit === undefined ? undefined : parsed(names, 'rateLimit', () => parseRateLimit(String(given.rateLimit)))
  const capacity = number('capacity', undefined, 1, 10_000_000)
  const queueLimit = number('queueLimit', undefined, 0, 10_000_000)
  if (queueLimit !== undefined && capacity === undefined)
    throw new OptionError('queueLimit', `${names('queueLimit')} needs ${names('capacity')}: give both`)
  const limits = { maxTextBytes, maxUnits, maxDelay, maxDuration }
  const defaults = streamDefaults(names, given, { ...LIMITS, maxDelay })
  const faults = faultsOf(names, given)
  return {
    ...{ defaults, limits, faults, heartbeat, maxBodyBytes, maxStreams, maxStreamsPerClient, apiKey, corsOrigins, journal },
    ...{ capacity, queueLimit, rateLimit },
  }
}

/** A whole number in [min, max], given as a number or as its digits. */
export function wholeNumber(names: OptionNames, option: string, value: unknown, min: number, max: number): number {
  const digits = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : ''
  const n = /^\d+$/.test(digits) ? Number(digits) : NaN
  if (!(n >= min && n <= max)) {
    const got = typeof value === 'string' ? JSON.stringify(value) : String(value)
    throw new OptionError(option, `${names(option)} must be a whole number from ${min} to ${max}; got ${got}`)
  }
  return n
}

/** An app's TokensimError about an option (a reply or profile that does not exist) as an OptionError naming it. */
export function asOptionError(error: unknown, names: OptionNames): unknown {
  if (!(error instanceof TokensimError)) return error
  const option = error.param ?? 'reply'
  return new OptionError(option, `${names(option)}: ${error.message}`)
}

const text = (value: string | readonly string[] | undefined): string | undefined =>
  value === undefined || typeof value === 'string' ? value : value.join(',')

/** A parser's TokensimError as an OptionError: `--cors must be ...`, `cors must be ...`. */
function parsed<T>(names: OptionNames, option: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof TokensimError) throw new OptionError(option, `${names(option)} ${error.message}`)
    throw error
  }
}

/** The key goes in a header (or a query), so it is visible ASCII without spaces. */
function apiKeyOf(names: OptionNames, key: string | undefined): string | undefined {
  if (key === undefined) return undefined
  if (!/^[\x21-\x7e]{1,1024}$/.test(key))
    throw new OptionError('apiKey', `${names('apiKey')} must be 1 to 1024 visible ASCII characters, without spaces`)
  return key
}

const STREAM_KNOBS = ['unit', 'delay', 'ttft', 'jitter', 'seed', 'chunk'] as const

/**
 * The stream defaults go through the same validation as a request's query, with the same messages. Only the
 * options given are returned, so each route keeps its own default for the rest (the vendor routes stream
 * tokens unless `unit` says otherwise).
 */
function streamDefaults(names: OptionNames, given: Given<AppOptions>, limits: typeof LIMITS): Partial<StreamDefaults> {
  const query: Record<string, string> = {}
  for (const key of STREAM_KNOBS) if (given[key] !== undefined) query[key] = String(given[key])
  // A profile draws its own latency (createApp checks that it exists, among the user's profiles too).
  if (given.profile !== undefined) {
    const fixed = (['delay', 'ttft', 'jitter'] as const).filter((key) => given[key] !== undefined)
    if (fixed.length > 0)
      throw new OptionError('profile', `${names('profile')} replaces ${fixed.map(names).join(', ')}: give one or the other`)
  }
  let params
  try {
    params = parseStreamParams(query, undefined, DEFAULTS, limits)
  } catch (error) {
    if (!(error instanceof TokensimError)) throw error
    // The message starts with the parameter's name, which is the option's.
    const option = error.param ?? ''
    const message = error.message.startsWith(option) ? error.message.slice(option.length) : `: ${error.message}`
    throw new OptionError(option, `${names(option)}${message}`)
  }
  const timing = params.timing
  if (timing.kind === 'profile') throw new Error('no profile was asked for') // never: the query names none
  const values: Partial<Record<keyof StreamDefaults, unknown>> = {
    ...{ unit: params.unit, delay: timing.delay, ttft: timing.ttft, jitter: timing.jitter, seed: params.seed, chunk: params.chunk },
    ...{ reply: given.reply, profile: given.profile },
  }
  return Object.fromEntries(Object.entries(values).filter(([key]) => given[key as keyof AppOptions] !== undefined))
}

/** `fault` and `faultRate`, checked with the same messages a request's faults get; seeded by `seed`. */
function faultsOf(names: OptionNames, given: Given<AppOptions>): AppSettings['faults'] {
  const { fault: spec, faultRate } = given
  const rateText = faultRate === undefined ? undefined : String(faultRate)
  if (rateText !== undefined && !/^(0(\.\d+)?|1(\.0+)?)$/.test(rateText)) {
    const got = typeof faultRate === 'string' ? JSON.stringify(faultRate) : rateText
    throw new OptionError('faultRate', `${names('faultRate')} must be a probability from 0 to 1; got ${got}`)
  }
  if (spec === undefined) {
    if (rateText !== undefined) throw new OptionError('faultRate', `${names('faultRate')} needs ${names('fault')}: the faults it applies`)
    return undefined
  }
  let faults
  try {
    faults = parseFaults(spec, names('fault'))
  } catch (error) {
    if (error instanceof TokensimError) throw new OptionError('fault', error.message)
    throw error
  }
  const seed = given.seed === undefined ? 0 : Number(given.seed)
  return { faults, spec, rate: rateText === undefined ? 1 : Number(rateText), seed }
}
