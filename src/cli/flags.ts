/**
 * The command line read into what to do: a pure function of the arguments and the two environment variables
 * tokensim reads (no process, no files, no sockets). Every flag is an option of `start()` in kebab case, checked
 * by the same rules (src/options.ts, src/start.ts) with messages that name the flag.
 */
import { parseArgs } from 'node:util'
import { KNOB_OPTIONS } from '../core/knobs.js'
import type { OptionNames } from '../options.js'
import { resolveStartOptions, type StartOptions, type StartSettings } from '../start.js'
import { wholeNumber } from '../options.js'

/** A problem with how tokensim was started: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError'
}

/** The environment variables tokensim reads: PORT (as --port) and TOKENSIM_API_KEY (as --api-key). */
export interface FlagEnv {
  readonly PORT?: string | undefined
  readonly TOKENSIM_API_KEY?: string | undefined
}

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'record'; readonly argv: readonly string[] }
  | {
      readonly kind: 'serve'
      readonly settings: StartSettings
      /** Processes that share the port; `auto`: one per core. */
      readonly workers: number | 'auto'
    }

/** Every option a flag of the same name in kebab case sets, as start() takes it. */
const OPTIONS = [
  ...['port', 'host'],
  // the knobs' defaults, as src/core/knobs.ts names them
  ...KNOB_OPTIONS,
  ...['replies', 'scenarios', 'profiles', 'captures', 'fault', 'faultRate', 'heartbeat', 'headersTimeout', 'requestTimeout'],
  ...['maxText', 'maxUnits', 'maxDelay', 'maxDuration', 'maxBody', 'maxStreams', 'maxStreamsPerClient', 'journal'],
  ...['apiKey', 'cors', 'rateLimit', 'capacity', 'queueLimit'],
] as const satisfies readonly (keyof StartOptions)[]

const flagOf = (option: string): string => `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`

/** Options as the command line names them: `--max-text` for maxText. */
export const FLAG_NAMES: OptionNames = (option) => (option === 'apiKey' ? '--api-key (or env TOKENSIM_API_KEY)' : flagOf(option))

/** Reads the command line; a usage error throws (a UsageError or an OptionError, whose message names the flag). */
export function parseFlags(argv: readonly string[], env: FlagEnv = {}): Command {
  if (argv[0] === 'record') return { kind: 'record', argv: argv.slice(1) }
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(OPTIONS.map((option) => [flagOf(option).slice(2), { type: 'string' as const }])),
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }))
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\s*\n\s*/g, ' ')} (see tokensim --help)`)
  }
  if (values['help'] === true) return { kind: 'help' }
  if (values['version'] === true) return { kind: 'version' }
  const given: Record<string, string | undefined> = {}
  for (const option of OPTIONS) {
    const value = values[flagOf(option).slice(2)]
    if (typeof value === 'string') given[option] = value
  }
  given['port'] ??= env.PORT
  // An empty TOKENSIM_API_KEY is none.
  given['apiKey'] ??= env.TOKENSIM_API_KEY || undefined
  const settings = resolveStartOptions(given, FLAG_NAMES)
  const workersText = values['workers']
  const workers = workersText === 'auto' ? 'auto' : wholeNumber(FLAG_NAMES, 'workers', workersText ?? '1', 1, 256)
  return { kind: 'serve', settings, workers }
}
