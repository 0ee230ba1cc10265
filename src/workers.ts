/**
 * `--workers N`: N processes serving one port through node:cluster. Resuming a stream needs no state shared
 * between them (everything follows from the request and its Last-Event-ID), so any process serves any
 * reconnect. The primary only forks, prints, restarts a worker that dies, and passes signals on.
 */
import cluster, { type Worker } from 'node:cluster'

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

export function runPrimary({ workers, onListening }: PrimaryOptions): void {
  let stopping = false
  let listening = false
  let exitCode = 0
  for (let i = 0; i < workers; i++) cluster.fork()

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
