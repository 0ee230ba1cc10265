/**
 * The machine's own stalls: a loop that only reads the clock, on the server's core, before any server runs.
 * Every gap of 1 ms or more between two readings is time the core was taken from the process (the kernel, other
 * programs, on a VM the hypervisor), which no server can avoid either: the floor under any lateness tail.
 * Prints one JSON line, a StallsReport.
 */
import { parseArgs } from 'node:util'

export interface StallsReport {
  readonly ms: number
  /** Gaps of 1 ms or more, their sum and the longest, in ms. */
  readonly stalls: number
  readonly stalledMs: number
  readonly longestMs: number
}

const { values } = parseArgs({ options: { ms: { type: 'string', default: '3000' } } })
const ms = Number(values.ms)
const start = performance.now()
let last = start
let stalls = 0
let stalledMs = 0
let longestMs = 0
for (let now = start; now - start < ms; now = performance.now()) {
  const gap = now - last
  if (gap >= 1) {
    stalls++
    stalledMs += gap
    longestMs = Math.max(longestMs, gap)
  }
  last = now
}
const report: StallsReport = { ms, stalls, stalledMs, longestMs }
console.log(JSON.stringify(report))
