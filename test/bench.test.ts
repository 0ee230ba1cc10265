/** The benchmark's smoke mode, so the script cannot rot: every server starts, streams and is measured. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

it('npm run bench -- --quick measures tokensim and its peers', { timeout: 120_000 }, async () => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick'], {
    cwd: root,
    timeout: 110_000,
  })
  const rows = stdout.split('\n').filter((line) => /^\| (floor|node|hono|tokensim)/.test(line))
  expect(rows.map((row) => row.split('|')[1]!.trim())).toEqual(['floor (only sends)', 'node:http minimal', 'hono streamSSE', 'tokensim'])
  for (const row of rows) {
    const cells = row.split('|').map((cell) => cell.trim())
    expect(Number(cells[2]), row).toBeGreaterThan(0) // events/s
    expect(Number(cells[8]), row).toBe(0) // refused
  }
  // tokensim's row has lateness and rate figures (the floor's events carry no schedule).
  expect(rows.at(-1)).toMatch(/\| [\d.]+ \/ [\d.]+ \/ [\d.]+ \| [\d.]+ \|/)
})
