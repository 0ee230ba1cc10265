/**
 * Logging never fails the process: tokensim started with its stdout and stderr read by something that goes
 * away (`tokensim 2>&1 | head -1`) goes on serving after its next log lines fail with EPIPE.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ask, eventually } from '../helpers/ask.js'
import { killChildren, startCli } from '../helpers/cli.js'
import { readSse } from '../helpers/sse.js'

const dirs: string[] = []
afterAll(async () => {
  await killChildren()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('stdout and stderr closed while tokensim runs', () => {
  it('a log line that cannot be written (EPIPE) is dropped; the server and its streams go on', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokensim-closed-output-'))
    dirs.push(dir)
    const scenarios = join(dir, 'scenarios.yaml')
    writeFileSync(scenarios, '- match: { contains: hi }\n  text: First.\n')
    const { url, cli } = await startCli(['--scenarios', scenarios])
    // A stream playing across the failed writes, which must reach its end.
    const playing = fetch(`${url}/stream?reply=greeting&delay=20&ttft=0`)
    // The reader of both pipes goes away, as `head` does after its line.
    cli.child.stdout!.destroy()
    cli.child.stderr!.destroy()

    // A broken edit is logged on stderr; a good one after it on stdout ("reloaded"). Both writes fail.
    writeFileSync(scenarios, '- name: broken\n  match: { matches: "(" }\n  text: x\n')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    writeFileSync(scenarios, '- match: { contains: hi }\n  text: Second.\n')
    await eventually(() => ask(url, 'hi'), 'Second.')
    // And once more after the streams were destroyed by the first failure.
    writeFileSync(scenarios, '- name: broken\n  match: { matches: "(" }\n  text: x\n')
    await new Promise((resolve) => setTimeout(resolve, 1500))

    expect(cli.child.exitCode).toBeNull()
    expect(cli.child.signalCode).toBeNull()
    const { events } = await readSse(await playing)
    expect(events.at(-1)?.event).toBe('done')
    expect(await ask(url, 'hi')).toBe('Second.')
    const again = await readSse(await fetch(`${url}/stream?reply=greeting&delay=0&ttft=0`))
    expect(again.events.at(-1)?.event).toBe('done')
  })
})
