/**
 * tokensim from code on Node: `start(options)` serves what `tokensim` with the same flags serves, and the
 * command line (src/cli.ts) is built on the same steps: resolveStartOptions checks the options,
 * createTokensimServer loads the data files and makes the server, listenOn opens the port.
 */
import type { Server } from 'node:http'
import { isIP } from 'node:net'
import { loadDataFiles, type DataFiles } from './data-files.js'
import {
  asOptionError,
  CODE_NAMES,
  OptionError,
  resolveAppOptions,
  wholeNumber,
  type AppOptions,
  type AppSettingsOf,
  type Given,
  type OptionNames,
} from './options.js'
import type { RateLimitStore } from './app/request-rate-limits.js'
import { createServer, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, type NodeServerOptions, type TokensimServer } from './node/server.js'

/** Every option of the command line but `--workers`, in camelCase, with the same defaults. */
export interface StartOptions extends AppOptions, DataFiles {
  /** Port to listen on (default 8787; 0 picks a free one, which `url` then names). */
  readonly port?: number | undefined
  /** Address to bind (default 127.0.0.1; anything else is reachable from other machines). */
  readonly host?: string | undefined
  /** Longest a client may take to send a request's line and headers, ms (--headers-timeout; default 10000). */
  readonly headersTimeout?: number | undefined
  /** Longest a client may take to send a whole request, ms (--request-timeout; default 30000). */
  readonly requestTimeout?: number | undefined
}

/** A running tokensim. */
export interface Tokensim {
  /** Where it serves, without a trailing slash: `http://127.0.0.1:41234`. */
  readonly url: string
  readonly port: number
  /** The node:http server. */
  readonly server: Server
  /** Ends the open streams with a final comment and stops; resolves once every connection is closed (within 1.5 s). */
  close(): Promise<void>
}

/** The options checked: where to listen, the data files to load, and the app's settings. */
export interface StartSettings extends AppSettingsOf {
  readonly port: number
  readonly host: string
  readonly headersTimeout: number
  readonly requestTimeout: number
  readonly files: DataFiles
}

const DEFAULT_PORT = 8787
const DEFAULT_HOST = '127.0.0.1'

export function resolveStartOptions(given: Given<StartOptions>, names: OptionNames = CODE_NAMES): StartSettings {
  const port = wholeNumber(names, 'port', given.port ?? DEFAULT_PORT, 0, 65535)
  const headersTimeout = wholeNumber(names, 'headersTimeout', given.headersTimeout ?? HEADERS_TIMEOUT_MS, 1, 3_600_000)
  const requestTimeout = wholeNumber(names, 'requestTimeout', given.requestTimeout ?? REQUEST_TIMEOUT_MS, 1, 3_600_000)
  const app = resolveAppOptions(given, names)
  const host = given.host ?? DEFAULT_HOST
  if (isIP(host) === 0 && host !== 'localhost')
    throw new OptionError('host', `${names('host')} must be an IP address or localhost; got ${JSON.stringify(host)}`)
  const { replies, scenarios, profiles, captures } = given
  return { ...app, port, host, headersTimeout, requestTimeout, files: { replies, scenarios, profiles, captures } }
}

/**
 * The server the settings describe, not yet listening, with its data files loaded. A default reply or profile
 * that does not exist, or a scenario naming one, is an OptionError here, before any port is opened.
 */
export function createTokensimServer(
  settings: StartSettings,
  names: OptionNames = CODE_NAMES,
  more: { readonly peers?: NodeServerOptions['peers'] | undefined; readonly rateLimit?: RateLimitStore | undefined } = {},
): TokensimServer {
  const { port: _port, host: _host, files, ...server } = settings
  try {
    return createServer({
      ...server,
      ...loadDataFiles(files, names),
      ...(more.peers === undefined ? {} : { peers: more.peers }),
      ...(more.rateLimit === undefined ? {} : { rateLimit: more.rateLimit }),
    })
  } catch (error) {
    throw asOptionError(error, names)
  }
}

/** Listens where the settings say; a port in use or an address that cannot be bound is an OptionError. Returns the port. */
export async function listenOn(
  server: TokensimServer,
  { port, host, reusePort = false }: StartSettings & { reusePort?: boolean },
  names: OptionNames = CODE_NAMES,
): Promise<number> {
  try {
    await server.listen({ port, host, reusePort })
  } catch (error) {
    throw listenError(error, port, host, names)
  }
  const address = server.http.address()
  return typeof address === 'object' && address !== null ? address.port : port
}

/** Why listening on `host`:`port` failed, as the option to blame: a port in use, an address not this machine's. */
export function listenError(error: unknown, port: number, host: string, names: OptionNames = CODE_NAMES): unknown {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE')
    return new OptionError('port', `port ${port} on ${host} is in use: stop what serves it or pass another ${names('port')}`)
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES') return new OptionError('host', `cannot listen on ${host}:${port} (${code})`)
  return error
}

/** The URL of a server on `host`: an IPv6 address in brackets. */
export const urlOf = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`

/**
 * Starts tokensim: `const sim = await start({ port: 0 })`, then `sim.url`, and `await sim.close()` when done.
 * A bad option throws an OptionError naming it, before anything listens.
 */
export async function start(options: StartOptions = {}): Promise<Tokensim> {
  const settings = resolveStartOptions(options)
  const server = createTokensimServer(settings)
  const port = await listenOn(server, settings)
  return { url: urlOf(settings.host, port), port, server: server.http, close: () => server.close() }
}
