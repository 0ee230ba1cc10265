/**
 * createApp: the whole tokensim HTTP surface as a Hono app, which never listens itself (src/node/server.ts
 * and the CLI do), so tests drive it through `app.request()` and other runtimes (src/workerd.ts) serve it
 * unchanged. Nothing here or below imports node:*; the Node adapter passes in what needs the file system.
 */
import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import type { NamedCapture } from '../core/captured-stream.js'
import { TokensimError } from '../core/errors.js'
import { createProfileSet, type Profile } from '../core/profiles.js'
import type { Fault } from '../core/faults.js'
import type { RateLimitConfig } from '../core/rate-limit.js'
import { createRandom } from '../core/random.js'
import { createReplyLibrary } from '../core/replies.js'
import { BUILTIN_REPLIES } from '../core/replies/builtin.js'
import type { Scenario } from '../core/scenarios.js'
import type { Reply } from '../core/types.js'
import { renderNativeError } from '../wire/errors.js'
import { createClock, type Clock } from './clock.js'
import type { AppContext } from './context.js'
import { createKeyCheck } from './auth.js'
import { EXPOSED_HEADERS, varyOrigin } from './cors.js'
import { errorResponse } from './error-responses.js'
import { guard } from './guard.js'
import { limitStreams, MAX_BODY_BYTES, MAX_STREAMS, MAX_STREAMS_PER_CLIENT } from './limits.js'
import { ECHO } from './vendor-turn.js'
import { deliverWebStream, type Deliver } from './deliver.js'
import { answerHead, headLength } from './head.js'
import { createFrameCache } from './encoded-frames.js'
import { createPlanCache } from './plan-cache.js'
import { createSharedFrames } from './shared-frames.js'
import type { StreamDefaults, StreamLimits } from './params.js'
import { aiSdkUiRoute } from './routes/ai-sdk-ui.js'
import { captureMiddleware, capturesRoute } from './routes/captures.js'
import { anthropicMessagesRoute } from './routes/anthropic-messages.js'
import { geminiRoute } from './routes/gemini.js'
import { modelsRoute } from './routes/models.js'
import { openAIResponsesRoute } from './routes/openai-responses.js'
import { openAIChatRoute } from './routes/openai-chat.js'
import { profilesRoute } from './routes/profiles.js'
import { faultSyntaxRoute } from './routes/fault-syntax.js'
import { repliesRoute } from './routes/replies.js'
import { scenariosRoute } from './routes/scenarios.js'
import { SCENARIOS_KIND, type Peers } from './peers.js'
import { createScenarioStore, SCOPE_HEADER, type ScopeChange } from './scenario-store.js'
import { createJournal, journalRequests, journalStreams } from './journal.js'
import { journalRoute } from './routes/journal.js'
import { countRefusals, countRequests, countStreams, createMetrics } from './metrics.js'
import { metricsRoute } from './routes/metrics.js'
import { newId } from './response-ids.js'
import { localRateLimits, type RateLimitStore } from './request-rate-limits.js'
import { staticRoute, type StaticFile } from './routes/page.js'
import { streamRoute } from './routes/stream.js'
import { capacityOf, releaseAdmissions } from './request-capacity.js'
import { createStreamRegistry, type StreamRegistry } from './streams.js'
import { MAX_DURATION_MS, MAX_UNITS } from './stream-size.js'
import { createUnitSource } from './units.js'

export interface AppOptions {
  /** Per-stream defaults that a query parameter can override. */
  readonly defaults?: Partial<StreamDefaults>
  readonly limits?: Partial<StreamLimits>
  /** The user's replies, added to the built-in ones (a reply of the same name replaces the built-in one). */
  readonly replies?: readonly Reply[]
  /** Rules that choose the answer to a vendor request (`--scenarios`); first match wins. */
  readonly scenarios?: readonly Scenario[]
  /** The other processes of a server with `--workers`, which share the runtime rules and the journal. */
  readonly peers?: Peers
  /** How many requests the journal keeps (`--journal`); 0: none. */
  readonly journal?: number
  /** The user's latency profiles (`--profiles`), added to the built-in ones (the same name replaces one). */
  readonly profiles?: readonly Profile[]
  /** Reconnection delay sent to EventSource clients, ms. */
  readonly retry?: number
  /** Longest silence before a `: ping` comment, ms. */
  readonly heartbeat?: number
  readonly clock?: Clock
  readonly registry?: StreamRegistry
  /** The page's files by URL path (src/node/page-files.ts loads them on Node); none: no page. */
  readonly staticFiles?: ReadonlyMap<string, StaticFile>
  /** How streams reach clients; the Node server passes its fast path (src/node/deliver-node.ts). */
  readonly deliver?: Deliver
  /** Faults for every request (`--fault`), each with probability `rate` (`--fault-rate`), drawn from `seed`. */
  readonly faults?:
    { readonly faults: readonly Fault[]; readonly spec?: string; readonly rate?: number; readonly seed?: number } | undefined
  /** Captured streams to replay (`--captures`), each by its name. */
  readonly captures?: readonly NamedCapture[]
  /** The largest request body taken, bytes (`--max-body`); beyond it a 413. */
  readonly maxBodyBytes?: number
  /** Streams open at once, in all (`--max-streams`, beyond it a 503) and per client (beyond it a 429). */
  readonly maxStreams?: number
  readonly maxStreamsPerClient?: number
  /** A request's client address, for the per-client cap (the Node server passes its socket's); none: no such cap. */
  readonly clientAddress?: (c: Context) => string | undefined
  /** The API key every route but the page requires (`--api-key`); none: any key, or none, is accepted. */
  readonly apiKey?: string | undefined
  /** The origins that may read the responses (`--cors`): `*` (the default) or a list. */
  readonly corsOrigins?: '*' | readonly string[]
  /**
   * Whether a request's Host header names this server; requests that name another are refused with a 403
   * (DNS rebinding). The Node server passes one with `--cors` narrowed and no key (src/node/hosts.ts).
   */
  readonly allowHost?: ((host: string) => boolean) | undefined
  /**
   * Requests and tokens per minute per API key (`--rate-limit`, docs/faults.md "Rate limits"): the limits, kept in
   * this process, or a store that keeps them elsewhere (the primary of `--workers`); none: no limits.
   */
  readonly rateLimit?: RateLimitConfig | RateLimitStore | undefined
  /**
   * Streams the simulated model serves at full speed (`--capacity`, docs/latency.md "Capacity"): beyond them a new
   * stream waits longer for its first token and gets its tokens more slowly; none: any number (no slowdown).
   */
  readonly capacity?: number | undefined
  /** Streams that may wait beyond `capacity` (`--queue-limit`); beyond them an overload refusal; none: any. */
  readonly queueLimit?: number | undefined
}

export const DEFAULTS: StreamDefaults = { unit: 'char', delay: 30, ttft: 300, jitter: 0, seed: 0, chunk: 1, reply: 'greeting' }
export const LIMITS: StreamLimits = { maxTextBytes: 1024 * 1024, maxDelay: 60_000, maxUnits: MAX_UNITS, maxDuration: MAX_DURATION_MS }
const RETRY_MS = 1000
export const HEARTBEAT_MS = 15_000
/** Requests the journal keeps by default. */
export const JOURNAL_ENTRIES = 1000

export function createApp({
  defaults,
  limits,
  replies = [],
  scenarios = [],
  peers,
  journal = JOURNAL_ENTRIES,
  profiles = [],
  retry = RETRY_MS,
  heartbeat = HEARTBEAT_MS,
  clock = createClock(),
  registry = createStreamRegistry(),
  staticFiles,
  deliver = deliverWebStream,
  faults,
  captures = [],
  maxBodyBytes = MAX_BODY_BYTES,
  maxStreams = MAX_STREAMS,
  maxStreamsPerClient = MAX_STREAMS_PER_CLIENT,
  clientAddress,
  apiKey,
  corsOrigins = '*',
  allowHost,
  rateLimit,
  capacity,
  queueLimit,
}: AppOptions = {}): Hono {
  const streamLimits = { ...LIMITS, ...limits }
  const streamDefaults = { ...DEFAULTS, ...defaults }
  const data = loadData({ replies, scenarios, profiles, captures }, streamDefaults, streamLimits)
  const metrics = createMetrics()
  const rateLimits = rateLimit === undefined || 'take' in rateLimit ? rateLimit : localRateLimits(rateLimit)
  const context: Writable<AppContext> = {
    defaults: streamDefaults,
    chatDefaults: { ...DEFAULTS, unit: 'token', ...defaults },
    limits: streamLimits,
    retry,
    heartbeat,
    clock,
    registry,
    library: data.library,
    scenarios: createScenarioStore(data.scenarios, peers && (async (change) => void (await peers.ask(SCENARIOS_KIND, change)))),
    profiles: data.profiles,
    units: data.units,
    frames: createFrameCache(),
    plans: createPlanCache(),
    shared: createSharedFrames(),
    deliver: limitStreams(
      answerHead(journalStreams(countStreams(deliver, metrics))),
      { total: maxStreams, perClient: maxStreamsPerClient },
      clientAddress,
    ),
    journal: createJournal(journal, () => newId('req_', 16)),
    peers,
    faults: {
      faults: faults?.faults ?? [],
      spec: faults?.spec ?? '',
      rate: faults?.rate ?? 1,
      random: createRandom(faults?.seed ?? 0),
      onApplied: (applied) => metrics.faults(applied),
    },
    captures: data.captures,
    routeGroups: [],
    rateLimits: rateLimits && countRefusals(rateLimits, metrics),
    metrics,
    capacity: capacityOf(capacity, queueLimit),
  }

  peers?.on(SCENARIOS_KIND, (change) => context.scenarios.apply(change as ScopeChange))
  const app = new Hono()
  // Local development by default: any origin may read the streams, without credentials; --cors narrows it.
  const origin = corsOrigins === '*' ? '*' : [...corsOrigins]
  if (origin !== '*') app.use('*', varyOrigin())
  app.use('*', cors({ origin, exposeHeaders: [...EXPOSED_HEADERS] }))
  app.use('*', headLength)
  // Before the capture middleware, which answers vendor paths too: the API key and the body size.
  const keys = apiKey === undefined ? undefined : createKeyCheck(apiKey)
  const isStatic = (path: string): boolean => staticFiles?.has(path) ?? false
  // Before the guard, so that a request it refuses counts too.
  app.use('*', countRequests(metrics, isStatic))
  app.use('*', journalRequests(context.journal, isStatic, SCOPE_HEADER))
  app.use('*', guard({ groups: context.routeGroups, keys, maxBodyBytes, isStatic, closing: registry.closing, allowHost }))
  // Before every route: a request that names a capture gets it replayed instead of a simulated answer.
  app.use('*', captureMiddleware(context))
  if (context.capacity !== undefined) app.use('*', releaseAdmissions(context.capacity))
  capturesRoute(app, context)
  streamRoute(app, context)
  repliesRoute(app, context)
  scenariosRoute(app, context)
  journalRoute(app, context)
  metricsRoute(app, context)
  openAIChatRoute(app, context)
  openAIResponsesRoute(app, context)
  anthropicMessagesRoute(app, context)
  geminiRoute(app, context)
  aiSdkUiRoute(app, context)
  modelsRoute(app, context)
  profilesRoute(app, context)
  faultSyntaxRoute(app)
  if (staticFiles !== undefined) staticRoute(app, staticFiles)

  app.notFound((c) =>
    errorResponse(
      c,
      renderNativeError,
      new TokensimError('not_found', `No route for ${c.req.method} ${c.req.path}. See docs/endpoints.md for the endpoints.`),
    ),
  )
  reloaders.set(app, (next) => {
    const loaded = loadData(next, context.defaults, context.limits)
    // Streams already playing keep the frames they have; new requests see the new data.
    Object.assign(context, { library: loaded.library, profiles: loaded.profiles, units: loaded.units, captures: loaded.captures })
    context.frames = createFrameCache()
    context.plans = createPlanCache()
    context.shared = createSharedFrames()
    context.scenarios.setServer(loaded.scenarios)
  })
  app.onError((error, c) => errorResponse(c, renderNativeError, error))
  return app
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

/** What the user's data files give an app, and `reloadApp` gives it again when they change. */
export interface AppData {
  readonly replies?: readonly Reply[]
  readonly scenarios?: readonly Scenario[]
  readonly profiles?: readonly Profile[]
  readonly captures?: readonly NamedCapture[]
}

const reloaders = new WeakMap<Hono, (data: AppData) => void>()

/**
 * Replaces an app's replies, scenarios (its own, not those set at run time), profiles and captures, checked as
 * createApp checks them: a TokensimError leaves the app as it was. Streams already playing are not touched.
 */
export function reloadApp(app: Hono, data: AppData): void {
  const reload = reloaders.get(app)
  if (reload === undefined) throw new Error('reloadApp: not an app made by createApp')
  reload(data)
}

/** The data's lookups, each checked: a default or a scenario naming a reply or profile that is not there throws. */
function loadData({ replies = [], scenarios = [], profiles = [], captures = [] }: AppData, defaults: StreamDefaults, limits: StreamLimits) {
  const library = createReplyLibrary(BUILTIN_REPLIES, replies)
  const profileSet = createProfileSet(profiles)
  const byName = new Map(captures.map((capture) => [capture.name, capture]))
  if (byName.size < captures.length) throw new TokensimError('invalid_param', 'two captures have the same name', 'captures')
  // A default reply or profile, or a scenario's, that does not exist is a start-up error, not a 400 later.
  library.get(defaults.reply)
  const checkProfile = (name: string | undefined, where: string, param: string): void => {
    if (name === undefined || profileSet.get(name) !== undefined) return
    const known = profileSet.names.join(', ')
    throw new TokensimError('invalid_param', `${where}no profile named ${JSON.stringify(name)}; the profiles are: ${known}`, param)
  }
  checkProfile(defaults.profile, '', 'profile')
  for (const { name, answers } of scenarios) {
    for (const answer of answers) {
      checkProfile(answer.profile, `scenario ${name}: `, 'scenarios')
      if (answer.reply === undefined || answer.reply === ECHO) continue
      try {
        library.get(answer.reply)
      } catch (error) {
        throw new TokensimError('unknown_reply', `scenario ${name}: ${(error as Error).message}`, 'scenarios')
      }
    }
  }
  return {
    library,
    profiles: profileSet,
    units: createUnitSource(library, limits),
    captures: byName as ReadonlyMap<string, NamedCapture>,
    scenarios,
  }
}
