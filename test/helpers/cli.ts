/** The `tokensim` command in a child process (node --import tsx src/cli.ts), for tests of its subcommands and flags. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Generous: the CLI starts in about a second under tsx, more on a loaded machine. */
export const START_MS = 15_000

export interface Cli {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves once the process has exited and its output is read. */
  readonly exited: Promise<number | null>
  /** Resolves with the first match of `pattern` on stdout; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>
}

const children = new Set<ChildProcess>()

/** Kills every child still running (call it in afterEach). */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise((resolve) => child.once('close', resolve))
      child.kill('SIGKILL')
      await gone
    }),
  )
  children.clear()
}

export function runCli(args: readonly string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: undefined, NODE_OPTIONS: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const output = { stdout: '', stderr: '' }
  let closed = false
  const listeners = new Set<() => void>()
  const notify = (): void => [...listeners].forEach((listener) => listener())
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8')
    child[stream].on('data', (chunk: string) => {
      output[stream] += chunk
      notify()
    })
  }
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      closed = true
      notify()
      resolve(code)
    }),
  )
  const describe = (): string => `stdout: ${JSON.stringify(output.stdout)}, stderr: ${JSON.stringify(output.stderr)}`
  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor: (pattern, ms = START_MS) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`no ${pattern} after ${ms} ms; ${describe()}`))
        }, ms)
        const check = (): void => {
          const match = pattern.exec(output.stdout)
          if (match === null && !closed) return
          listeners.delete(check)
          clearTimeout(timer)
          if (match !== null) resolve(match)
          else reject(new Error(`tokensim exited without ${pattern}; ${describe()}`))
        }
        listeners.add(check)
        check()
      }),
  }
}

/** Starts `tokensim --port 0 ...flags` and waits (up to `ms`) until it serves; its base URL. */
export async function startCli(flags: readonly string[] = [], ms = START_MS): Promise<{ url: string; cli: Cli }> {
  const cli = runCli(['--port', '0', ...flags])
  const match = await cli.waitFor(/serving (http:\/\/\S+)/, ms)
  return { url: match[1]!, cli }
}

/** The one stderr line of a command that must fail, after checking it is exactly one line, no stack, and the exit code. */
export async function failureLine(cli: Cli, code = 2): Promise<string> {
  const exitCode = await cli.exited
  const lines = cli
    .stderr()
    .split('\n')
    .filter((line) => line !== '')
  if (lines.length !== 1 || !lines[0]!.startsWith('tokensim: ') || exitCode !== code || /serving/.test(cli.stdout()))
    throw new Error(`expected one "tokensim: " line and exit ${code}; got exit ${String(exitCode)}, ${JSON.stringify(cli.stderr())}`)
  return lines[0]!
}
