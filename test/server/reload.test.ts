/** The data files are read again when they change on disk: a good edit takes effect, a broken one keeps the last good version. */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ask, eventually } from '../helpers/ask.js'
import { killChildren, startCli, type Cli } from '../helpers/cli.js'

afterAll(killChildren)

const waitForStderr = async (cli: Cli, pattern: RegExp, ms = 10_000): Promise<void> => {
  const until = Date.now() + ms
  while (Date.now() < until && !pattern.test(cli.stderr())) await new Promise((resolve) => setTimeout(resolve, 100))
  expect(cli.stderr()).toMatch(pattern)
}

describe('reloading the data files', () => {
  it('takes a good edit of --scenarios and --replies, keeps the last good version after a broken one', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokensim-reload-'))
    const scenarios = join(dir, 'scenarios.yaml')
    const replies = join(dir, 'replies.json')
    writeFileSync(scenarios, '- match: { contains: hi }\n  text: First.\n')
    writeFileSync(replies, JSON.stringify([{ name: 'mine', text: 'Mine, first.' }]))
    const { url, cli } = await startCli(['--scenarios', scenarios, '--replies', replies])
    expect(await ask(url, 'hi')).toBe('First.')

    // An editor's save: a new file renamed over the old one.
    writeFileSync(`${scenarios}.tmp`, '- match: { contains: hi }\n  text: Second.\n- match: { contains: mine }\n  reply: mine\n')
    renameSync(`${scenarios}.tmp`, scenarios)
    await eventually(() => ask(url, 'hi'), 'Second.')
    writeFileSync(replies, JSON.stringify([{ name: 'mine', text: 'Mine, second.' }]))
    await eventually(() => ask(url, 'mine'), 'Mine, second.')

    writeFileSync(scenarios, '- name: broken\n  match: { matches: "(" }\n  text: x\n')
    await waitForStderr(
      cli,
      /--scenarios .*scenarios\.yaml: rule "broken" \(#1\): match\.matches: not a valid regular expression.*; kept the last good version/,
    )
    expect(await ask(url, 'hi')).toBe('Second.')
    // A reply the scenarios need, taken away: refused as a whole, so the two files stay consistent.
    writeFileSync(scenarios, '- match: { contains: mine }\n  reply: mine\n')
    writeFileSync(replies, JSON.stringify([{ name: 'other', text: 'x' }]))
    await waitForStderr(cli, /no reply named "mine".*; kept the last good version/)
    expect(await ask(url, 'mine')).toBe('Mine, second.')
    expect(cli.stdout()).toMatch(/tokensim: reloaded /)
  })
})
