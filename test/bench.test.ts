/** The benchmark's smoke mode, so the script cannot rot: every server starts, streams and is measured, and tokensim churns. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { windowLateness, type Buckets } from '../bench/clock-lateness.js'

it('npm run bench -- --quick measures tokensim and its peers, every vendor route, and a churn', { timeout: 150_000 }, async () => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick'], {
    cwd: root,
    timeout: 140_000,
  })
  const [cadence, churn] = stdout.split('\nquick churn:')
  expect(churn, 'the churn table').toBeDefined()
  const rows = cadence!.split('\n').filter((line) => /^\| (floor|node|hono|tokensim)/.test(line))
  expect(rows.map((row) => row.split('|')[1]!.trim())).toEqual(['floor (only sends)', 'node:http minimal', 'hono streamSSE', 'tokensim'])
  for (const row of rows) {
    const cells = row.split('|').map((cell) => cell.trim())
    expect(Number(cells[2]), row).toBeGreaterThan(0) // events/s
    expect(Number(cells[10]), row).toBe(0) // refused
  }
  // tokensim's row has lateness figures from the client and from inside the server, and a rate (the floor's
  // events carry no schedule).
  const tokensim = rows
    .at(-1)!
    .split('|')
    .map((cell) => cell.trim())
  expect(tokensim[5], 'lateness at the client').toMatch(/^[\d.]+ \/ [\d.]+ \/ [\d.]+$/)
  expect(tokensim[6], 'lateness in the server').toMatch(/^[\d.]+ \/ [\d.]+ \/ [\d.]+$/)
  expect(Number(tokensim[8]), 'rate').toBeGreaterThan(0)

  // The vendor series: every route streamed the same answer to every client, none refused.
  const vendor = cadence!.split('\nquick vendor routes:')[1]
  expect(vendor, 'the vendor table').toBeDefined()
  const routes = vendor!.split('\n').filter((line) => /^\| (GET|chat|responses|anthropic|gemini|ai sdk)/.test(line))
  expect(routes.map((route) => route.split('|')[1]!.trim())).toEqual([
    'GET /stream',
    'chat completions',
    'responses',
    'anthropic messages',
    'gemini',
    'ai sdk /api/chat',
  ])
  for (const route of routes) {
    const cells = route.split('|').map((cell) => cell.trim())
    expect(Number(cells[2]), route).toBeGreaterThan(0) // events/s
    expect(Number(cells[5]), route).toBeGreaterThan(0) // CPU ms to open
    expect(Number(cells[11]), route).toBe(0) // refused
    // The server's clock lateness, read off GET /metrics for every route alike: a p99 and a share in percent.
    expect(Number(cells[13]), route).toBeGreaterThanOrEqual(0)
    expect(Number(cells[14]), route).toBeGreaterThanOrEqual(0)
    expect(Number(cells[14]), route).toBeLessThanOrEqual(100)
  }
  // aimock (bench/peers/aimock.ts) on the chat completions request, the row after tokensim's: it answered every
  // stream (a request its fixture did not match would have had a 404 and no events).
  const aimock = vendor!.split('\n').find((line) => line.startsWith('| aimock chat completions'))
  expect(aimock, 'the aimock row').toBeDefined()
  const aimockCells = aimock!.split('|').map((cell) => cell.trim())
  expect(Number(aimockCells[2]), aimock).toBeGreaterThan(0) // events/s
  expect(Number(aimockCells[11]), aimock).toBe(0) // refused

  // The churn's row: every stream went as planned, the probe reported the heap, and a stream played afterwards.
  // Whether anything stayed behind is test/server/churn.test.ts's to say; here the figures only have to be there.
  const row = churn!.split('\n').find((line) => line.startsWith('| tokensim'))
  expect(row, 'the churn row').toBeDefined()
  const cells = row!.split('|').map((cell) => cell.trim())
  expect(Number(cells[2]), row).toBe(1000) // streams
  expect(Number(cells[5]), row).toBeGreaterThan(0) // server CPU ms per stream
  expect(Number(cells[6]), row).toBe(0) // failed
  expect(cells[7], row).toMatch(/^[\d.]+ \/ [\d.]+ \/ [\d.]+$/) // heap MB before / peak / after
  expect(Number(cells[9]), row).toBeGreaterThanOrEqual(0) // sockets left
  expect(cells[12], row).toBe('ok') // then
})

it("reads the server's lateness in a window off two scrapes of its histogram", () => {
  const bounds = [1, 2, 5, 10, 25, Infinity]
  const scrape = (...cumulative: number[]): Buckets => bounds.map((bound, i) => [bound, cumulative[i]!] as const)
  // Between the two: 1,000 firings, 900 within 1 ms, 80 in (1, 2], 10 in (2, 5], 10 in (5, 10].
  const before = scrape(100, 100, 100, 100, 100, 100)
  const after = scrape(1000, 1080, 1090, 1100, 1100, 1100)
  const { count, p99, over5 } = windowLateness(before, after)
  expect(count).toBe(1000)
  expect(over5).toBeCloseTo(1, 10)
  // Rank 990 lies in (2, 5], which holds ranks 981 to 990: its upper bound.
  expect(p99).toBeCloseTo(5, 10)
  // 990 firings, 20 of them in (5, 10]: rank 980.1 lies 10.1 of 20 into that bucket.
  expect(windowLateness(before, scrape(990, 1060, 1070, 1090, 1090, 1090)).p99).toBeCloseTo(5 + 5 * ((0.99 * 990 - 970) / 20), 10)
  expect(windowLateness(before, before)).toEqual({ count: 0, p99: null, over5: null })
  // Past the last finite bound, the bound itself.
  expect(windowLateness(before, scrape(100, 100, 100, 100, 100, 200)).p99).toBe(25)
})
