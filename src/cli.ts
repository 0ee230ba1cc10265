#!/usr/bin/env node
/** The tokensim command: flags -> createServer -> listen, and a clean stop on SIGINT / SIGTERM. */
import { BUILTIN_REPLIES } from './core/replies/builtin.js'
import cluster from 'node:cluster'
import { createRequire } from 'node:module'
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { TokensimError } from './core/errors.js'
import { createProfileSet } from './core/profiles.js'
import { parseFaults } from './core/faults.js'
import { parseRateLimit } from './core/rate-limit-flag.js'
import type { RateLimitConfig } from './core/rate-limit.js'
import { DEFAULTS, HEARTBEAT_MS, JOURNAL_ENTRIES, LIMITS, type AppOptions } from './server/app.js'
import { loadCaptures } from './server/captures-file.js'
import { DataFileError } from './server/data-file.js'
import { watchFiles } from './server/watch-files.js'
import { MAX_BODY_BYTES, MAX_STREAMS, MAX_STREAMS_PER_CLIENT } from './server/limits.js'
import { parseOrigins } from './server/origins.js'
import { createServer, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, SHUTDOWN_GRACE_MS, SHUTDOWN_MS } from './server/node.js'
import { parseStreamParams, type StreamDefaults, type StreamLimits } from './server/params.js'
import { loadProfilesFile } from './server/profiles-file.js'
import { loadRepliesFile } from './server/replies-file.js'
import { loadScenariosFile } from './server/scenarios-file.js'
import { record, RecordFailure, RecordUsageError } from './record.js'
import { FATAL_EXIT_CODE, primaryRateLimits, runPrimary, workerPeers, type FatalMessage } from './workers.js'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

// Logging never fails the process: stdout and stderr may be pipes whose reader goes away at any time
// (`tokensim 2>&1 | head -1`), and a write to such a pipe fails with EPIPE, an 'error' event that would end
// the process, and every stream with it, if nothing listened. What cannot be written is dropped (console's own
// writes already ignore their errors; this is the stream's event).
for (const output of [process.stdout, process.stderr]) output.on('error', () => undefined)

const HELP = `tokensim ${version}: simulates an AI model's token stream as Server-Sent Events.

Usage: tokensim [options]
       tokensim record URL [--method M] [--header 'name: value']... [--data BODY] [--name NAME] --out FILE
         captures what URL streams, for --captures to replay (see tokensim record --help)

  --port N         port to listen on (default 8787, or env PORT; 0 picks a free one)
  --host ADDR      address to bind (default 127.0.0.1; anything else is reachable from other machines)
  --unit KIND      default unit: char (grapheme), word or token (o200k_base BPE) (default ${DEFAULTS.unit})
  --delay MS       default ms between units (default ${DEFAULTS.delay})
  --ttft MS        default ms before the first unit (default ${DEFAULTS.ttft})
  --jitter F       default spread of each gap, 0 to 1 (default ${DEFAULTS.jitter})
  --seed N         default seed of the latency draws (default ${DEFAULTS.seed})
  --chunk N        default units per event (default ${DEFAULTS.chunk})
  --reply NAME     reply streamed when a request names none (default ${DEFAULTS.reply})
  --profile NAME   latency profile of a request that names none, in place of --delay, --ttft and --jitter
                   (see GET /profiles; default: none, the fixed latency of those three flags)
  --replies PATH   add replies from a JSON or YAML file, or a folder of .md files
  --scenarios PATH rules (JSON or YAML) that choose the answer to a vendor request: text, reasoning, tool calls
  --profiles PATH  add or replace latency profiles (JSON or YAML): ttft and gap distributions, stalls, bursts
  --captures PATH  captured streams to replay (a capture file or a folder of .jsonl and .sse files): at
                   GET /captures/NAME, and on their endpoint with the header x-tokensim-capture: NAME
  --fault SPEC     faults for every request, e.g. "status:503:1" or "error-after:20" (see the README's Faults)
  --fault-rate P   the probability, 0 to 1, that a request gets the --fault faults (default 1; drawn from --seed)
  --headers-timeout MS
                   longest a client may take to send a request's line and headers; then a 408 (default ${HEADERS_TIMEOUT_MS})
  --request-timeout MS
                   longest a client may take to send a whole request, body included (default ${REQUEST_TIMEOUT_MS})
  --heartbeat MS   longest silence before a ": ping" comment (default ${HEARTBEAT_MS})
  --max-text BYTES longest text= a request may stream, in UTF-8 bytes (default ${LIMITS.maxTextBytes})
  --max-units N    most units one stream may have (default ${LIMITS.maxUnits})
  --max-delay MS   longest delay or ttft a request may ask for (default ${LIMITS.maxDelay})
  --max-duration MS
                   longest a stream may play, from its start to its last unit (default ${LIMITS.maxDuration})
  --max-body BYTES largest request body; beyond it a 413 (default ${MAX_BODY_BYTES})
  --max-streams N  streams open at once; beyond it a 503 with retry-after (default ${MAX_STREAMS})
  --max-streams-per-client N
                   streams open at once from one client address; beyond it a 429 (default ${MAX_STREAMS_PER_CLIENT})
  --api-key KEY    require this key on every route but the page, sent as each vendor's clients send it
                   (or env TOKENSIM_API_KEY; default: none needed, any key accepted)
  --cors ORIGINS   origins that may read the responses: * (default) or a comma-separated list
  --rate-limit LIMITS
                   requests and tokens per minute per API key, as the vendors limit them, e.g.
                   rpm=60,tpm=40000 (either or both; window=10s shortens the minute, for tests); a request
                   beyond them is a 429 in its vendor's shape, and every answer carries the vendor's
                   rate-limit headers (default: no limits)
  --capacity N     streams the simulated model serves at full speed; beyond them a new stream waits longer for
                   its first token and gets its tokens more slowly, as a loaded model does (see the README's
                   Capacity; default: no limit, no slowdown; per process with --workers)
  --queue-limit M  streams that may wait beyond --capacity; beyond them an overload refusal (Anthropic 529,
                   503 elsewhere) with retry-after (default: no limit)
  --journal N      requests GET /journal keeps, the oldest dropped first; 0 keeps none (default ${JOURNAL_ENTRIES})
  --workers N      processes that share the port, or "auto" for one per core (default 1)
  -h, --help       show this help
  -v, --version    show the version

Endpoints: GET / (the page), GET /stream, GET /replies, GET /profiles, GET /captures, GET /v1/models,
GET/POST/PUT/DELETE /scenarios, GET/DELETE /journal, and the vendor APIs POST /v1/chat/completions,
/v1/responses, /v1/messages (and /count_tokens), /v1beta/models/{model}:streamGenerateContent,
:generateContent and :countTokens, /api/chat. See the README for every parameter.

Signals: SIGINT and SIGTERM stop it (streams end with a final comment; gone within 2 s), SIGHUP reloads the
--replies, --scenarios, --profiles and --captures files.`

/** A problem with how tokensim was started: printed as one line, exit code 2 (1 for a failure while running). */
class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'record') return recordCommand(argv.slice(1))
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        unit: { type: 'string' },
        delay: { type: 'string' },
        ttft: { type: 'string' },
        jitter: { type: 'string' },
        seed: { type: 'string' },
        chunk: { type: 'string' },
        reply: { type: 'string' },
        profile: { type: 'string' },
        replies: { type: 'string' },
        scenarios: { type: 'string' },
        profiles: { type: 'string' },
        captures: { type: 'string' },
        fault: { type: 'string' },
        'fault-rate': { type: 'string' },
        heartbeat: { type: 'string' },
        'headers-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
        'max-text': { type: 'string' },
        'max-units': { type: 'string' },
        'max-delay': { type: 'string' },
        'max-duration': { type: 'string' },
        'max-body': { type: 'string' },
        'max-streams': { type: 'string' },
        journal: { type: 'string' },
        'max-streams-per-client': { type: 'string' },
        'api-key': { type: 'string' },
        cors: { type: 'string' },
        'rate-limit': { type: 'string' },
        capacity: { type: 'string' },
        'queue-limit': { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }))
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\s*\n\s*/g, ' ')} (see tokensim --help)`)
  }
  if (values.help) return void console.log(HELP)
  if (values.version) return void console.log(version)

  const port = wholeNumber('--port', values.port ?? process.env['PORT'] ?? '8787', 0, 65535)
  const heartbeat = wholeNumber('--heartbeat', values.heartbeat ?? String(HEARTBEAT_MS), 1, 3_600_000)
  const maxTextBytes = wholeNumber('--max-text', values['max-text'] ?? String(LIMITS.maxTextBytes), 0, 64 * 1024 * 1024)
  const headersTimeout = wholeNumber('--headers-timeout', values['headers-timeout'] ?? String(HEADERS_TIMEOUT_MS), 1, 3_600_000)
  const requestTimeout = wholeNumber('--request-timeout', values['request-timeout'] ?? String(REQUEST_TIMEOUT_MS), 1, 3_600_000)
  const maxUnits = wholeNumber('--max-units', values['max-units'] ?? String(LIMITS.maxUnits), 1, 100_000_000)
  const maxDelay = wholeNumber('--max-delay', values['max-delay'] ?? String(LIMITS.maxDelay), 1, 86_400_000)
  const maxDuration = wholeNumber('--max-duration', values['max-duration'] ?? String(LIMITS.maxDuration), 1, 7 * 86_400_000)
  const maxBodyBytes = wholeNumber('--max-body', values['max-body'] ?? String(MAX_BODY_BYTES), 1, 1024 * 1024 * 1024)
  const maxStreams = wholeNumber('--max-streams', values['max-streams'] ?? String(MAX_STREAMS), 1, 10_000_000)
  const journal = wholeNumber('--journal', values.journal ?? String(JOURNAL_ENTRIES), 0, 1_000_000)
  const perClient = values['max-streams-per-client'] ?? String(MAX_STREAMS_PER_CLIENT)
  const maxStreamsPerClient = wholeNumber('--max-streams-per-client', perClient, 1, 10_000_000)
  const apiKey = apiKeyOf(values['api-key'] ?? (process.env['TOKENSIM_API_KEY'] || undefined))
  const corsOrigins = corsOf(values.cors ?? '*')
  const rateLimit = rateLimitOf(values['rate-limit'])
  const capacity = values.capacity === undefined ? undefined : wholeNumber('--capacity', values.capacity, 1, 10_000_000)
  const queueLimit = values['queue-limit'] === undefined ? undefined : wholeNumber('--queue-limit', values['queue-limit'], 0, 10_000_000)
  if (queueLimit !== undefined && capacity === undefined) throw new UsageError('--queue-limit needs --capacity: give both')
  const host = values.host
  if (isIP(host) === 0 && host !== 'localhost')
    throw new UsageError(`--host must be an IP address or localhost; got ${JSON.stringify(host)}`)
  const workers = values.workers === 'auto' ? availableParallelism() : wholeNumber('--workers', values.workers ?? '1', 1, 256)

  const defaults = streamDefaults(values, { ...LIMITS, maxDelay })
  const { replies, profiles, scenarios, captures } = loadDataFiles(values)

  const shown = host.includes(':') ? `[${host}]` : host
  const announce = (actualPort: number): void => {
    const processes = workers > 1 ? ` with ${workers} workers` : ''
    console.log(
      `tokensim ${version} serving http://${shown}:${actualPort}${processes}  (page /, stream /stream, OpenAI /v1, Anthropic /v1/messages, Gemini /v1beta, AI SDK /api/chat)`,
    )
    if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
      console.warn(`tokensim: warning: bound to ${host}, so other machines on the network can reach this server`)
    }
  }
  // Every flag is checked above, in the primary too, so a bad one stops tokensim before any worker starts.
  if (workers > 1 && cluster.isPrimary) return runPrimary({ workers, onListening: announce, rateLimit })

  let server
  let peers: ReturnType<typeof workerPeers> | undefined
  try {
    const faults = serverFaults(values)
    const limits = {
      limits: { maxTextBytes, maxUnits, maxDelay, maxDuration },
      ...{ maxBodyBytes, maxStreams, maxStreamsPerClient, headersTimeout, requestTimeout },
    }
    peers = cluster.isWorker ? workerPeers() : undefined
    server = createServer({
      defaults,
      replies,
      scenarios,
      profiles,
      captures,
      faults,
      heartbeat,
      ...limits,
      apiKey,
      corsOrigins,
      journal,
      capacity,
      queueLimit,
      ...(peers === undefined ? {} : { peers }),
      // With --workers the primary keeps the buckets, so that a key's limit holds for the whole server.
      rateLimit: rateLimit !== undefined && cluster.isWorker ? primaryRateLimits(rateLimit) : rateLimit,
    })
  } catch (error) {
    if (error instanceof TokensimError) throw new UsageError(`--${error.param ?? 'reply'}: ${error.message}`)
    throw error
  }
  const files = [values.replies, values.scenarios, values.profiles, values.captures].filter((path) => path !== undefined)
  const running = server
  // One process says what happened: the only one, or the first worker (each worker reloads on its own).
  const speaks = cluster.isPrimary || cluster.worker?.id === 1
  // A changed file is read again with the others it depends on; a broken edit keeps the last good version.
  const reload = (signal = ''): void => {
    const why = signal === '' ? '' : `${signal}: `
    if (files.length === 0) return void (speaks && console.log(`tokensim: ${why}no data files to reload`))
    try {
      running.reload(loadDataFiles(values))
      if (speaks) console.log(`tokensim: ${why}reloaded ${files.join(', ')}`)
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof TokensimError)) throw error
      const message = error instanceof TokensimError ? `--${error.param ?? 'reply'}: ${error.message}` : error.message
      if (speaks) console.error(`tokensim: ${why}${message}; kept the last good version`)
    }
  }
  if (files.length > 0) watchFiles(files, () => reload())
  // SIGHUP reloads the data files, as servers conventionally do (its default would end the process at once,
  // streams and all); with --workers the primary passes it on to every worker (src/workers.ts).
  process.on('SIGHUP', () => reload('SIGHUP'))
  // A worker takes the runtime rules the others hold before it listens, and reloads its files if a SIGHUP came
  // while it started (it may have read them before they changed).
  if ((await peers?.ready())?.reload === true) reload('SIGHUP')
  try {
    await server.listen({ port, host })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use: stop what serves it or pass --port`)
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new UsageError(`cannot listen on ${host}:${port} (${code})`)
    throw error
  }
  const address = server.http.address()
  if (cluster.isPrimary) announce(typeof address === 'object' && address !== null ? address.port : port)

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) process.exit(130) // a second Ctrl-C: do not wait
    stopping = true
    if (cluster.isPrimary) console.log(`tokensim: ${signal}, ending ${server.registry.size} open stream(s) and stopping`)
    // Requests still waiting for their headers are answered 503 at once, streams end with a final comment, and
    // connections still open after the grace are dropped; whatever is left then, the process is gone in time.
    setTimeout(() => process.exit(0), SHUTDOWN_MS - 100).unref()
    void server.close(SHUTDOWN_GRACE_MS).then(() => process.exit(0))
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

/** `tokensim record`: its bad arguments are usage errors like the server's; a failed request is exit code 1. */
async function recordCommand(argv: readonly string[]): Promise<void> {
  try {
    await record(argv)
  } catch (error) {
    if (error instanceof RecordUsageError) throw new UsageError(error.message)
    if (!(error instanceof RecordFailure)) throw error
    console.error(`tokensim: ${error.message}`)
    process.exitCode = 1
  }
}

/**
 * The CLI's stream defaults go through the same validation as a request's query, with the same messages. Only
 * the flags given are returned, so each route keeps its own default for the rest (the vendor routes stream
 * tokens unless --unit says otherwise).
 */
function streamDefaults(values: Record<string, string | boolean | undefined>, limits: StreamLimits): Partial<StreamDefaults> {
  const query: Record<string, string> = {}
  for (const key of ['unit', 'delay', 'ttft', 'jitter', 'seed', 'chunk'] as const) {
    const value = values[key]
    if (typeof value === 'string') query[key] = value
  }
  // A profile draws its own latency (createApp checks that it exists, among the --profiles too).
  if (typeof values['profile'] === 'string') {
    const fixed = ['delay', 'ttft', 'jitter'].filter((key) => typeof values[key] === 'string')
    if (fixed.length > 0) throw new UsageError(`--profile replaces --${fixed.join(', --')}: give one or the other`)
  }
  try {
    const params = parseStreamParams(query, undefined, DEFAULTS, limits)
    const timing = params.timing
    if (timing.kind === 'profile') throw new Error('no profile was asked for') // never: the query names none
    const given: Partial<Record<keyof StreamDefaults, unknown>> = {
      unit: params.unit,
      delay: timing.delay,
      ttft: timing.ttft,
      jitter: timing.jitter,
      seed: params.seed,
      chunk: params.chunk,
      reply: values['reply'],
      profile: values['profile'],
    }
    return Object.fromEntries(Object.entries(given).filter(([key]) => typeof values[key] === 'string')) as Partial<StreamDefaults>
  } catch (error) {
    if (error instanceof TokensimError) throw new UsageError(`--${error.message}`)
    throw error
  }
}

/** --fault and --fault-rate, checked with the same messages a request's faults get; seeded by --seed. */
function serverFaults(values: Record<string, string | boolean | undefined>): AppOptions['faults'] {
  const spec = values['fault']
  const rateText = values['fault-rate']
  if (typeof rateText === 'string' && !/^(0(\.\d+)?|1(\.0+)?)$/.test(rateText))
    throw new UsageError(`--fault-rate must be a probability from 0 to 1; got ${JSON.stringify(rateText)}`)
  if (typeof spec !== 'string') {
    if (typeof rateText === 'string') throw new UsageError('--fault-rate needs --fault: the faults it applies')
    return undefined
  }
  let faults
  try {
    faults = parseFaults(spec, '--fault')
  } catch (error) {
    if (error instanceof TokensimError) throw new UsageError(error.message)
    throw error
  }
  const seed = typeof values['seed'] === 'string' ? Number(values['seed']) : 0
  return { faults, spec, rate: typeof rateText === 'string' ? Number(rateText) : 1, seed }
}

/** The key goes in a header (or a query), so it is visible ASCII without spaces. */
function apiKeyOf(key: string | undefined): string | undefined {
  if (key === undefined) return undefined
  if (!/^[\x21-\x7e]{1,1024}$/.test(key))
    throw new UsageError('--api-key (or env TOKENSIM_API_KEY) must be 1 to 1024 visible ASCII characters, without spaces')
  return key
}

/** --cors, with the message of src/server/origins.ts. */
function corsOf(value: string): '*' | string[] {
  try {
    return parseOrigins(value)
  } catch (error) {
    if (error instanceof TokensimError) throw new UsageError(`--cors ${error.message}`)
    throw error
  }
}

/** --rate-limit, with the message of src/core/rate-limit.ts. */
function rateLimitOf(value: string | undefined): RateLimitConfig | undefined {
  if (value === undefined) return undefined
  try {
    return parseRateLimit(value)
  } catch (error) {
    if (error instanceof TokensimError) throw new UsageError(`--rate-limit ${error.message}`)
    throw error
  }
}

/** The replies, profiles, scenarios and captures the flags name, each checked (a UsageError names the flag and file). */
function loadDataFiles(values: { replies?: string; profiles?: string; scenarios?: string; captures?: string }) {
  const replies = fromFile('--replies', values.replies, loadRepliesFile) ?? []
  // Before the scenarios, which may name the user's profiles and replies.
  const profiles = fromFile('--profiles', values.profiles, loadProfilesFile) ?? []
  const names = { profiles: createProfileSet(profiles).names, replies: [...BUILTIN_REPLIES, ...replies].map((r) => r.name) }
  const scenarios = fromFile('--scenarios', values.scenarios, (path) => loadScenariosFile(path, names)) ?? []
  const captures = fromFile('--captures', values.captures, loadCaptures) ?? []
  return { replies, profiles, scenarios, captures }
}

/** The data file a flag names, loaded; its DataFileError (which names the file and the problem) as a usage error. */
function fromFile<T>(flag: string, path: string | undefined, load: (path: string) => T): T | undefined {
  if (path === undefined) return undefined
  try {
    return load(path)
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(`${flag} ${error.message}`)
    throw error
  }
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`)
  return n
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    if (cluster.isWorker) {
      // The primary prints it, once for all workers, and stops them.
      const message: FatalMessage = { type: 'tokensim-fatal', message: error.message }
      process.send?.(message, () => process.exit(FATAL_EXIT_CODE))
      return
    }
    console.error(`tokensim: ${error.message}`)
    process.exit(2)
  }
  console.error('tokensim: unexpected failure:', error)
  process.exit(1)
})
