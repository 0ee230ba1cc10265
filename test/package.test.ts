/**
 * tokensim as a package, as someone who installs it gets it: `npm pack` (which builds it), the tarball installed
 * in an empty folder, a strict TypeScript file type-checked against its declarations (with errors it must
 * reject) and then run, starting tokensim through the package and streaming from it; its frontend faces
 * (tokensim/msw, tokensim/playwright, tokensim/vitest) beside the peers an app has; and its `bin`.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
/** Packing builds the package when its build is not current; installing may fetch its dependencies. */
const STEP_MS = 180_000

interface Output {
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command; rejects with its output if it fails. Without the npm_* variables of an outer `npm test`, which would point npm at this repository. */
function run(file: string, args: readonly string[], cwd: string): Promise<Output> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd, env, timeout: STEP_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`))
      else resolve({ stdout, stderr })
    })
  })
}

/** A strict TypeScript file against the package's types: what it may do, and (ts-expect-error) what it may not. */
const CONSUMER = `import { createApp, OptionError, start, type AppOptions, type StartOptions, type Tokensim } from 'tokensim'
import { createApp as createNeutralApp } from 'tokensim/app'

const options: StartOptions = { port: 0, unit: 'word', delay: 0, ttft: 0, maxBody: 100_000, cors: ['http://localhost:5173'] }
const sim: Tokensim = await start(options)
const url: string = sim.url
const port: number = sim.port

const stream = await fetch(\`\${url}/stream?text=\${encodeURIComponent('one two three')}\`)
const streamed = await stream.text()

const chat = await fetch(\`\${url}/v1/chat/completions\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'tokensim', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
})
const chatBody = await chat.text()
await sim.close()

let refused: { name: string; option: string; message: string } | undefined
try {
  await start({ port: 0, maxText: -1 })
} catch (error) {
  if (error instanceof OptionError) refused = { name: error.name, option: error.option, message: error.message }
}

const appOptions: AppOptions = { apiKey: 'k-1', delay: 0, ttft: 0 }
const app = createApp(appOptions)
const unauthorized = await app.request('/stream?text=hi')
const authorized = await app.request('/stream?text=hi', { headers: { authorization: 'Bearer k-1' } })
const appStreamed = await authorized.text()

// @ts-expect-error: a unit is char, word or token
const badUnit: StartOptions = { unit: 'byte' }
// @ts-expect-error: a delay is a number of ms
const badDelay: AppOptions = { delay: 'fast' }
// @ts-expect-error: no such option
const unknown: StartOptions = { colour: 'red' }
// @ts-expect-error: the url is a string
const notNumber: number = sim.url
const sameApp: typeof createApp = createNeutralApp
void [badUnit, badDelay, unknown, notNumber, sameApp]

console.log(
  JSON.stringify({
    url,
    port,
    stream: { status: stream.status, type: stream.headers.get('content-type'), body: streamed },
    chat: { status: chat.status, type: chat.headers.get('content-type'), body: chatBody },
    refused,
    app: { unauthorized: unauthorized.status, authorized: authorized.status, body: appStreamed },
  }),
)
`

/**
 * The frontend faces, as an app that installed msw and playwright-core beside tokensim uses them: tokensim/msw
 * answering an SDK's URL with no server, tokensim/playwright's server and HTTPS front (its certificate made by a
 * dependency the package must bring), and tokensim/vitest's helper as a function.
 */
const FRONTENDS = `import { setupServer } from 'msw/node'
import { tokensimHandlers, type MswOptions } from 'tokensim/msw'
import { startTokensim, type PlaywrightTokensim } from 'tokensim/playwright'
import { useTokensim } from 'tokensim/vitest'

const options: MswOptions = { unit: 'word', delay: 0, ttft: 0, scenarios: [{ match: { contains: 'ping' }, text: 'pong from msw' }] }
const server = setupServer(...tokensimHandlers(options).handlers)
server.listen({ onUnhandledRequest: 'error' })
const mocked = await fetch('https://api.openai.com/v1/chat/completions', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'ping' }] }),
})
const mockedBody = await mocked.text()
server.close()

const sim: PlaywrightTokensim = await startTokensim({ unit: 'word', delay: 0, ttft: 0 })
const front = { http: sim.url, https: sim.httpsUrl }
await sim.close()

// @ts-expect-error: scenarios are rules or their text, not a number
const badScenarios: MswOptions = { scenarios: 3 }
void badScenarios

console.log(JSON.stringify({ mocked: { status: mocked.status, body: mockedBody }, front, vitestHelper: typeof useTokensim }))
`

interface Result {
  url: string
  port: number
  stream: { status: number; type: string; body: string }
  chat: { status: number; type: string; body: string }
  refused?: { name: string; option: string; message: string }
  app: { unauthorized: number; authorized: number; body: string }
}

/** The version of a package installed here. */
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version

const tokensOf = (sse: string): string[] =>
  sse
    .split('\n\n')
    .filter((event) => /^event: token$/m.test(event))
    .map((event) => (JSON.parse(/^data: (.*)$/m.exec(event)![1]!) as { text: string }).text)

describe('tokensim as a package', () => {
  let work = ''
  let app = ''
  const timings: string[] = []
  const step = async <T>(label: string, task: () => Promise<T>): Promise<T> => {
    const begun = performance.now()
    const result = await task()
    timings.push(`${label} ${Math.round(performance.now() - begun)} ms`)
    return result
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tokensim-package-'))
    const packed = await step('npm pack', () => run('npm', ['pack', '--json', '--pack-destination', work], ROOT))
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[/m))) as [{ filename: string }]
    app = join(work, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'uses-tokensim', private: true, type: 'module' }))
    // msw, playwright-core and vitest as an app has them beside tokensim (its optional peers), at this repository's versions
    const peers = ['msw', 'playwright-core', 'vitest'].map((name) => `${name}@${installedVersion(name)}`)
    await step('npm install', () =>
      run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, filename), ...peers], app),
    )
    writeFileSync(join(app, 'consumer.ts'), CONSUMER)
    writeFileSync(join(app, 'frontends.ts'), FRONTENDS)
    // msw's and Playwright's declarations name the DOM's types, as the apps that use them have; their own
    // declarations are theirs to check
    writeFileSync(
      join(app, 'tsconfig.frontends.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { lib: ['ES2023', 'DOM'], skipLibCheck: true },
        files: ['frontends.ts'],
      }),
    )
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          // Node's types from this repository: the consumer has its own in real life.
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
          outDir: 'out',
        },
        files: ['consumer.ts'],
      }),
    )
  }, 2 * STEP_MS)

  afterAll(() => {
    console.log(`package test: ${timings.join(', ')}`)
    if (work !== '') rmSync(work, { recursive: true, force: true })
  })

  it(
    'type-checks a strict file against its declarations, then runs it: start() streams /stream and a vendor route, createApp() answers',
    { timeout: STEP_MS },
    async () => {
      await step('tsc', () => run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], app))
      const { stdout } = await step('run', () => run(process.execPath, [join(app, 'out/consumer.js')], app))
      const result = JSON.parse(stdout) as Result
      expect(result.url).toBe(`http://127.0.0.1:${result.port}`)
      expect(result.port).toBeGreaterThan(0)
      expect(result.stream).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/event-stream/) })
      expect(tokensOf(result.stream.body)).toEqual(['one ', 'two ', 'three'])
      expect(result.chat).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/event-stream/) })
      expect(result.chat.body).toMatch(/"object":"chat\.completion\.chunk"/)
      expect(result.chat.body.trimEnd().endsWith('data: [DONE]')).toBe(true)
      expect(result.refused).toEqual({
        name: 'OptionError',
        option: 'maxText',
        message: expect.stringMatching(/^maxText must be a whole number from 0 to \d+; got -1$/),
      })
      expect(result.app).toMatchObject({ unauthorized: 401, authorized: 200 })
      expect(tokensOf(result.app.body).join('')).toBe('hi')
    },
  )

  it(
    'tokensim/msw answers an SDK URL with no server; tokensim/playwright starts a server and its HTTPS front; tokensim/vitest loads',
    { timeout: STEP_MS },
    async () => {
      await step('tsc frontends', () =>
        run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(app, 'tsconfig.frontends.json')], app),
      )
      const { stdout } = await step('run frontends', () => run(process.execPath, [join(app, 'out/frontends.js')], app))
      const result = JSON.parse(stdout) as {
        mocked: { status: number; body: string }
        front: { http: string; https: string }
        vitestHelper: string
      }
      expect(result.mocked.status).toBe(200)
      const text = result.mocked.body
        .split('\n\n')
        .filter((event) => event.startsWith('data: {'))
        .map((event) => (JSON.parse(event.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
        .join('')
      expect(text).toBe('pong from msw')
      expect(result.front.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(result.front.https).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(result.vitestHelper).toBe('function')
    },
  )

  it('tokensim/app bundles for a runtime without node:* (esbuild, platform neutral) and answers there', { timeout: STEP_MS }, async () => {
    writeFileSync(
      join(app, 'neutral.js'),
      [
        "import { createApp } from 'tokensim/app'",
        "const response = await createApp({ unit: 'word', delay: 0, ttft: 0 }).fetch(new Request('http://tokensim/stream?text=on%20any%20runtime'))",
        'console.log(JSON.stringify({ status: response.status, body: await response.text() }))',
      ].join('\n'),
    )
    const esbuild = join(ROOT, 'node_modules/esbuild/bin/esbuild')
    const flags = ['--bundle', '--format=esm', '--platform=neutral', '--main-fields=module,main', '--outfile=out/neutral.mjs']
    await step('esbuild', () => run(esbuild, ['neutral.js', ...flags], app))
    const { stdout } = await run(process.execPath, [join(app, 'out/neutral.mjs')], app)
    const { status, body } = JSON.parse(stdout) as { status: number; body: string }
    expect(status).toBe(200)
    expect(tokensOf(body)).toEqual(['on ', 'any ', 'runtime'])
  })

  it('installs the tokensim command', { timeout: STEP_MS }, async () => {
    const { stdout } = await run(join(app, 'node_modules/.bin/tokensim'), ['--version'], app)
    expect(stdout).toBe(`${version}\n`)
  })
})
