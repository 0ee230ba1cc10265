/**
 * The `tokensim` command. In a child process (node --import tsx src/cli.ts), what only the process shows: help
 * and version, serving, a start-up error as one stderr line and exit 2, a port in use, the warning for a
 * non-loopback host, a clean stop on SIGTERM / SIGINT that ends open streams, and --workers. In this process,
 * through the steps the command takes (src/cli/flags.ts, then src/start.ts): the flags as stream defaults, env
 * PORT, the data files, the limits, and every bad flag's message.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EventSourceMessage } from 'eventsource-parser'
import { readSse } from '../helpers/sse.js'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { FLAG_NAMES, parseFlags, UsageError } from '../../src/cli/flags.js'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { OptionError } from '../../src/options.js'
import type { TokensimServer } from '../../src/node/server.js'
import { createTokensimServer, listenOn, urlOf } from '../../src/start.js'
import { freePort } from '../helpers/ports.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
/** Generous: the CLI starts in about a second under tsx, more on a loaded machine. */
const START_MS = 15_000
const TEST_MS = 40_000
const SERVING = /^tokensim (\S+) serving (http:\/\/(?:\[[^\]]+\]|[^\s:/]+):(\d+))\s/m

interface Cli {
  readonly child: ChildProcess
  /** Everything written so far. */
  stdout(): string
  stderr(): string
  /** Resolves when the process has exited (and its output has been read). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first match of `pattern` in the stream's output; rejects if the process exits first or after `ms`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, ms?: number): Promise<RegExpMatchArray>
}

const children = new Set<ChildProcess>()
const tempDirs: string[] = []

/** Kills `child` if it still runs, and waits until it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('close', resolve))
  child.kill('SIGKILL')
  await gone
}

const servers: TokensimServer[] = []

afterEach(async () => {
  // Kill whatever a test left running (a failed assertion, or a server the test did not need to stop).
  await Promise.all([...children].map((child) => stop(child)))
  children.clear()
  await Promise.all(servers.splice(0).map((server) => server.close(0)))
})

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

/** Runs `tokensim ...flags` with PORT unset unless `env` sets it; afterEach kills it if it still runs. */
function run(flags: readonly string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...flags], {
    cwd: ROOT,
    env: { ...process.env, PORT: undefined, NODE_OPTIONS: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const output = { stdout: '', stderr: '' }
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const listener of [...listeners]) listener()
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8')
    child[stream].on('data', (chunk: string) => {
      output[stream] += chunk
      notify()
    })
  }
  let closed = false
  // 'close' comes after 'exit' and after both pipes are drained, so the output is complete.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true
      notify()
      resolve({ code, signal })
    })
  })

  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor(stream, pattern, ms = START_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(
            new Error(
              `no ${pattern} on ${stream} after ${ms} ms; stdout: ${JSON.stringify(output.stdout)}, stderr: ${JSON.stringify(output.stderr)}`,
            ),
          )
        }, ms)
        const check = (): void => {
          const match = pattern.exec(output[stream])
          if (match === null && !closed) return
          listeners.delete(check)
          clearTimeout(timer)
          if (match !== null) resolve(match)
          else
            reject(
              new Error(
                `tokensim exited (code ${String(child.exitCode)}) without ${pattern} on ${stream}; stdout: ${JSON.stringify(output.stdout)}, stderr: ${JSON.stringify(output.stderr)}`,
              ),
            )
        }
        listeners.add(check)
        check()
      })
    },
  }
}

/** Starts `tokensim --port 0 ...flags` (unless `flags` has its own --port) and waits until it serves. */
async function start(flags: readonly string[] = [], env: Record<string, string> = {}): Promise<{ url: string; port: number; cli: Cli }> {
  const cli = run(flags.includes('--port') || 'PORT' in env ? flags : ['--port', '0', ...flags], env)
  const match = await cli.waitFor('stdout', SERVING)
  expect(match[1]).toBe(version)
  const port = Number(match[3])
  return { url: match[2]!, port, cli }
}

/**
 * `tokensim --port 0 ...flags` (unless `flags` or `env` has a port) in this process: the flags read and the
 * server made and listening by the steps the command takes; afterEach stops it.
 */
async function serveFlags(flags: readonly string[], env: Record<string, string> = {}): Promise<{ url: string; port: number }> {
  const command = parseFlags(flags.includes('--port') || 'PORT' in env ? flags : ['--port', '0', ...flags], env)
  if (command.kind !== 'serve') throw new Error(`tokensim ${flags.join(' ')} does not serve: ${command.kind}`)
  const server = createTokensimServer(command.settings, FLAG_NAMES)
  servers.push(server)
  const port = await listenOn(server, command.settings, FLAG_NAMES)
  return { url: urlOf(command.settings.host, port), port }
}

/**
 * The line `tokensim ...flags` prints before it exits with 2, found in this process: the usage error that
 * reading the flags, loading the files they name or making the app they describe throws (src/cli.ts prints
 * `tokensim: ` and its message). Fails if the flags are taken.
 */
function refusal(flags: readonly string[], env: Record<string, string> = {}): string {
  try {
    const command = parseFlags(flags, env)
    if (command.kind === 'serve') createTokensimServer(command.settings, FLAG_NAMES)
  } catch (error) {
    expect(error instanceof UsageError || error instanceof OptionError, String(error)).toBe(true)
    const line = `tokensim: ${(error as Error).message}`
    expect(line, 'one line').not.toMatch(/\n/)
    return line
  }
  throw new Error(`tokensim ${flags.join(' ')} was taken`)
}

/** Rejects with `label` if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: not within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

interface TokenData {
  text: string
  index: number
  units: number
  t: number
}

/** GET `url` as SSE, read to the end: every event, in order. */
async function readEvents(url: string): Promise<EventSourceMessage[]> {
  const response = await fetch(url)
  expect(response.status, url).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const { events } = await readSse(response)
  expect(events.at(-1)?.event, url).toBe('done')
  return events
}

const tokensOf = (events: readonly EventSourceMessage[]): TokenData[] =>
  events.filter((e) => e.event === 'token').map((e) => JSON.parse(e.data) as TokenData)

/** The stderr of a CLI that must refuse to start: exactly one `tokensim: ` line, no stack, exit 2, never served. */
async function expectUsageError(cli: Cli): Promise<string> {
  const { code } = await within(cli.exited, START_MS, 'tokensim exits')
  const stderr = cli.stderr()
  const lines = stderr.split('\n').filter((line) => line !== '')
  expect(lines, stderr).toHaveLength(1)
  expect(stderr.endsWith('\n'), stderr).toBe(true)
  const line = lines[0]!
  expect(line.startsWith('tokensim: '), line).toBe(true)
  expect(stderr).not.toMatch(/^\s+at /m)
  expect(cli.stdout()).not.toMatch(/serving/)
  expect(code, `exit code; stderr: ${stderr}`).toBe(2)
  return line
}

describe('tokensim --help and --version', () => {
  it('--help prints the usage with every flag and exits 0', { timeout: TEST_MS }, async () => {
    const cli = run(['--help'])
    const { code } = await within(cli.exited, START_MS, 'tokensim --help')
    expect(code).toBe(0)
    const help = cli.stdout()
    expect(help).toMatch(/Usage: tokensim/)
    for (const name of [
      '--port',
      '--host',
      '--unit',
      '--delay',
      '--ttft',
      '--jitter',
      '--seed',
      '--chunk',
      '--reply',
      '--profile',
      '--replies',
      '--scenarios',
      '--fault',
      '--fault-rate',
      '--captures',
      '--profiles',
      '--heartbeat',
      '--headers-timeout',
      '--request-timeout',
      '--max-text',
      '--max-units',
      '--max-delay',
      '--max-duration',
      '--max-body',
      '--max-streams',
      '--max-streams-per-client',
      '--api-key',
      '--cors',
      '--workers',
      '--help',
      '--version',
    ]) {
      expect(help, name).toMatch(new RegExp(`(^|[\\s,])${name}(?![\\w-])`, 'm'))
    }
    expect(help).not.toMatch(/serving/)
    expect(cli.stderr()).toBe('')
  })

  it('--version prints the package version and exits 0', { timeout: TEST_MS }, async () => {
    const cli = run(['--version'])
    const { code } = await within(cli.exited, START_MS, 'tokensim --version')
    expect(code).toBe(0)
    expect(cli.stdout()).toBe(`${version}\n`)
    expect(cli.stderr()).toBe('')
  })
})

describe('tokensim serves', () => {
  it('GET /stream streams the exact text, GET /replies lists the built-in replies, GET / is the page', { timeout: TEST_MS }, async () => {
    const { url, cli } = await start()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(cli.stderr()).toBe('')

    const text = 'Hello, wörld! 👋🏽\nSecond line.'
    const events = await readEvents(`${url}/stream?text=${encodeURIComponent(text)}&delay=0&ttft=0`)
    expect(
      tokensOf(events)
        .map((t) => t.text)
        .join(''),
    ).toBe(text)

    const replies = await fetch(`${url}/replies`)
    expect(replies.status).toBe(200)
    const listing = (await replies.json()) as { replies: Array<{ name: string }> }
    expect(listing.replies.map((r) => r.name)).toEqual(BUILTIN_REPLIES.map((r) => r.name))

    const page = await fetch(`${url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toMatch(/<html/i)
  })

  it('--unit, --delay, --ttft and --chunk set the stream defaults', { timeout: TEST_MS }, async () => {
    const { url } = await serveFlags(['--unit', 'word', '--delay', '0', '--ttft', '0', '--chunk', '2'])
    const events = await readEvents(`${url}/stream?text=${encodeURIComponent('a b c d e')}`)
    const tokens = tokensOf(events)
    expect(tokens.map((t) => t.text)).toEqual(['a b ', 'c d ', 'e'])
    expect(tokens.map((t) => t.units)).toEqual([2, 2, 1])
    expect(tokens.map((t) => t.index)).toEqual([0, 2, 4])
    expect(tokens.map((t) => t.t)).toEqual([0, 0, 0])
    const done = JSON.parse(events.at(-1)!.data) as { unit: string; tokens: number; events: number }
    expect(done).toMatchObject({ unit: 'word', tokens: 5, events: 3 })

    // A query parameter still overrides a flag's default.
    const chars = tokensOf(await readEvents(`${url}/stream?text=abc&unit=char&chunk=1`))
    expect(chars.map((t) => t.text)).toEqual(['a', 'b', 'c'])
  })

  it('--seed makes jittered timings reproducible', { timeout: TEST_MS }, async () => {
    const { url } = await serveFlags(['--jitter', '0.5', '--seed', '42', '--delay', '4', '--ttft', '4'])
    const stream = `${url}/stream?text=${encodeURIComponent('jitter me, please')}`
    const times = async (query = ''): Promise<number[]> => tokensOf(await readEvents(stream + query)).map((t) => t.t)

    const first = await times()
    const second = await times()
    expect(first.length).toBe('jitter me, please'.length)
    expect(second).toEqual(first)
    // Jittered: the gaps are not all the mean (a metronome would be 4, 8, 12, ...).
    expect(first).not.toEqual(first.map((_, i) => 4 * (i + 1)))
    // The flag is the default seed: the same as asking for seed 42, not the same as the built-in default 0.
    expect(await times('&seed=42')).toEqual(first)
    expect(await times('&seed=43')).not.toEqual(first)
    expect(await times('&seed=0')).not.toEqual(first)
  })

  it('honours env PORT when no --port is given', { timeout: TEST_MS }, async () => {
    const port = await freePort()
    const { url, port: served } = await serveFlags([], { PORT: String(port) })
    expect(served).toBe(port)
    expect((await fetch(`${url}/replies`)).status).toBe(200)
  })

  it('--port wins over env PORT', { timeout: TEST_MS }, async () => {
    // A PORT that would be refused: the CLI starts only if --port is the one it uses.
    const { port } = await serveFlags(['--port', '0'], { PORT: 'not-a-port' })
    expect(port).toBeGreaterThan(0)
  })
})

describe('tokensim --scenarios', () => {
  it('answers vendor requests by the first rule that fits', { timeout: TEST_MS }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokensim-scenarios-'))
    tempDirs.push(dir)
    const file = join(dir, 'scenarios.yaml')
    writeFileSync(
      file,
      ['- match: { contains: weather }', '  text: Sunny.', '- match: { model: tokensim-instant }', '  reply: echo', ''].join('\n'),
    )
    const { url } = await serveFlags(['--scenarios', file, '--delay', '0', '--ttft', '0'])
    const ask = async (model: string, content: string) => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
      })
      return ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content
    }
    expect(await ask('gpt-4o', 'How is the weather?')).toBe('Sunny.')
    expect(await ask('tokensim-instant', 'parrot this')).toBe('parrot this')
    expect(await ask('gpt-4o', 'hello')).toBe(BUILTIN_REPLIES[0]!.text)
  })
})

describe('tokensim --profiles', () => {
  it('adds profiles that /stream, the scenarios, GET /profiles and /v1/models know', { timeout: TEST_MS }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokensim-profiles-'))
    tempDirs.push(dir)
    const profiles = join(dir, 'profiles.yaml')
    writeFileSync(
      profiles,
      ['- name: steady', '  description: a metronome', '  ttft: { median: 5 }', '  gap: { median: 2 }', ''].join('\n'),
    )
    const scenarios = join(dir, 'scenarios.json')
    writeFileSync(scenarios, JSON.stringify([{ match: { contains: 'calm' }, text: 'Calm.', profile: 'steady' }]))
    const { url } = await serveFlags(['--profiles', profiles, '--scenarios', scenarios])

    const tokens = tokensOf(await readEvents(`${url}/stream?text=${encodeURIComponent('a b c')}&unit=word&profile=steady`))
    expect(tokens.map((t) => t.t)).toEqual([5, 7, 9])
    const listed = (await (await fetch(`${url}/profiles`)).json()) as { profiles: { name: string; description: string }[] }
    expect(listed.profiles.at(-1)).toMatchObject({ name: 'steady', description: 'a metronome' })
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] }
    expect(models.data.map((m) => m.id)).toContain('tokensim-steady')
    const answer = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tokensim-steady', messages: [{ role: 'user', content: 'stay calm' }] }),
    })
    expect(((await answer.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('Calm.')
  })
})

describe('tokensim --profile, --max-units, --max-delay and --max-duration', () => {
  it('--profile is the latency of every request that names none, on /stream and a vendor route', { timeout: TEST_MS }, async () => {
    const { url } = await serveFlags(['--profile', 'instant', '--max-units', '40', '--max-delay', '500', '--max-duration', '5000'])
    // instant: every unit due at once; the server's fixed 300 ms ttft does not apply.
    const tokens = tokensOf(await readEvents(`${url}/stream?text=${encodeURIComponent('one two three')}&unit=word`))
    expect(tokens.map((t) => t.text).join('')).toBe('one two three')
    expect(Math.max(...tokens.map((t) => t.t))).toBeLessThan(50)
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(chat.status).toBe(200)
    await chat.body?.cancel()
    // The limits: 41 units, a delay of 600 ms, 20 units 400 ms apart (8 s).
    const many = await fetch(`${url}/stream?text=${'x'.repeat(41)}`)
    expect(many.status).toBe(400)
    expect(await many.json()).toMatchObject({ error: { param: 'text', message: /more than 40 char units.*--max-units/ } })
    const slow = await fetch(`${url}/stream?text=hi&delay=600`)
    expect(await slow.json()).toMatchObject({ error: { param: 'delay', message: /from 0 to 500; got 600/ } })
    const long = await fetch(`${url}/stream?text=${'y'.repeat(20)}&delay=400`)
    expect(await long.json()).toMatchObject({ error: { message: /play for 7\.6 s, longer than the limit of 5 s.*--max-duration/ } })
  })
})

describe('tokensim --fault', () => {
  it("faults every request: a 503 with retry-after in each route's shape", { timeout: TEST_MS }, async () => {
    const { url } = await serveFlags(['--fault', 'status:503:7', '--fault-rate', '1'])
    const stream = await fetch(`${url}/stream`)
    expect([stream.status, stream.headers.get('retry-after')]).toEqual([503, '7'])
    const messages = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(messages.status).toBe(503)
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } })
  })
})

describe('tokensim --api-key, --max-streams-per-client, --max-body and --cors', () => {
  it('require the key (flag or env TOKENSIM_API_KEY), cap the streams, limit the body, narrow CORS', { timeout: TEST_MS }, async () => {
    const origin = 'http://localhost:5173'
    const flags = ['--api-key', 'k-1', '--max-streams-per-client', '1', '--max-body', '100', '--cors', origin]
    const { url } = await serveFlags(flags)
    const none = await fetch(`${url}/stream?text=hi`, { headers: { origin } })
    expect([none.status, none.headers.get('access-control-allow-origin')]).toEqual([401, origin])
    const open = new AbortController()
    const first = await fetch(`${url}/stream?text=held%20open&unit=word&delay=60000&key=k-1`, { signal: open.signal })
    expect(first.status).toBe(200)
    const second = await fetch(`${url}/stream?text=hi&key=k-1`)
    expect([second.status, second.headers.get('retry-after')]).toEqual([429, '1'])
    open.abort()
    const big = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-1' },
      body: 'x'.repeat(200),
    })
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ error: { code: 'request_too_large', message: /100 bytes.*--max-body/ } })

    const fromEnv = await serveFlags([], { TOKENSIM_API_KEY: 'k-2' })
    expect((await fetch(`${fromEnv.url}/replies`)).status).toBe(401)
    expect((await fetch(`${fromEnv.url}/replies`, { headers: { authorization: 'Bearer k-2' } })).status).toBe(200)
  })
})

describe('tokensim refuses bad flags with one line on stderr and exit 2', () => {
  const brokenDir = mkdtempSync(join(tmpdir(), 'tokensim-cli-'))
  tempDirs.push(brokenDir)
  const broken = join(brokenDir, 'broken.json')
  writeFileSync(broken, '{"greeting": "no closing quote}')
  const badScenario = join(brokenDir, 'scenarios.yaml')
  writeFileSync(badScenario, 'scenarios:\n  - name: greet\n    match: { contains: hi }\n    reply: nope\n')
  const badProfile = join(brokenDir, 'profiles.yaml')
  writeFileSync(badProfile, '- name: wobbly\n  ttft: { median: 400, p99: 100 }\n  gap: { median: 10 }\n')
  const userProfileScenario = join(brokenDir, 'needs-profile.yaml')
  writeFileSync(userProfileScenario, '- text: x\n  profile: wobbly\n')

  const cases: ReadonlyArray<readonly [string, readonly string[], RegExp]> = [
    ['an unknown flag', ['--frobnicate'], /--frobnicate/],
    ['a positional argument', ['serve'], /serve/],
    ['--delay -5', ['--delay', '-5'], /--delay/],
    ['--delay=-5', ['--delay=-5'], /--delay/],
    ['--delay abc', ['--delay', 'abc'], /--delay .*"abc"/],
    ['--unit byte', ['--unit', 'byte'], /--unit .*"byte"/],
    ['--port 70000', ['--port', '70000'], /--port .*70000/],
    ['--host not-an-ip', ['--host', 'not-an-ip'], /--host .*not-an-ip/],
    ['--jitter 2', ['--jitter', '2'], /--jitter .*2/],
    ['--heartbeat 0', ['--heartbeat', '0'], /--heartbeat/],
    ['--reply nope', ['--reply', 'nope'], /--reply.*"nope"/],
    [
      '--replies /nonexistent/file.json',
      ['--replies', '/nonexistent/file.json'],
      /--replies \/nonexistent\/file\.json: cannot read it \(ENOENT\)/,
    ],
    [
      '--replies with broken JSON',
      ['--replies', broken],
      new RegExp(`--replies ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`),
    ],
    ['--fault with a bad fault', ['--fault', 'explode:1'], /--fault: "explode:1" is not a fault/],
    ['--fault-rate 2', ['--fault', 'status:500', '--fault-rate', '2'], /--fault-rate must be a probability from 0 to 1; got "2"/],
    ['--fault-rate without --fault', ['--fault-rate', '0.5'], /--fault-rate needs --fault/],
    ['--profile nope', ['--profile', 'nope'], /--profile: no profile named "nope"; the profiles are: instant, fast/],
    ['--profile with --delay', ['--profile', 'fast', '--delay', '5'], /--profile replaces --delay: give one or the other/],
    ['--headers-timeout 0', ['--headers-timeout', '0'], /--headers-timeout must be a whole number from 1 to \d+; got "0"/],
    ['--request-timeout 5s', ['--request-timeout', '5s'], /--request-timeout .*"5s"/],
    ['--max-units 0', ['--max-units', '0'], /--max-units must be a whole number from 1 to \d+; got "0"/],
    ['--max-delay abc', ['--max-delay', 'abc'], /--max-delay .*"abc"/],
    ['--max-duration 1.5', ['--max-duration', '1.5'], /--max-duration .*"1\.5"/],
    [
      '--delay beyond --max-delay',
      ['--max-delay', '100', '--delay', '200'],
      /--delay must be a number of ms between units from 0 to 100; got 200/,
    ],
    ['--max-body 0', ['--max-body', '0'], /--max-body must be a whole number from 1 to \d+; got "0"/],
    ['--max-body 4MB', ['--max-body', '4MB'], /--max-body .*"4MB"/],
    ['--max-streams 0', ['--max-streams', '0'], /--max-streams must be a whole number from 1 to \d+; got "0"/],
    ['--max-streams-per-client -1', ['--max-streams-per-client=-1'], /--max-streams-per-client .*"-1"/],
    ['--api-key with a space', ['--api-key', 'two words'], /--api-key .*visible ASCII characters, without spaces/],
    ['--api-key empty', ['--api-key='], /--api-key .*1 to 1024/],
    ['--cors with a path', ['--cors', 'http://localhost:5173/app'], /--cors must be \* or .*"http:\/\/localhost:5173\/app"/],
    ['--cors not an origin', ['--cors', 'http://a.example,localhost'], /--cors .*"localhost"/],
    ['--scenarios with broken JSON', ['--scenarios', broken], /--scenarios .*broken\.json: not valid JSON/],
    [
      '--scenarios naming a reply that does not exist',
      ['--scenarios', badScenario],
      /--scenarios .*scenarios\.yaml: rule "greet" \(#1\): reply: no reply named "nope"/,
    ],
    [
      '--profiles /nonexistent/p.yaml',
      ['--profiles', '/nonexistent/p.yaml'],
      /--profiles \/nonexistent\/p\.yaml: cannot read it \(ENOENT\)/,
    ],
    ['--profiles with broken JSON', ['--profiles', broken], /--profiles .*broken\.json: not valid JSON/],
    [
      '--profiles with a bad profile',
      ['--profiles', badProfile],
      /--profiles .*profiles\.yaml: profile "wobbly": at ttft\.p99: p99 must be at least the median/,
    ],
    [
      '--scenarios naming a profile that no --profiles file adds',
      ['--scenarios', userProfileScenario],
      /--scenarios .*needs-profile\.yaml: .*not a profile; the profiles are: instant, fast, typical, slow, reasoning, flaky$/,
    ],
  ]

  // In this process: a child process for each would take a core for a second or more.
  it.for(cases)('%s', ([, flags, pattern]) => {
    expect(refusal(flags)).toMatch(pattern)
  })

  it('the command prints the line on stderr, alone, and exits with 2', { timeout: TEST_MS }, async () => {
    // --port 0, so that a CLI that wrongly starts does not collide with anything, and its output says it serves.
    const line = await expectUsageError(run(['--reply', 'nope', '--port', '0']))
    expect(line).toMatch(/^tokensim: --reply.*"nope"/)
  })

  it('a port in use', { timeout: TEST_MS }, async () => {
    const blocker: NetServer = createNetServer()
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject)
      blocker.listen(0, '127.0.0.1', resolve)
    })
    try {
      const { port } = blocker.address() as AddressInfo
      const line = await expectUsageError(run(['--port', String(port)]))
      expect(line).toMatch(new RegExp(`port ${port}\\b.*in use`))
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})

describe('tokensim on a non-loopback host', () => {
  it('warns that other machines can reach it', { timeout: TEST_MS }, async () => {
    const { url, cli } = await start(['--host', '0.0.0.0'])
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
    const [warning] = await cli.waitFor('stderr', /^tokensim: .*\n/m)
    expect(warning).toMatch(/warning/i)
    expect(warning).toMatch(/other machines/)
    expect(warning).toMatch(/0\.0\.0\.0/)
  })

  it('does not warn on loopback', { timeout: TEST_MS }, async () => {
    const { url, cli } = await start(['--host', 'localhost'])
    expect(url).toMatch(/^http:\/\/localhost:\d+$/)
    expect((await fetch(`${url}/replies`)).status).toBe(200) // a round trip, by which time a warning would have arrived
    expect(cli.stderr()).toBe('')
  })
})

describe('tokensim stops cleanly on a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} ends open streams with a final comment, refuses new connections and exits 0`, { timeout: TEST_MS }, async () => {
      const { url, port, cli } = await start()
      const response = await fetch(`${url}/stream?reply=long&delay=50&ttft=0`)
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let received = ''
      // The first bytes (the retry field, then the first token event): the stream is open and playing.
      while (!received.includes('event: token')) {
        const { value, done } = await within(reader.read(), START_MS, 'first bytes of the stream')
        expect(done).toBe(false)
        received += decoder.decode(value, { stream: true })
      }
      const before = received.length

      const signalledAt = Date.now()
      expect(cli.child.kill(signal)).toBe(true)
      // Reading to the end terminates: the server ends the stream rather than dropping or keeping it.
      const rest = within(
        (async () => {
          let tail = ''
          for (;;) {
            const { value, done } = await reader.read()
            if (done) return tail + decoder.decode()
            tail += decoder.decode(value, { stream: true })
          }
        })(),
        5_000,
        'the open stream ends after the signal',
      )
      received += await rest
      expect(received.length).toBeGreaterThan(before)
      expect(received.trimEnd().endsWith(': server shutting down'), received.slice(-200)).toBe(true)
      // The long reply was cut short: no done event.
      expect(received).not.toMatch(/^event: done$/m)

      // The listening socket was closed before the streams were ended, so a new connection is refused now.
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ port, host: '127.0.0.1' })
        socket.once('connect', () => {
          socket.destroy()
          resolve('connected')
        })
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
      })
      expect(refused).toBe('ECONNREFUSED')

      const { code, signal: killedBy } = await within(cli.exited, 5_000, `tokensim exits after ${signal}`)
      expect(Date.now() - signalledAt).toBeLessThan(5_000)
      expect(killedBy).toBeNull()
      expect(code).toBe(0)
      expect(cli.stdout()).toMatch(new RegExp(`^tokensim: ${signal}\\b`, 'm'))
      expect(cli.stderr()).toBe('')
    })
  }

  // Fails at the time of writing: the kept-alive connection of a stream ended by the shutdown stays open, and
  // a request on it starts a new stream (200, keep-alive) that endAll never saw, so the grace timer cuts it
  // off mid-stream, without the final comment or the end of the chunked body.
  it('a stream open across SIGTERM ends with the final comment and its connection', { timeout: TEST_MS }, async () => {
    const { port, cli } = await start()
    const socket = connect({ port, host: '127.0.0.1' })
    socket.setEncoding('latin1')
    let received = ''
    const arrivals = new Set<() => void>()
    socket.on('data', (chunk: string) => {
      received += chunk
      for (const arrival of [...arrivals]) arrival()
    })
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => {}) // a reset is one of the acceptable outcomes below
    /** Resolves once the bytes received so far satisfy `done`, or the socket closes (then with false). */
    const until = (done: (bytes: string) => boolean): Promise<boolean> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!done(received) && !socket.closed) return
          arrivals.delete(check)
          resolve(done(received))
        }
        arrivals.add(check)
        void closed.then(check)
        check()
      })

    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    socket.write(`GET /stream?reply=long&delay=50&ttft=0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    expect(
      await within(
        until((bytes) => bytes.includes('event: token')),
        START_MS,
        'first stream starts',
      ),
    ).toBe(true)
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    // A stream's body ends with its connection (no chunked framing), so no later request can share it.
    expect(received).toMatch(/^connection: close\r$/im)
    expect(received).not.toMatch(/^transfer-encoding:/im)

    cli.child.kill('SIGTERM')
    // The stream ends cleanly: the final comment, then the connection closes.
    await within(closed, 5_000, 'the connection closes')
    expect(received.endsWith(': server shutting down\n\n'), received.slice(-200)).toBe(true)
    const { code } = await within(cli.exited, 5_000, 'tokensim exits after SIGTERM')
    expect(code).toBe(0)
  })
})

describe('tokensim --workers', () => {
  it(
    'serves one port from several processes, announces it once, resumes on any of them and stops cleanly',
    { timeout: TEST_MS },
    async () => {
      const { url, cli } = await start(['--workers', '2', '--delay', '0', '--ttft', '0'])
      expect(cli.stdout().match(/serving/g)).toHaveLength(1)
      expect(cli.stdout()).toMatch(/with 2 workers/)
      const whole = tokensOf(await readEvents(`${url}/stream?reply=markdown&unit=word`))
      // Each request may land on either process; every one of them resumes exactly.
      for (const k of [3, 40, whole.length - 2]) {
        const response = await fetch(`${url}/stream?reply=markdown&unit=word`, { headers: { 'last-event-id': String(k) } })
        expect(
          tokensOf((await readSse(response)).events)
            .map((t) => t.text)
            .join(''),
        ).toBe(
          whole
            .slice(k + 1)
            .map((t) => t.text)
            .join(''),
        )
      }
      const slow = await fetch(`${url}/stream?reply=long&delay=50`)
      const reader = slow.body!.getReader()
      await reader.read()
      cli.child.kill('SIGTERM')
      let rest = ''
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        rest += new TextDecoder().decode(value)
      }
      expect(rest).toMatch(/: server shutting down\n\n$/)
      const { code } = await within(cli.exited, 5_000, 'tokensim exits after SIGTERM')
      expect(code).toBe(0)
    },
  )

  it('a port in use stops every worker with one line', { timeout: TEST_MS }, async () => {
    const blocker = createNetServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as AddressInfo
    try {
      const line = await expectUsageError(run(['--workers', '2', '--port', String(port)]))
      expect(line).toMatch(/in use/)
    } finally {
      blocker.close()
    }
  })

  it.each(['0', 'abc', '257'])('--workers %s is refused', (value) => {
    expect(refusal(['--workers', value])).toMatch(/^tokensim: --workers must be a whole number from 1 to 256/)
  })
})
