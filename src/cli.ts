#!/usr/bin/env node
/**
 * The tokensim command: the flags read (src/cli/flags.ts), then the server started as start() starts it
 * (src/start.ts), with what only a process has: its output, --workers, the data files reloaded on a change or
 * SIGHUP, and a clean stop on SIGINT / SIGTERM.
 */
import cluster from 'node:cluster'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { FLAG_NAMES, parseFlags, UsageError } from './cli/flags.js'
import { helpText } from './cli/help.js'
import { dataFilePaths, loadDataFiles } from './data-files.js'
import { asOptionError, OptionError } from './options.js'
import { watchFiles } from './cli/watch-files.js'
import { SHUTDOWN_GRACE_MS, SHUTDOWN_MS } from './node/server.js'
import { createTokensimServer, listenError, listenOn, urlOf, type StartSettings } from './start.js'
import { record, RecordFailure, RecordUsageError } from './cli/record.js'
import {
  FATAL_EXIT_CODE,
  primaryRateLimits,
  probePort,
  REUSE_PORT,
  runPrimary,
  workerListen,
  workerPeers,
  type FatalMessage,
  type ListeningMessage,
} from './node/cluster.js'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

// Logging never fails the process: stdout and stderr may be pipes whose reader goes away at any time
// (`tokensim 2>&1 | head -1`), and a write to such a pipe fails with EPIPE, an 'error' event that would end
// the process, and every stream with it, if nothing listened. What cannot be written is dropped (console's own
// writes already ignore their errors; this is the stream's event).
for (const output of [process.stdout, process.stderr]) output.on('error', () => undefined)

async function main(argv: readonly string[]): Promise<void> {
  const command = parseFlags(argv, process.env)
  if (command.kind === 'help') return void console.log(helpText(version))
  if (command.kind === 'version') return void console.log(version)
  if (command.kind === 'record') return recordCommand(command.argv)
  const { settings } = command
  const workers = command.workers === 'auto' ? availableParallelism() : command.workers
  const { host } = settings

  const announce = (port: number): void => {
    const processes = workers > 1 ? ` with ${workers} workers` : ''
    console.log(
      `tokensim ${version} serving ${urlOf(host, port)}${processes}  (page /, stream /stream, OpenAI /v1, Anthropic /v1/messages, Gemini /v1beta, AI SDK /api/chat)`,
    )
    if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
      console.warn(`tokensim: warning: bound to ${host}, so other machines on the network can reach this server`)
    }
  }
  if (workers > 1 && cluster.isPrimary) {
    // Every flag and data file is checked in the primary too, so a bad one stops tokensim before any worker starts.
    loadDataFiles(settings.files, FLAG_NAMES)
    // With REUSE_PORT the workers listen themselves, on a port checked free first (src/node/cluster.ts).
    const port = REUSE_PORT
      ? await probePort(settings.port, host).catch((error: unknown) => {
          throw listenError(error, settings.port, host, FLAG_NAMES)
        })
      : settings.port
    return runPrimary({ workers, port, onListening: announce, rateLimit: settings.rateLimit })
  }

  const peers = cluster.isWorker ? workerPeers() : undefined
  const server = createTokensimServer(settings, FLAG_NAMES, {
    peers,
    // With --workers the primary keeps the buckets, so that a key's limit holds for the whole server.
    rateLimit: settings.rateLimit !== undefined && cluster.isWorker ? primaryRateLimits(settings.rateLimit) : undefined,
  })
  const reload = reloader(settings, (data) => server.reload(data))
  const files = dataFilePaths(settings.files)
  if (files.length > 0) watchFiles(files, () => reload())
  // SIGHUP reloads the data files, as servers conventionally do (its default would end the process at once,
  // streams and all); with --workers the primary passes it on to every worker (src/node/cluster.ts).
  process.on('SIGHUP', () => reload('SIGHUP'))
  // A worker takes the runtime rules the others hold before it listens, and reloads its files if a SIGHUP came
  // while it started (it may have read them before they changed).
  if ((await peers?.ready())?.reload === true) reload('SIGHUP')
  const listen = cluster.isWorker ? workerListen(settings.port) : { port: settings.port, reusePort: false }
  const port = await listenOn(server, { ...settings, ...listen }, FLAG_NAMES)
  if (cluster.isPrimary) announce(port)
  else if (listen.reusePort) process.send?.({ type: 'tokensim-listening', port } satisfies ListeningMessage)

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

/** A changed file is read again with the others it depends on; a broken edit keeps the last good version. */
function reloader(settings: StartSettings, apply: (data: ReturnType<typeof loadDataFiles>) => void): (signal?: string) => void {
  const files = dataFilePaths(settings.files)
  // One process says what happened: the only one, or the first worker (each worker reloads on its own).
  const speaks = cluster.isPrimary || cluster.worker?.id === 1
  return (signal = '') => {
    const why = signal === '' ? '' : `${signal}: `
    if (files.length === 0) return void (speaks && console.log(`tokensim: ${why}no data files to reload`))
    try {
      apply(loadDataFiles(settings.files, FLAG_NAMES))
      if (speaks) console.log(`tokensim: ${why}reloaded ${files.join(', ')}`)
    } catch (error) {
      const problem = asOptionError(error, FLAG_NAMES)
      if (!(problem instanceof OptionError)) throw error
      if (speaks) console.error(`tokensim: ${why}${problem.message}; kept the last good version`)
    }
  }
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

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof OptionError) {
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
