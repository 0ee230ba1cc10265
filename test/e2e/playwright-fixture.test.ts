/**
 * tokensim/playwright's fixtures in a real `@playwright/test` run (test/fixtures/playwright/): the passing spec's
 * run exits with 0, and a spec with a wrong assertion makes its run fail, showing the text that did stream in.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAvailable } from '../helpers/browser.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'node_modules/@playwright/test/cli.js')
const CONFIG = 'test/fixtures/playwright/playwright.config.ts'
const RUN_MS = 120_000

interface Run {
  readonly code: number | null
  readonly output: string
}

const outputs: string[] = []

/** `playwright test -c CONFIG SPEC`, its exit code and its output (colours off). */
function playwrightTest(spec: string): Promise<Run> {
  const outputDir = mkdtempSync(join(tmpdir(), 'tokensim-playwright-'))
  outputs.push(outputDir)
  const child = spawn(process.execPath, [CLI, 'test', '-c', CONFIG, spec], {
    cwd: ROOT,
    env: { ...process.env, TOKENSIM_PLAYWRIGHT_OUTPUT: outputDir, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_MS)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    }),
  )
}

describe.skipIf(!browserAvailable)('tokensimFixtures in @playwright/test', { timeout: RUN_MS + 10_000 }, () => {
  let runs: Promise<[Run, Run]>
  beforeAll(() => {
    // Both runs at once: each is a Node process and a Chromium, most of their time spent starting.
    runs = Promise.all([playwrightTest('routed.spec.ts'), playwrightTest('fails.spec.ts')])
  })
  afterAll(() => {
    for (const dir of outputs) rmSync(dir, { recursive: true, force: true })
  })

  it('passes a spec that streams scripted answers into a page through the fixture', async () => {
    const [routed] = await runs
    expect(routed.code, routed.output).toBe(0)
    expect(routed.output).toMatch(/\b2 passed\b/)
  })

  it('fails a spec whose assertion the streamed answer does not meet', async () => {
    const [, fails] = await runs
    expect(fails.code, fails.output).toBe(1)
    expect(fails.output).toMatch(/\b1 failed\b/)
    expect(fails.output).toMatch(/Expected: "Goodbye from tokensim\."\s+Received: "Hello from tokensim\."/)
  })
})
