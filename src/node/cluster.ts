/**
 * `--workers N`: N processes serving one port through node:cluster. Resuming a stream needs no state shared
 * between them (everything follows from the request and its Last-Event-ID), so any process serves any
 * reconnect. The primary forks, prints, restarts a worker that dies, passes signals on, and relays the
 * scenario rules set at run time (`/scenarios`) from the worker that took them to every other, and to a worker
 * that starts later. It also keeps the `--rate-limit` buckets of the whole server: a limit per API key must
 * not become N limits with N workers, so each worker asks the primary (primaryRateLimits) instead of keeping
 * buckets of its own.
 */
import cluster, { type Worker } from 'node:cluster'
import { createServer } from 'node:net'
import { createRateLimiter, type Decision, type RateLimitConfig } from '../core/rate-limit.js'
import { SHUTDOWN_MS } from './server.js'
import { SCENARIOS_KIND, type Peers } from '../app/peers.js'
import { localRateLimits, type RateLimitStore } from '../app/request-rate-limits.js'
import { MAX_SCOPES, type ScopeChange } from '../app/scenario-store.js'

/** What a worker tells the primary when it cannot serve (a port in use): printed once, then all stop. */
export interface FatalMessage {
  readonly type: 'tokensim-fatal'
  readonly message: string
}

/** The exit code of a worker that sent a FatalMessage. */
export const FATAL_EXIT_CODE = 2

/**
 * Whether each worker listens on the port itself, with SO_REUSEPORT (Linux, Node 22.12 and 23.1 on): the kernel
 * then spreads new connections evenly over the workers, each accepting its own. Else (Node 20) node:cluster's
 * primary accepts every connection and hands it to a worker over IPC, one after another: under Node 24 on two
 * busy cores, 100,000 streams took 48 s to open so and 41 to 44 s with SO_REUSEPORT (bench/README.md). Node's
 * own NODE_CLUSTER_SCHED_POLICY (`rr`, `none`), when set, chooses node:cluster's way instead.
 */
export const REUSE_PORT =
  process.platform === 'linux' && hasReusePort(process.versions.node) && process.env['NODE_CLUSTER_SCHED_POLICY'] === undefined

function hasReusePort(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)
}

/**
 * With REUSE_PORT, the port every worker listens on, which the primary gives each in its environment: the one
 * asked for, or for `--port 0` one the primary found free (each worker listening on port 0 would get its own).
 */
const WORKER_PORT_ENV = 'TOKENSIM_WORKER_PORT'

/** In a worker: the port to listen on (the primary's choice with REUSE_PORT), and whether to listen with SO_REUSEPORT. */
export function workerListen(port: number): { port: number; reusePort: boolean } {
  const given = process.env[WORKER_PORT_ENV]
  return REUSE_PORT && given !== undefined ? { port: Number(given), reusePort: true } : { port, reusePort: false }
}

/**
 * The port the workers will listen on with REUSE_PORT, checked free now: the one asked for, or for 0 one the
 * kernel chooses. Listened on without SO_REUSEPORT and closed again, so that a port another tokensim's workers
 * hold is refused as in use, rather than joined (the kernel lets every socket with SO_REUSEPORT of the same user
 * share a port).
 */
export function probePort(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen({ port, host, exclusive: true }, () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : port))
    })
  })
}

export interface PrimaryOptions {
  readonly workers: number
  /** With REUSE_PORT, the port each worker listens on itself (probePort's). */
  readonly port: number
  /** `--rate-limit`: the buckets the primary keeps for every worker. */
  readonly rateLimit?: RateLimitConfig | undefined
  /** Called once, when the first worker listens, with the port it got. */
  readonly onListening: (port: number) => void
}

/**
 * Asking every other worker: a worker's question (`kind`, `payload`) goes to the primary, which hands it to
 * every other worker, gathers their answers and returns them to the worker that asked. The runtime scenario
 * rules go this way (each process applies a change another one took) and so does the journal (each process
 * answers with its own entries).
 */
interface AskMessage {
  readonly type: 'tokensim-ask'
  readonly id: number
  readonly kind: string
  readonly payload: unknown
}
interface DoMessage {
  readonly type: 'tokensim-do'
  /** 0: no answer wanted (a change replayed to a worker that started later). */
  readonly id: number
  readonly kind: string
  readonly payload: unknown
}
interface DidMessage {
  readonly type: 'tokensim-did'
  readonly id: number
  readonly result: unknown
}
interface AnswerMessage {
  readonly type: 'tokensim-answer'
  readonly id: number
  readonly results: readonly unknown[]
}

/** A worker whose app is made tells the primary, which answers with the runtime rules the others hold. */
interface ReadyMessage {
  readonly type: 'tokensim-ready'
}
interface StateMessage {
  readonly type: 'tokensim-state'
  readonly changes: readonly ScopeChange[]
  /** A SIGHUP came while the worker was starting: it reloads its data files before it listens. */
  readonly reload: boolean
}

/** A worker that listens on the port itself (REUSE_PORT) tells the primary it does. */
export interface ListeningMessage {
  readonly type: 'tokensim-listening'
  readonly port: number
}

/** A worker's request for room in a key's buckets (`--rate-limit`), and the primary's decision. */
interface RateMessage {
  readonly type: 'tokensim-rate'
  readonly id: number
  readonly key: string
  readonly tokens: number
}
interface RatedMessage {
  readonly type: 'tokensim-rated'
  readonly id: number
  readonly decision: Decision
}

/** How long a question waits for the other workers' answers before it is answered with those it has. */
const ASK_TIMEOUT_MS = 2000

export function runPrimary({ workers, port, onListening, rateLimit }: PrimaryOptions): void {
  const limiter = rateLimit === undefined ? undefined : createRateLimiter(rateLimit)
  let stopping = false
  let listening = false
  let exitCode = 0
  // The runtime rules as the workers hold them, for a worker that starts later.
  const scopes = new Map<string, ScopeChange>()
  let relayed = 0
  const waiting = new Map<number, { left: Set<number>; results: unknown[]; done: () => void }>()
  // The workers that have said they are ready (their app made, its handlers set): the ones asked.
  const ready = new Set<number>()
  // The workers a SIGHUP found still starting: they may have read the files before it, and reload once ready.
  const reloadWhenReady = new Set<number>()
  // With REUSE_PORT every worker gets the port in its environment (one that exits is replaced on the same port).
  const env = REUSE_PORT ? { [WORKER_PORT_ENV]: String(port) } : {}
  const fork = (): Worker => cluster.fork(env)
  for (let i = 0; i < workers; i++) fork()

  const listened = (at: number): void => {
    if (listening) return
    listening = true
    onListening(at)
  }
  // node:cluster tells of a worker's listening when the primary holds the port; a worker that listens itself
  // (REUSE_PORT) says so in a message.
  cluster.on('listening', (_worker, address) => listened(address.port))
  cluster.on(
    'message',
    (from: Worker, message: Partial<AskMessage | DidMessage | FatalMessage | ReadyMessage | RateMessage | ListeningMessage>) => {
      if (message?.type === 'tokensim-rate' && limiter !== undefined && message.id !== undefined) {
        // One decision at a time, in the order the requests reach the primary, on its own clock.
        const decision = limiter.take(String(message.key), Number(message.tokens), Math.floor(performance.now()))
        if (from.isConnected()) from.send({ type: 'tokensim-rated', id: message.id, decision } satisfies RatedMessage)
      } else if (message?.type === 'tokensim-ready') {
        // It gets the runtime rules before it listens, so no request it serves misses them.
        ready.add(from.id)
        const reload = reloadWhenReady.delete(from.id)
        from.send({ type: 'tokensim-state', changes: [...scopes.values()], reload } satisfies StateMessage)
      } else if (message?.type === 'tokensim-ask' && message.id !== undefined && message.kind !== undefined) {
        const { id: asked, kind, payload } = message
        if (kind === SCENARIOS_KIND) remember(scopes, payload as ScopeChange)
        const others = Object.values(cluster.workers ?? {}).filter(
          (w): w is Worker => w !== undefined && w.id !== from.id && ready.has(w.id),
        )
        const id = ++relayed
        const results: unknown[] = []
        const done = (): void => {
          if (!waiting.delete(id)) return
          clearTimeout(timer)
          if (from.isConnected()) from.send({ type: 'tokensim-answer', id: asked, results } satisfies AnswerMessage)
        }
        const timer = setTimeout(done, ASK_TIMEOUT_MS)
        waiting.set(id, { left: new Set(others.map((w) => w.id)), results, done })
        for (const worker of others) worker.send({ type: 'tokensim-do', id, kind, payload } satisfies DoMessage)
        if (others.length === 0) done()
      } else if (message?.type === 'tokensim-did' && message.id !== undefined) {
        const entry = waiting.get(message.id)
        if (entry === undefined || !entry.left.delete(from.id)) return
        entry.results.push(message.result)
        if (entry.left.size === 0) entry.done()
      } else if (message?.type === 'tokensim-listening' && message.port !== undefined) {
        listened(message.port)
      } else if (message?.type === 'tokensim-fatal' && !stopping) {
        console.error(`tokensim: ${message.message}`)
        stop(2)
      }
    },
  )
  cluster.on('exit', (worker: Worker, code, signal) => {
    ready.delete(worker.id)
    reloadWhenReady.delete(worker.id)
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode)
      return
    }
    // Exit code 2 is a worker that could not serve and said why: its message can come after its exit (the
    // child's exit and its last IPC message race), so wait a moment for it rather than start another.
    if (code === FATAL_EXIT_CODE) {
      setTimeout(() => {
        if (stopping) return
        console.error(`tokensim: worker ${worker.process.pid} could not start (exit code ${code})`)
        stop(2)
      }, 1000)
      return
    }
    console.error(`tokensim: worker ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting another`)
    fork()
  })

  const stop = (code: number): void => {
    if (stopping) {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL')
      process.exit(130) // a second signal: do not wait
    }
    stopping = true
    exitCode = code
    const alive = Object.values(cluster.workers ?? {})
    if (alive.length === 0) process.exit(code)
    for (const worker of alive) worker?.process.kill('SIGTERM')
    // Each worker is gone within its own deadline; a worker that is not (stuck, or its exit not yet seen) is
    // killed, so the whole server is gone within the time docs/deployment.md states.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL')
      process.exit(exitCode)
    }, SHUTDOWN_MS).unref()
  }
  process.on('SIGINT', () => stop(0))
  process.on('SIGTERM', () => stop(0))
  // SIGHUP: every worker reloads its data files (the primary has none loaded). The signal goes only to the
  // workers that have said they are ready, whose handler for it is set: one still starting would be ended by it
  // (SIGHUP's default). That one may have read the files already, before they changed: it is told to reload
  // when it says it is ready, before it listens. The first worker to listen makes the server say it serves, so
  // a SIGHUP can come while the others start.
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined) continue
      if (ready.has(worker.id)) worker.process.kill('SIGHUP')
      else reloadWhenReady.add(worker.id)
    }
  })
}

/** A scope's latest change, the oldest scopes dropped past MAX_SCOPES as the stores drop them. */
function remember(scopes: Map<string, ScopeChange>, change: ScopeChange): void {
  scopes.delete(change.scope)
  if (change.rules.length > 0) scopes.set(change.scope, change)
  for (const oldest of scopes.keys()) {
    if (scopes.size <= MAX_SCOPES) break
    scopes.delete(oldest)
  }
}

/**
 * In a worker: the `--rate-limit` buckets, kept by the primary for the whole server. A request waits for one
 * round trip over IPC (well under a millisecond). Should the primary not answer (it is stopping), the worker
 * decides with buckets of its own rather than hold the request.
 */
export function primaryRateLimits(config: RateLimitConfig): RateLimitStore {
  let asked = 0
  const pending = new Map<number, (decision: Decision) => void>()
  let fallback: RateLimitStore | undefined
  process.on('message', (message: Partial<RatedMessage>) => {
    if (message?.type === 'tokensim-rated' && message.id !== undefined && message.decision !== undefined)
      pending.get(message.id)?.(message.decision)
  })
  return {
    config,
    take: (key, tokens) =>
      new Promise((resolve) => {
        const id = ++asked
        const done = (decision: Decision): void => {
          clearTimeout(timer)
          pending.delete(id)
          resolve(decision)
        }
        const timer = setTimeout(() => done((fallback ??= localRateLimits(config)).take(key, tokens) as Decision), ASK_TIMEOUT_MS)
        pending.set(id, done)
        process.send?.({ type: 'tokensim-rate', id, key, tokens } satisfies RateMessage)
      }),
  }
}

/** In a worker: its peers, the other workers, asked through the primary. */
export function workerPeers(): Peers & { ready(): Promise<{ readonly reload: boolean }> } {
  let asked = 0
  const pending = new Map<number, (results: readonly unknown[]) => void>()
  const handlers = new Map<string, (payload: unknown) => unknown>()
  let onState: ((state: Partial<StateMessage>) => void) | undefined
  process.on('message', (message: Partial<DoMessage | AnswerMessage | StateMessage>) => {
    if (message?.type === 'tokensim-state') {
      onState?.(message)
      return
    }
    if (message?.type === 'tokensim-do' && message.kind !== undefined && message.id !== undefined) {
      let result: unknown
      try {
        result = handlers.get(message.kind)?.(message.payload)
      } catch (error) {
        console.error('tokensim: a request from another worker failed:', error)
      }
      if (message.id !== 0) process.send?.({ type: 'tokensim-did', id: message.id, result } satisfies DidMessage)
    } else if (message?.type === 'tokensim-answer' && message.id !== undefined) {
      pending.get(message.id)?.(message.results ?? [])
    }
  })
  return {
    ask: (kind, payload) =>
      new Promise((resolve) => {
        const id = ++asked
        const done = (results: readonly unknown[]): void => {
          clearTimeout(timer)
          pending.delete(id)
          resolve(results)
        }
        // The primary answers within its own timeout; this one only guards against a primary that is gone.
        const timer = setTimeout(() => done([]), ASK_TIMEOUT_MS + 500)
        pending.set(id, done)
        process.send?.({ type: 'tokensim-ask', id, kind, payload } satisfies AskMessage)
      }),
    on: (kind, handler) => void handlers.set(kind, handler),
    ready: () =>
      new Promise<{ readonly reload: boolean }>((resolve) => {
        const timer = setTimeout(() => resolve({ reload: false }), ASK_TIMEOUT_MS)
        onState = ({ changes = [], reload = false }) => {
          clearTimeout(timer)
          for (const change of changes) handlers.get(SCENARIOS_KIND)?.(change)
          resolve({ reload })
        }
        process.send?.({ type: 'tokensim-ready' } satisfies ReadyMessage)
      }),
  }
}
