/**
 * A headless Firefox for the page's Firefox tests, driven through WebDriver BiDi by puppeteer-core (which, unlike
 * puppeteer, ships and downloads no browser): the system's Firefox (Debian's `firefox-esr` package) at
 * /usr/bin/firefox-esr, or wherever FIREFOX_PATH says.
 *
 * Without one the Firefox tests are skipped with a loud warning on a developer's machine, and fail under CI
 * (CI=true), where a missing browser is a broken set-up, not a reason to go green.
 */
import { existsSync } from 'node:fs'
import puppeteer, { type Browser } from 'puppeteer-core'

const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr'

/** Whether the Firefox tests can run here; throws under CI when they cannot. */
export const firefoxAvailable: boolean = checkFirefox()

function checkFirefox(): boolean {
  if (existsSync(FIREFOX_PATH)) return true
  const why = `no Firefox at ${FIREFOX_PATH}; install Debian's firefox-esr (apt-get install firefox-esr) or set FIREFOX_PATH`
  if (process.env.CI === 'true') throw new Error(`Firefox tests cannot run: ${why}.`)
  const line = '!'.repeat(78)
  console.warn(`\n${line}\n!!  FIREFOX TESTS SKIPPED: ${why}\n${line}\n`)
  return false
}

/** A headless Firefox over WebDriver BiDi, its pages 1280x800 unless a test sets another size. */
export async function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    defaultViewport: { width: 1280, height: 800 },
  })
}
