/**
 * Every example in README.md, docs/*.md and CONTRIBUTING.md, run against a real tokensim (issue 13), so an
 * example that stops working turns the suite red. Each fenced block is run, or listed in NOT_RUN with the reason;
 * a block that is neither fails the first test, so a new example cannot slip in untested.
 *
 * - `sh`: each `curl` is sent with fetch (test/helpers/curl.ts; no curl binary) to a server on a free port in place
 *   of http://127.0.0.1:8787, and must succeed, or fail with the status its fault asks for or its sample shows;
 *   a `# {...}` comment after it is a sample of its output (test/helpers/json-sample.ts) that the answer must fit.
 *   `npm start -- FLAGS` starts the CLI with those flags (one process per distinct set of flags), which the
 *   block's curls then address; `npx tsx src/cli.ts record ...` runs the CLI; other commands are in
 *   NOT_RUN_COMMANDS. Paragraphs of a block run side by side, the commands of one paragraph one after the other
 *   (a command under a comment saying "in another terminal" starts once the previous one's answer is playing).
 * - `yaml`/`json`: scenario rules, profiles or replies, read by the loaders the CLI uses; profiles and captures
 *   (`jsonl`, and a plain SSE file as `text`) are then served and read back.
 * - `ts`: written to a temporary .mts file under test/.docs-examples/ with the server's URL in place of
 *   http://127.0.0.1:8787 and run with tsx, each against a server of its own (with the rules of docs/scenarios.md's
 *   file example when it says it needs a scenario): it must exit with 0, and every request it made must have succeeded
 *   (the server's journal), which catches the calls whose failure a snippet would not notice, such as a
 *   `streamText` nobody reads. A vitest test file (`from 'tokensim/vitest'`) is run by vitest instead, and every
 *   test in it must pass. A snippet that starts tokensim itself (`from 'tokensim'`) or answers with no server
 *   (`from 'tokensim/msw'`) runs on its own, and its claim checks what it printed.
 * - CLAIMS: where the text says what an example answers, a check that it does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import type { Scenario } from '../src/core/scenarios.js'
import { BUILTIN_REPLIES } from '../src/core/replies/builtin.js'
import { loadCaptureFile } from '../src/node/captures-file.js'
import { loadProfilesFile } from '../src/node/profiles-file.js'
import { loadRepliesFile } from '../src/node/replies-file.js'
import { loadScenariosFile } from '../src/node/scenarios-file.js'
import { killChildren, startCli } from './helpers/cli.js'
import { CurlOptionError, parseCurl } from './helpers/curl.js'
import { parseSample, SampleSyntaxError, sampleMismatch, type Sample } from './helpers/json-sample.js'
import { fencedBlocks, type FencedBlock } from './helpers/markdown.js'
import { startServer, type RunningServer } from './helpers/server.js'
import { parseShell, ShellSyntaxError, type ShellCommand } from './helpers/shell.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
/** The address every example is written for; each run puts a server's own URL in its place. */
const EXAMPLE_HOST = /http:\/\/127\.0\.0\.1:(\d+)/g
/** One child process (a snippet or the CLI's record) may take this long. */
const PROCESS_MS = 45_000

const FILES = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
]
const BLOCKS = FILES.flatMap((file) => fencedBlocks(readFileSync(join(ROOT, file), 'utf8'), file))

/** Blocks that are not run, by marker (file: first line, its first 60 characters), and why. */
const NOT_RUN: Record<string, string> = {
  'README.md: // The AI SDK in the browser: useChat streams from tokensim ':
    'useChat needs React; test/server/ai-sdk-ui.test.ts drives the same DefaultChatTransport through AbstractChat',
  'docs/endpoints.md: retry: 1000': 'a wire transcript: what GET /stream sends',
  "docs/endpoints.md: const source = new EventSource('http://127.0.0.1:8787/stream":
    'browser code: it appends to a page element (`output`), and `long` at 40 tokens/s plays for over 100 s',
  'docs/endpoints.md: data: {"id":"chatcmpl-…","object":"chat.completion.chunk","c': 'a wire transcript: what Chat Completions streams',
  'docs/endpoints.md: data: {"candidates": [{"content": {"parts": [{"text": "Hello': 'a wire transcript: what Gemini streams (labelled sh)',
  'docs/endpoints.md: { "finishReason": "stop", "usage": { "inputTokens": 5, "outp':
    "the shape of /api/chat's finish.messageMetadata, with illustrative numbers rather than one request's",
  'docs/deployment.md: npm run build:worker      # dist/worker.js: one ES module, n':
    'writes dist/worker.js; test/e2e/workerd.test.ts bundles src/workerd.ts with the same esbuild options and serves it with workerd',
  "README.md: // a Playwright spec: tokensim for the worker, each test's p":
    "a spec for the reader's own app (its page, baseURL and webServer); test/e2e/playwright-fixture.test.ts runs the same fixtures in a real `playwright test` run (test/fixtures/playwright/routed.spec.ts)",
  "docs/testing.md: // a Playwright spec: tokensim for the worker, each test's p":
    "the README's Playwright spec again; test/e2e/playwright-fixture.test.ts runs the same fixtures in a real `playwright test` run",
  'docs/testing.md: // playwright-core alone: tokensim and its HTTPS front, a co':
    "launches Playwright's own Chromium and opens the reader's app; test/e2e/playwright-routing.test.ts routes a page with the same calls (the system's Chromium, an app on localhost)",
  'docs/msw.md: // In the browser (a static host, a sandbox, Storybook): the':
    "browser code (a Service Worker and a page element); test/e2e/msw-browser.test.ts runs the same lines in Chromium and checks they are its page's",
  "README.md: // vite.config.ts: under `vite` and `vite preview`, the app'":
    "lines of a React app (test/apps/use-chat); test/e2e/use-chat-app.test.ts checks that each line is the app's, builds it with Vite and drives it in Chromium against the server and against tokensim/msw",
  'CONTRIBUTING.md: npm test             # tsc --noEmit over src, test and bench':
    'the test suite (this test included), the Node 24 SDK suite, prettier and the benchmark: run by npm test and CI, not from here',
}

/** Commands of `sh` blocks that run something else, that are not run themselves, by their words joined with spaces. */
const NOT_RUN_COMMANDS: Record<string, string> = {
  'npm install': 'installs the dependencies, which are installed already (and needs the network)',
  'npm test': 'the whole suite, which this test is part of',
}

/** What a run gives the block's claim: the outputs in order (bodies, a snippet's stdout), and a server serving its data. */
interface BlockRun {
  readonly outputs: readonly string[]
  readonly url?: string
}

/** Where the text says what an example answers: a check that it does, by marker. */
const CLAIMS: Record<string, (run: BlockRun) => Promise<void> | void> = {
  // "all end in two steps: the call, then a text built on the result"
  'docs/scenarios.md: - name: weather': async ({ url = '' }) => {
    const question = user("What's the weather in Paris?")
    const call = await chat(url, [question])
    expect(call.message.content, 'the question').toBe('Let me check.')
    expect(
      call.message.tool_calls?.map((c) => c.function),
      'the question',
    ).toEqual([{ name: 'get_weather', arguments: '{"city":"Paris"}' }])
    const answer = await chat(url, [question, assistant(call), toolResult(call, '{"temp":21}')])
    expect([answer.message.content, answer.message.tool_calls, answer.finish_reason], "the tool's result").toEqual([
      'It is 21 °C in Paris.',
      undefined,
      'stop',
    ])
  },
  'docs/scenarios.md: - name: refuse-when-the-tool-fails': async ({ url = '' }) => {
    const search = { type: 'tool_use', id: 'toolu_01', name: 'search', input: { q: 'cats' } }
    const failed = { type: 'tool_result', tool_use_id: 'toolu_01', content: 'timed out', is_error: true }
    expect(
      await anthropicText(url, { messages: [user('Search for cats'), { role: 'assistant', content: [search] }, user([failed])] }),
    ).toBe('The search failed; try again later.')
    expect(await anthropicText(url, { system: 'You are a pirate.', messages: [user('Hello')] })).toBe('Arr!')
  },
  // "Turn 1 gets the greeting; turn 2 the search call, whose result gets `found`; turn 3 and later "Anything else?"."
  'docs/scenarios.md: - name: chat': async ({ url = '' }) => {
    const conversation: unknown[] = [user('Hi')]
    const turn1 = await chat(url, conversation)
    expect(turn1.message.content, 'turn 1').toBe('Hello! What can I do for you?')
    conversation.push(assistant(turn1), user('Find tokensim'))
    const turn2 = await chat(url, conversation)
    expect(
      turn2.message.tool_calls?.map((c) => c.function),
      'turn 2',
    ).toEqual([{ name: 'search', arguments: '{"q":"Find tokensim"}' }])
    conversation.push(assistant(turn2), toolResult(turn2, '{"title":"tokensim on GitHub"}'))
    const found = await chat(url, conversation)
    expect(found.message.content, "the search's result").toBe('I found tokensim on GitHub.')
    conversation.push(assistant(found), user('Thanks'))
    const turn3 = await chat(url, conversation)
    expect(turn3.message.content, 'turn 3').toBe('Anything else?')
    conversation.push(assistant(turn3), user('No'))
    expect((await chat(url, conversation)).message.content, 'turn 4').toBe('Anything else?')
  },
  // The scope's rule answers its request; DELETE clears the scope.
  "docs/scenarios.md: curl -X PUT http://127.0.0.1:8787/scenarios -H 'x-tokensim-s": ({ outputs }) => {
    expect(JSON.parse(outputs[1]!)).toMatchObject({ choices: [{ message: { content: 'Hi from test 42.' } }] })
    expect(JSON.parse(outputs[2]!)).toMatchObject({ scope: 'test-42', scenarios: [] })
  },
  // Each call reaches its route; `local('tokensim-fast')` is "the Responses API".
  'README.md: // openai (v6 on Node 20, v7 on Node 22+)': async ({ url = '' }) => {
    const { entries } = (await (await fetch(`${url}/journal`)).json()) as { entries: { route: string; model: string }[] }
    expect(entries.map((entry) => `${entry.route} ${entry.model}`).sort()).toEqual([
      'anthropic-messages claude-sonnet-4-5',
      'anthropic-messages claude-x',
      'gemini gemini-2.5-flash',
      'openai-chat tokensim-typical',
      'openai-responses tokensim-fast',
    ])
  },
  // "Not streamed, with tool calls from a scenario: response.functionCalls is [{ name, args }]"
  "docs/endpoints.md: import { GoogleGenAI } from '@google/genai'": ({ outputs }) => {
    expect(outputs[0]).toMatch(/\[ \{ name: 'get_weather', args: \{ city: 'Paris', unit: 'celsius' \} \} \]/)
  },
  // "console.log(text) // the greeting reply", streamed from the tokensim the snippet starts
  'docs/library.md: // tokensim in a test: start it on a free port, point the SD': ({ outputs }) => {
    expect(outputs[0]).toBe(`${BUILTIN_REPLIES[0]!.text}\n`)
  },
  // "console.log(text) // Sunny, 21 °C." and the journal's one entry, with no server: MSW answered in the process
  'docs/msw.md: // tokensim in a Node test with no server: MSW answers the v': ({ outputs }) => {
    expect(outputs[0]).toBe("Sunny, 21 °C.\n[ 'openai-chat' ]\n")
  },
  // "console.log(completion.choices[0]?.message.content) // the greeting reply", answered in the process
  'README.md: // tokensim with no server: MSW answers api.openai.com in th': ({ outputs }) => {
    expect(outputs[0]).toBe(`${BUILTIN_REPLIES[0]!.text}\n`)
  },
  // "[step-start, text], { finishReason: 'stop', usage: {...} }"
  'docs/endpoints.md: import { DefaultChatTransport, readUIMessageStream, type UIM': ({ outputs }) => {
    expect(outputs[0]).toMatch(/\[\s*\{ type: 'step-start' \},\s*\{\s*type: 'text'[^]*\]\s*\{\s*finishReason: 'stop',\s*usage: \{/)
  },
}

type Kind = 'sh' | 'script' | 'scenarios' | 'profiles' | 'replies' | 'capture'

/** What a block is, by its language and, for data, its shape; undefined: nothing here can run it. */
function kindOf({ lang, body }: FencedBlock): Kind | undefined {
  if (['sh', 'bash', 'shell'].includes(lang)) return 'sh'
  if (['ts', 'typescript', 'js', 'javascript'].includes(lang)) return 'script'
  if (lang === 'jsonl') return 'capture'
  // A plain SSE file: field lines, comments and blank lines only (the WHATWG spec's event stream).
  if (lang === 'text' && body.split('\n').every((line) => /^(?:$|:|(?:event|data|id|retry):)/.test(line))) return 'capture'
  if (lang !== 'yaml' && lang !== 'yml' && lang !== 'json') return undefined
  let data: unknown
  try {
    data = lang === 'json' ? JSON.parse(body) : parseYaml(body)
  } catch {
    return undefined
  }
  const [key] = typeof data === 'object' && data !== null && !Array.isArray(data) ? Object.keys(data) : []
  const items: unknown[] = Array.isArray(data) ? data : []
  const has = (...fields: string[]) => items.length > 0 && items.every((item) => fields.some((field) => Object.hasOwn(Object(item), field)))
  if (key === 'profiles' || has('ttft')) return 'profiles'
  if (key === 'scenarios' || has('match', 'answers', 'reply', 'text', 'reasoning', 'tool_calls')) {
    // A replies list also has `text`, but every entry names itself and says nothing else a rule would.
    const reply = items.every((item) => Object.keys(Object(item)).every((field) => ['name', 'text', 'description'].includes(field)))
    return key !== 'scenarios' && reply && has('name') ? 'replies' : 'scenarios'
  }
  return key === 'replies' ? 'replies' : undefined
}

// ---- servers and processes, shared by the blocks and stopped at the end ----

const servers: RunningServer[] = []
const children = new Set<ChildProcess>()
let work = ''

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const server = await startServer(options)
  servers.push(server)
  return server
}

let plainServer: Promise<RunningServer> | undefined
/** The server the examples' http://127.0.0.1:8787 means unless the block starts one. */
const plain = (): Promise<RunningServer> => (plainServer ??= serve())

const cliServers = new Map<string, Promise<string>>()
/** `tokensim --port 0 ...flags` (one process per distinct set of flags); its URL. */
function cliServer(flags: readonly string[]): Promise<string> {
  const key = JSON.stringify(flags)
  let url = cliServers.get(key)
  if (url === undefined) {
    // Every block starts at once, beside the rest of the suite on two cores: a process may take a while to serve.
    url = startCli(flags, 50_000).then(({ url }) => url)
    url.catch(() => {}) // started before a command waits for it; that command reports a failure
    cliServers.set(key, url)
  }
  return url
}

/** At most `n` at a time: the snippets each start a Node process with the SDKs, on 2 cores. */
function limit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}
const snippets = limit(3)

interface Exit {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `node --import tsx ...args` in `cwd` (under the repository, so tsx and the SDKs resolve), killed after PROCESS_MS. */
function runNode(args: readonly string[], cwd: string): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd,
    env: { ...process.env, PORT: undefined, NODE_OPTIONS: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const output = { stdout: '', stderr: '' }
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8')
    child[stream].on('data', (chunk: string) => (output[stream] += chunk))
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_MS)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, ...output })
    }),
  )
}

/** A file in this run's work folder, named for its block. */
function workFile(block: FencedBlock, extension: string): string {
  return join(work, `${block.file.replace(/\W+/g, '-')}-${block.line}.${extension}`)
}

// ---- the runners, one per kind ----

async function runBlock(block: FencedBlock, kind: Kind): Promise<BlockRun> {
  switch (kind) {
    case 'sh':
      return runShell(block)
    case 'script':
      return runScript(block)
    case 'scenarios': {
      const scenarios = loadScenarios(block)
      return { outputs: [], ...(CLAIMS[block.marker] !== undefined ? { url: (await serve({ scenarios })).url } : {}) }
    }
    case 'profiles':
      return runProfiles(block)
    case 'replies':
      loadRepliesFile(writeBlock(block))
      return { outputs: [] }
    case 'capture':
      return runCapture(block)
  }
}

function writeBlock(block: FencedBlock): string {
  const file = workFile(block, block.lang === 'yml' ? 'yaml' : block.lang === 'text' ? 'sse' : block.lang)
  writeFileSync(file, block.body)
  return file
}

function loadScenarios(block: FencedBlock): Scenario[] {
  return loadScenariosFile(writeBlock(block), { replies: BUILTIN_REPLIES.map((reply) => reply.name) })
}

/** Profiles as --profiles reads them; then served, each is listed with its model id ("models tokensim-NAME too"). */
async function runProfiles(block: FencedBlock): Promise<BlockRun> {
  const profiles = loadProfilesFile(writeBlock(block))
  const { url } = await serve({ profiles })
  const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] }
  expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(profiles.map((profile) => `tokensim-${profile.name}`)))
  return { outputs: [], url }
}

/** A capture as --captures reads it; then served, GET /captures/NAME replays its bytes (no `: t=` lines). */
async function runCapture(block: FencedBlock): Promise<BlockRun> {
  const capture = loadCaptureFile(writeBlock(block))
  const { url } = await serve({ captures: [capture] })
  const response = await fetch(`${url}/captures/${capture.name}`)
  const body = await response.text()
  expect([response.status, response.headers.get('content-type')]).toEqual([capture.status, capture.contentType])
  expect(body).toBe(capture.reads.map((read) => read.data).join(''))
  expect(body).not.toMatch(/^: ?t=/m)
  return { outputs: [body], url }
}

/** A snippet run with tsx against a server of its own; it must exit with 0, and every request it made succeed. */
async function runScript(block: FencedBlock): Promise<BlockRun> {
  if (/^import .* from 'tokensim(\/msw)?'$/m.test(block.body)) return runOwnServer(block)
  if (/^import .* from 'tokensim\/vitest'$/m.test(block.body)) return runVitestFile(block)
  const scenarios = /\bscenario/i.test(block.body) ? fileScenarios() : []
  const server = await serve({ scenarios })
  const others = [...block.body.matchAll(EXAMPLE_HOST)].filter((match) => match[1] !== '8787')
  if (others.length > 0) throw new Error(`the snippet names ${others[0]![0]}; only http://127.0.0.1:8787 is put in a server's place`)
  const file = workFile(block, 'mts')
  writeFileSync(file, block.body.replaceAll('http://127.0.0.1:8787', server.url))
  const exit = await snippets(() => runNode([file], work))
  expect(exit.code, `${where(block)} exited with ${String(exit.code)}; stderr: ${exit.stderr}`).toBe(0)
  const journal = (await (await fetch(`${server.url}/journal`)).json()) as { entries: { method: string; path: string; status: number }[] }
  expect(journal.entries.length, `${where(block)} made no request`).toBeGreaterThan(0)
  const failed = journal.entries.filter((entry) => entry.status >= 400).map((entry) => `${entry.method} ${entry.path}: ${entry.status}`)
  expect(failed, `${where(block)}: requests that failed`).toEqual([])
  return { outputs: [exit.stdout], url: server.url }
}

/**
 * A snippet that starts tokensim itself (`from 'tokensim'`: src/index.ts, through tsconfig.json's paths), or that
 * answers with no server (`from 'tokensim/msw'`: src/msw.ts), run with tsx: it must exit with 0, and its claim
 * (which it must have) checks what it printed.
 */
async function runOwnServer(block: FencedBlock): Promise<BlockRun> {
  if (CLAIMS[block.marker] === undefined) throw new Error(`${where(block)} starts tokensim itself: give it a claim on what it prints`)
  const file = workFile(block, 'mts')
  writeFileSync(file, block.body)
  const exit = await snippets(() => runNode([file], work))
  expect(exit.code, `${where(block)} exited with ${String(exit.code)}; stderr: ${exit.stderr}`).toBe(0)
  return { outputs: [exit.stdout] }
}

/**
 * A vitest test file (`from 'tokensim/vitest'`, src/vitest.ts through tsconfig.json's paths), run by vitest with a
 * config of its own that includes that file only: it must exit with 0, every test in it passed.
 */
async function runVitestFile(block: FencedBlock): Promise<BlockRun> {
  const file = workFile(block, 'test.ts')
  writeFileSync(file, block.body)
  const config = workFile(block, 'vitest.config.mts')
  const include = JSON.stringify(relative(ROOT, file))
  writeFileSync(
    config,
    `export default { root: ${JSON.stringify(ROOT)}, resolve: { tsconfigPaths: true }, test: { include: [${include}] } }\n`,
  )
  const exit = await snippets(() => runNode([join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config], work))
  const output = `${exit.stdout}${exit.stderr}`
  expect(exit.code, `${where(block)} exited with ${String(exit.code)}: ${output}`).toBe(0)
  // eslint-disable-next-line no-control-regex -- vitest's colours
  const tests = /Tests\s+(\d+) passed \((\d+)\)/.exec(output.replace(/\x1b\[[\d;]*m/g, ''))
  expect(tests !== null && tests[1] === tests[2], `${where(block)}: every test passed: ${output}`).toBe(true)
  return { outputs: [output] }
}

/** The rules of the scenarios file example (docs/scenarios.md), which the snippets that need a scenario are served with. */
function fileScenarios(): Scenario[] {
  const block = BLOCKS.find((b) => b.file === 'docs/scenarios.md' && b.heading === '`--scenarios PATH`' && b.lang === 'yaml')
  if (block === undefined) throw new Error('docs/scenarios.md has no yaml block under "`--scenarios PATH`"')
  return loadScenarios(block)
}

interface Started {
  /** Resolves once the command's answer has begun (its headers); a command without one, when it is done. */
  readonly begun: Promise<unknown>
  readonly done: Promise<string | undefined>
}

async function runShell(block: FencedBlock): Promise<BlockRun> {
  const commands = parseShell(block.body)
  // `npm start` first: the block's 127.0.0.1:PORT addresses are the servers it starts, else the plain one.
  const ports = new Map<string, Promise<string>>()
  for (const command of commands) {
    const flags = npmStartFlags(command.words)
    if (flags === undefined) continue
    const port = flags.indexOf('--port')
    ports.set(port < 0 ? '8787' : flags[port + 1]!, cliServer(port < 0 ? flags : flags.filter((_, i) => i !== port && i !== port + 1)))
  }
  const local = async (text: string): Promise<string> => {
    let result = text
    for (const [address, port] of new Set([...text.matchAll(EXAMPLE_HOST)].map((m) => [m[0], m[1]!] as const))) {
      const url = ports.get(port) ?? (port === '8787' ? plain().then((server) => server.url) : undefined)
      if (url === undefined) throw new Error(`${address}: no server of the block listens there`)
      result = result.replaceAll(address, await url)
    }
    return result
  }

  const paragraphs = [...new Set(commands.map((command) => command.paragraph))].map((n) => commands.filter((c) => c.paragraph === n))
  const outputs = await Promise.all(
    paragraphs.map(async (paragraph) => {
      const done: Promise<string | undefined>[] = []
      let previous: Started | undefined
      let previousOutput: Promise<string | undefined> | undefined
      for (const command of paragraph) {
        const concurrent = command.before.some((line) => /in another terminal/i.test(line))
        if (previous !== undefined) await (concurrent ? previous.begun : previous.done)
        const same = command.before.some((line) => /the same stream/i.test(line)) ? previousOutput : undefined
        previous = runCommand(block, command, local, ports, same)
        // Reported by Promise.all below, or by the command that waits for it.
        previous.done.catch(() => {})
        previous.begun.catch(() => {})
        previousOutput = previous.done
        done.push(previous.done)
      }
      return Promise.all(done)
    }),
  )
  const run = outputs.flat().filter((output) => output !== undefined)
  if (run.length === 0) throw new Error(`${where(block)}: nothing in the block was run; list it in NOT_RUN instead`)
  return { outputs: run }
}

/** Starts one command of a block; `done` resolves with its output, or undefined for a command listed as not run. */
function runCommand(
  block: FencedBlock,
  command: ShellCommand,
  local: (text: string) => Promise<string>,
  ports: ReadonlyMap<string, Promise<string>>,
  same: Promise<string | undefined> | undefined,
): Started {
  const text = command.words.join(' ')
  const at = `${block.file}:${block.line + command.line}: ${text.length > 100 ? `${text.slice(0, 100)}…` : text}`
  const words = command.words
  if (words[0] === 'curl') {
    let begin: () => void = () => {}
    const begun = new Promise<void>((resolve) => (begin = resolve))
    const done = runCurl(at, command, local, begin, same)
    return { begun: Promise.race([begun, done]), done }
  }
  const flags = npmStartFlags(words)
  if (flags !== undefined) {
    const port = flags.indexOf('--port')
    const done = ports.get(port < 0 ? '8787' : flags[port + 1]!)!.then((url) => `serving ${url}`)
    return { begun: done, done }
  }
  const cli = words[0] === 'tokensim' ? words.slice(1) : words.slice(0, 3).join(' ') === 'npx tsx src/cli.ts' ? words.slice(3) : undefined
  if (cli?.[0] === 'record') {
    const done = runRecord(at, command, cli, local)
    return { begun: done, done }
  }
  if (NOT_RUN_COMMANDS[text] !== undefined) {
    const done = Promise.resolve(undefined)
    return { begun: done, done }
  }
  const done = Promise.reject(new Error(`${at}: neither run (curl, npm start, the CLI's record) nor listed in NOT_RUN_COMMANDS`))
  return { begun: done, done }
}

/** The flags of `npm start` or `npm start -- FLAGS`; undefined for any other command. */
function npmStartFlags(words: readonly string[]): string[] | undefined {
  if (words[0] !== 'npm' || words[1] !== 'start') return undefined
  if (words.length > 2 && words[2] !== '--') throw new Error(`npm start ${words.slice(2).join(' ')}: flags go after "--"`)
  return words.slice(3)
}

async function runCurl(
  at: string,
  command: ShellCommand,
  local: (text: string) => Promise<string>,
  begin: () => void,
  same: Promise<string | undefined> | undefined,
): Promise<string> {
  const request = parseCurl(command.words)
  const url = await local(request.url)
  const headers = new Headers()
  for (const [name, value] of request.headers) headers.append(name, value)
  const response = await fetch(url, { method: request.method, headers, ...(request.body !== undefined ? { body: request.body } : {}) })
  begin()
  const body = await response.text()

  // What the example asks for: the status of a `status:CODE[:S]` fault, an error its sample shows, or success.
  const faults = [request.headers.find(([name]) => name.toLowerCase() === 'x-tokensim-fault')?.[1], new URL(url).searchParams.get('fault')]
    .filter((spec) => spec !== undefined && spec !== null)
    .join(',')
  const status = /(?:^|,)status:(\d{3})(?::(\d+))?/.exec(faults)
  const sample = outputSample(command.after)
  const showsError = sample?.kind === 'object' && sample.members.some(([key]) => key === 'error')
  if (status !== null) {
    expect(response.status, at).toBe(Number(status[1]))
    if (status[2] !== undefined) expect(response.headers.get('retry-after'), `${at}: retry-after`).toBe(status[2])
  } else if (showsError) expect(response.status, `${at}: ${body}`).toBeGreaterThanOrEqual(400)
  else expect(response.ok, `${at}: HTTP ${response.status} ${body}`).toBe(true)

  const mismatch = sample === undefined ? undefined : sampleMismatch(sample, parsed(body))
  if (mismatch !== undefined)
    throw new Error(`${at}: the answer does not fit the sample after it: ${mismatch}\nthe answer: ${body.slice(0, 2000)}`)
  if (response.headers.get('content-type')?.startsWith('text/event-stream') === true) {
    // An in-stream error in any format: native, Responses and Anthropic `event: error`, OpenAI chat and Gemini
    // `data: {"error"...}`, the AI SDK's `{"type":"error"}` chunk. Only an `error-after` fault asks for one.
    const inStreamError = /^event: error$|^data: \{"error"|^data: \{"type":"error"/m.test(body)
    expect(inStreamError, `${at}: an in-stream error ${inStreamError ? 'without' : 'despite'} an error-after fault`).toBe(
      /error-after/.test(faults),
    )
    expect(body, `${at}: the stream ends with a whole event`).toMatch(/\n\n$/)
  }
  if (same !== undefined) expect(body, `${at}: the same stream`).toBe(await same)
  return request.include ? `${response.status}\n${body}` : body
}

/** The sample of the command's output in the comment after it (`# {...}`), if there is one. */
function outputSample(comments: readonly string[]): Sample | undefined {
  const text = comments.join(' ').trim()
  return /^[{[…]/.test(text) ? parseSample(text) : undefined
}

/** The body as JSON; an event stream as the list of its events' JSON data. */
function parsed(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return [...body.matchAll(/^data: (.*)$/gm)].flatMap(([, data]) => {
      try {
        return [JSON.parse(data!) as unknown]
      } catch {
        return []
      }
    })
  }
}

/**
 * `tokensim record ...` in a folder of its own, so its relative `--out` lands there: it must exit with 0, print
 * the line the comment after it shows (the ms aside, which vary), and write a capture --captures reads.
 */
async function runRecord(
  at: string,
  command: ShellCommand,
  args: readonly string[],
  local: (text: string) => Promise<string>,
): Promise<string> {
  const cwd = mkdtempSync(join(work, 'record-'))
  const localArgs = await Promise.all(args.map(local))
  const exit = await runNode([join(ROOT, 'src/cli.ts'), ...localArgs], cwd)
  const output = `${exit.stdout}${exit.stderr}`
  expect(exit.code, `${at}: ${output}`).toBe(0)
  const shown = command.after.find((line) => line.startsWith('tokensim:'))
  if (shown !== undefined) {
    const pattern = new RegExp(
      `^${shown
        .split(/\d+ ms\b/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('\\d+ ms')}$`,
      'm',
    )
    expect(output, `${at}: printed ${JSON.stringify(output)}`).toMatch(pattern)
  }
  const out = args.indexOf('--out')
  if (out >= 0) loadCaptureFile(join(cwd, args[out + 1]!))
  return output
}

// ---- the vendor requests the claims make ----

interface ChatChoice {
  message: { content: string | null; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] }
  finish_reason: string
}

function user(content: unknown): { role: 'user'; content: unknown } {
  return { role: 'user', content }
}

function assistant({ message }: ChatChoice): unknown {
  return { role: 'assistant', content: message.content, ...(message.tool_calls !== undefined ? { tool_calls: message.tool_calls } : {}) }
}

function toolResult({ message }: ChatChoice, content: string): unknown {
  return { role: 'tool', tool_call_id: message.tool_calls?.[0]?.id, content }
}

/** A non-streamed Chat Completions answer. */
async function chat(url: string, messages: readonly unknown[]): Promise<ChatChoice> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages }),
  })
  const body = (await response.json()) as { choices: ChatChoice[] }
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body.choices[0]!
}

/** The text of a non-streamed Anthropic Messages answer. */
async function anthropicText(url: string, request: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, ...request }),
  })
  const body = (await response.json()) as { content: { type: string; text?: string }[] }
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body.content.map((block) => block.text ?? '').join('')
}

function where(block: FencedBlock): string {
  return `${block.file}:${block.line} (\`\`\`${block.lang})`
}

// ---- the tests ----

const runnable = BLOCKS.flatMap((block) => {
  const kind = kindOf(block)
  return NOT_RUN[block.marker] === undefined && kind !== undefined ? [{ block, kind }] : []
})
const runs = new Map<FencedBlock, Promise<{ error?: unknown }>>()

describe('the examples in README.md, docs/*.md and CONTRIBUTING.md', () => {
  beforeAll(() => {
    mkdirSync(join(ROOT, 'test/.docs-examples'), { recursive: true })
    work = mkdtempSync(join(ROOT, 'test/.docs-examples/run-'))
    // Every block at once: most of the time is streams playing at their pace and processes starting.
    for (const { block, kind } of runnable) {
      const run = runBlock(block, kind).then(async (result) => {
        await CLAIMS[block.marker]?.(result)
        return {}
      })
      runs.set(
        block,
        run.catch((error: unknown) => ({ error })),
      )
    }
  })

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL')
    await killChildren()
    await Promise.all(servers.map((server) => server.close()))
    rmSync(work, { recursive: true, force: true })
    try {
      rmdirSync(join(ROOT, 'test/.docs-examples')) // only if no other run is using it
    } catch {
      // another run's folder is still there
    }
  }, 30_000)

  it('are each run or listed in NOT_RUN with a reason, and every table entry names something there', () => {
    const unaccounted = BLOCKS.filter((block) => NOT_RUN[block.marker] === undefined && kindOf(block) === undefined)
    expect(
      unaccounted.map((block) => `${where(block)}: ${block.marker}`),
      'blocks that are neither run nor listed in NOT_RUN',
    ).toEqual([])
    const markers = BLOCKS.map((block) => block.marker)
    const listed = [...Object.keys(NOT_RUN), ...Object.keys(CLAIMS)]
    expect(
      listed.filter((marker) => markers.filter((m) => m === marker).length !== 1),
      'NOT_RUN and CLAIMS markers that name no block, or more than one',
    ).toEqual([])
    const commands = new Set(
      BLOCKS.filter((block) => kindOf(block) === 'sh' && NOT_RUN[block.marker] === undefined).flatMap((block) =>
        parseShell(block.body).map((command) => command.words.join(' ')),
      ),
    )
    expect(
      Object.keys(NOT_RUN_COMMANDS).filter((text) => !commands.has(text)),
      'NOT_RUN_COMMANDS entries no example has',
    ).toEqual([])
  })

  for (const { block, kind } of runnable) {
    it(`${block.file}:${block.line} ${kind}: ${block.marker.slice(block.file.length + 2)}`, async () => {
      const { error } = await runs.get(block)!
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the example threw, as it threw it
      if (error !== undefined) throw error
    }, 60_000)
  }
})

describe("the runner's parsers", () => {
  it('split a sh block as bash would: continuations, quotes, $-strings, comments, separators, paragraphs', () => {
    const script = [
      "curl -N 'http://h/a b' \\",
      "  -H 'k: v' --data-binary $'- x\\n  y: \\'z\\''",
      '# {"a":1}',
      'npm install && npm start     # a remark, not an output',
      '',
      '# lead',
      'npm start -- --port 8788 &',
      'echo "say \\"hi\\""; echo done',
    ].join('\n')
    expect(
      parseShell(script).map(({ words, line, background, paragraph, before, after }) => [
        words,
        line,
        background,
        paragraph,
        before,
        after,
      ]),
    ).toEqual([
      [['curl', '-N', 'http://h/a b', '-H', 'k: v', '--data-binary', "- x\n  y: 'z'"], 1, false, 0, [], ['{"a":1}']],
      [['npm', 'install'], 4, false, 0, ['{"a":1}'], []],
      [['npm', 'start'], 4, false, 0, [], []],
      [['npm', 'start', '--', '--port', '8788'], 7, true, 1, ['lead'], []],
      [['echo', 'say "hi"'], 8, false, 1, [], []],
      [['echo', 'done'], 8, false, 1, [], []],
    ])
    for (const needsShell of ['curl $URL', 'a | b', 'a > b', 'echo "$HOME"', "echo 'open"])
      expect(() => parseShell(needsShell), needsShell).toThrow(ShellSyntaxError)
  })

  it('turn a curl command into the request curl sends', () => {
    expect(parseCurl(['curl', '-sN', 'http://h/x', '-d', '{}'])).toEqual({
      url: 'http://h/x',
      method: 'POST',
      headers: [['content-type', 'application/x-www-form-urlencoded']],
      body: '{}',
      stream: true,
      include: false,
    })
    expect(parseCurl(['curl', '-i', '-X', 'DELETE', 'http://h/x', '-H', 'Content-Type: text/plain', '--data-binary', 'a'])).toEqual({
      url: 'http://h/x',
      method: 'DELETE',
      headers: [['Content-Type', 'text/plain']],
      body: 'a',
      stream: false,
      include: true,
    })
    for (const words of [
      ['curl', '-v', 'http://h'],
      ['curl', 'http://h', 'http://i'],
      ['curl', '-d', '@body.json', 'http://h'],
      ['curl', '-H'],
    ])
      expect(() => parseCurl(words), words.join(' ')).toThrow(CurlOptionError)
  })

  it('read a sample with … and say where an answer does not fit it', () => {
    const fits = (sample: string, actual: unknown): string | undefined => sampleMismatch(parseSample(sample), actual)
    expect(fits('{"a":1,…}', { a: 1, b: 2 })).toBeUndefined()
    expect(fits('{"a":1}', { a: 1, b: 2 })).toBe('$: members the sample does not show: b')
    expect(fits('{"a":"call_…","b":…}', { a: 'call_x1', b: [null] })).toBeUndefined()
    expect(fits('{"a":"call_…"}', { a: 'msg_x1' })).toBe('$.a: got "msg_x1", not "call_…"')
    expect(fits('[…,{"n":"t"},…]', [{ n: 'x' }, { n: 't' }, { n: 'y' }])).toBeUndefined()
    expect(fits('[{"n":"t"}]', [{ n: 'x' }, { n: 't' }])).toBe('$: got [{"n":"x"},{"n":"t"}]: 2 elements, not 1')
    expect(fits('[…,{"n":"t","v":1},…]', [{ n: 't', v: 2 }])).toMatch(/closest: \$\[0\]\.v: got 2, not 1$/)
    expect(fits('… "k":[1] … "f":"s"', { c: [{ m: { k: [1] }, f: 's' }] })).toBeUndefined()
    expect(fits('… "k":[1]', { k: [2] })).toBe(
      `"k" as the sample shows it: …k: no element fits the sample's element 0 in order; closest: …k[0]: got 2, not 1`,
    )
    expect(() => parseSample('{"a":1')).toThrow(SampleSyntaxError)
  })
})
