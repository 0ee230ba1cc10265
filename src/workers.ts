/**
 * `--workers N`: N processes serving one port through node:cluster. Resuming a stream needs no state shared
 * between them (everything follows from the request and its Last-Event-ID), so any process serves any
 * reconnect. The primary forks, prints, restarts a worker that dies, passes signals on, and relays the
 * scenario rules set at run time (`/scenarios`) from the worker that took them to every other, and to a worker
 * that starts later.
 */
import cluster, { type Worker } from 'node:cluster'
import { MAX_SCOPES, type ScenarioStore, type ScopeChange } from './server/scenario-store.js'

/** What a worker tells the primary when it cannot serve (a port in use): printed once, then all stop. */
export interface FatalMessage {
  readonly type: 'tokensim-fatal'
  readonly message: string
}

/** The exit code of a worker that sent a FatalMessage. */
export const FATAL_EXIT_CODE = 2

export interface PrimaryOptions {
  readonly workers: number
  /** Called once, when the first worker listens, with the port it got. */
  onListening(port: number): void
}

/** A worker's change of the runtime rules, relayed by the primary; each process acks it once applied. */
interface ScenariosMessage {
  readonly type: 'tokensim-scenarios'
  readonly id: number
  readonly change: ScopeChange
}
interface AckMessage {
  readonly type: 'tokensim-scenarios-ack' | 'tokensim-scenarios-done'
  readonly id: number
}

/** How long a change waits for the other processes' acks before the request that made it is answered anyway. */
const SHARE_TIMEOUT_MS = 2000

export function runPrimary({ workers, onListening }: PrimaryOptions): void {
  let stopping = false
  let listening = false
  let exitCode = 0
  // The runtime rules as the workers hold them, for a worker that starts later.
  const scopes = new Map<string, ScopeChange>()
  let relayed = 0
  const waiting = new Map<number, { left: Set<number>; done: () => void }>()
  cluster.on('online', (worker) => {
    for (const change of scopes.values()) worker.send({ type: 'tokensim-scenarios', id: 0, change } satisfies ScenariosMessage)
  })
  for (let i = 0; i < workers; i++) cluster.fork()

  cluster.on('message', (from: Worker, message: Partial<ScenariosMessage | AckMessage>) => {
    if (message?.type === 'tokensim-scenarios' && message.change !== undefined && message.id !== undefined) {
      const { change, id: asked } = message
      scopes.delete(change.scope)
      if (change.rules.length > 0) scopes.set(change.scope, change)
      for (const oldest of scopes.keys()) {
        if (scopes.size <= MAX_SCOPES) break
        scopes.delete(oldest)
      }
      const others = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.id !== from.id)
      const id = ++relayed
      const done = (): void => {
        if (!waiting.delete(id)) return
        clearTimeout(timer)
        if (from.isConnected()) from.send({ type: 'tokensim-scenarios-done', id: asked } satisfies AckMessage)
      }
      const timer = setTimeout(done, SHARE_TIMEOUT_MS)
      waiting.set(id, { left: new Set(others.map((w) => w.id)), done })
      for (const worker of others) worker.send({ type: 'tokensim-scenarios', id, change } satisfies ScenariosMessage)
      if (others.length === 0) done()
    } else if (message?.type === 'tokensim-scenarios-ack' && message.id !== undefined) {
      const entry = waiting.get(message.id)
      entry?.left.delete(from.id)
      if (entry?.left.size === 0) entry.done()
    }
  })

  cluster.on('listening', (_worker, address) => {
    if (listening) return
    listening = true
    onListening(address.port)
  })
  cluster.on('message', (_worker, message: Partial<FatalMessage>) => {
    if (message?.type !== 'tokensim-fatal' || stopping) return
    console.error(`tokensim: ${message.message}`)
    stop(2)
  })
  cluster.on('exit', (worker: Worker, code, signal) => {
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
    cluster.fork()
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
  }
  process.on('SIGINT', () => stop(0))
  process.on('SIGTERM', () => stop(0))
}

/**
 * In a worker: hands the app's runtime rule changes to the primary, which relays them to every other worker,
 * and applies the changes they made. `shareScenarios` resolves once every process has the change.
 */
export function workerScenarioSync(): {
  shareScenarios: (change: ScopeChange) => Promise<void>
  onScenarioStore: (store: ScenarioStore) => void
} {
  let asked = 0
  const pending = new Map<number, () => void>()
  return {
    shareScenarios: (change) =>
      new Promise((resolve) => {
        const id = ++asked
        const done = (): void => {
          clearTimeout(timer)
          pending.delete(id)
          resolve()
        }
        const timer = setTimeout(done, SHARE_TIMEOUT_MS + 500)
        pending.set(id, done)
        process.send?.({ type: 'tokensim-scenarios', id, change } satisfies ScenariosMessage)
      }),
    onScenarioStore(store) {
      process.on('message', (message: Partial<ScenariosMessage | AckMessage>) => {
        if (message?.type === 'tokensim-scenarios' && message.change !== undefined) {
          store.apply(message.change)
          if (message.id !== undefined && message.id !== 0)
            process.send?.({ type: 'tokensim-scenarios-ack', id: message.id } satisfies AckMessage)
        } else if (message?.type === 'tokensim-scenarios-done' && message.id !== undefined) {
          pending.get(message.id)?.()
        }
      })
    },
  }
}
