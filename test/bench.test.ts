/** The benchmark's smoke mode, so the script cannot rot: it must run and report on every stream it opened. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

it('npm run bench -- --quick runs and reports lateness and rate', async () => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/timing.ts', '--quick'], {
    cwd: root,
    timeout: 60_000,
  })
  const lines = stdout.trim().split('\n')
  expect(lines).toHaveLength(2)
  for (const line of lines)
    expect(line).toMatch(/lateness p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms; delivered rate median [\d.]+ units\/s \(asked 50\)/)
})
