/**
 * A headless Chromium for the browser tests, driven by playwright-core (which ships no browser of its own): the
 * system's Chromium (Debian's `chromium` package) at /usr/bin/chromium, or wherever CHROMIUM_PATH says.
 *
 * Without one the browser tests are skipped with a loud warning on a developer's machine, and fail under CI
 * (CI=true), where a missing browser is a broken set-up, not a reason to go green.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
]

/** Whether the browser tests can run here; throws under CI when they cannot. */
export const browserAvailable: boolean = checkBrowser()

function checkBrowser(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true
  const why = `no Chromium at ${CHROMIUM_PATH}; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`
  if (process.env.CI === 'true') throw new Error(`Browser tests cannot run: ${why}.`)
  const line = '!'.repeat(78)
  console.warn(`\n${line}\n!!  BROWSER TESTS SKIPPED: ${why}\n${line}\n`)
  return false
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] })
}
