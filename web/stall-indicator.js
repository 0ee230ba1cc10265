/**
 * Stalls, seen while they happen: once a stream has sent something, a silence longer than three times its
 * running median gap (the gap it is meant to take, until it has gaps of its own), and at least 500 ms, shows
 * "no token for N.N s", growing every 100 ms, in the figures that follow the stream (the panel's, a compare
 * pane's). The next unit ends it, and the stall is recorded: "stalled 4.0 s after token 20", in those figures
 * and in a notice under the reply. Every unit the stream carries counts as an arrival: visible text,
 * reasoning and a tool call's arguments.
 */
import { addNotice } from './chat.js'
import { el } from './dom.js'
import { everyTick } from './ticker.js'

/** No silence shorter than this is a stall, however steady the stream. */
export const STALL_FLOOR_MS = 500
/** A silence is a stall past this many times the stream's median gap. */
const STALL_FACTOR = 3

/** A tick this late (its timer is every 100 ms) finds the page itself held up: it shows nothing. */
const LATE_TICK_MS = 300

/**
 * The silence past which a stream with that median gap is stalled.
 * @param {number | null} median  ms; null or not a number: none known yet
 */
export function stallThreshold(median) {
  return Math.max(STALL_FLOOR_MS, median !== null && Number.isFinite(median) && median > 0 ? STALL_FACTOR * median : 0)
}

/** @param {number} ms */
export const formatStall = (ms) => `${(ms / 1000).toFixed(1)} s`

/**
 * A stall that ended: how long the silence was and the index of the last unit before it.
 * @typedef {{ ms: number, after: number }} Stall
 */

/**
 * The arrivals of one stream and what they say of its silences (no DOM: a table test can drive it).
 */
export class StallWatch {
  /** @param {number} [expectedGap]  ms the stream is meant to take between events, the median until it has gaps */
  constructor(expectedGap) {
    this.expected = expectedGap !== undefined && Number.isFinite(expectedGap) && expectedGap > 0 ? expectedGap : null
    /** @type {number[]} the gaps between arrivals so far, sorted */
    this.sorted = []
    /** @type {number | null} */
    this.lastAt = null
    this.units = 0
    /** @type {Stall[]} */
    this.stalls = []
  }

  /** The running median gap (the expected one before the first gap), or null. */
  median() {
    const { sorted } = this
    const n = sorted.length
    if (n === 0) return this.expected
    const mid = n >> 1
    const upper = /** @type {number} */ (sorted[mid])
    const lower = sorted[mid - 1] ?? upper
    return n % 2 === 1 ? upper : (lower + upper) / 2
  }

  /** The silence past which the stream is stalled; null while it has no median gap to go by. */
  threshold() {
    const median = this.median()
    return median === null ? null : stallThreshold(median)
  }

  /**
   * An event with `units` units arrived at `at`; returns the stall it ended, if the silence before it was one.
   * @param {number} at
   * @param {number} [units]
   * @returns {Stall | null}
   */
  arrive(at, units = 1) {
    /** @type {Stall | null} */
    let stall = null
    if (this.lastAt !== null) {
      const gap = at - this.lastAt
      const threshold = this.threshold()
      if (threshold !== null && gap >= threshold) {
        stall = { ms: gap, after: this.units - 1 }
        this.stalls.push(stall)
      }
      insertSorted(this.sorted, gap)
    }
    this.lastAt = at
    this.units += Math.max(1, units)
    return stall
  }

  /**
   * How long the stream has been silent at `now`, when that is a stall; else null (nothing arrived yet, no
   * median gap to go by yet, or the silence is still within the threshold).
   * @param {number} now
   */
  silence(now) {
    const threshold = this.threshold()
    if (this.lastAt === null || threshold === null) return null
    const ms = now - this.lastAt
    return ms >= threshold ? ms : null
  }
}

/**
 * @param {number[]} sorted
 * @param {number} value
 */
function insertSorted(sorted, value) {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (/** @type {number} */ (sorted[mid]) <= value) lo = mid + 1
    else hi = mid
  }
  sorted.splice(lo, 0, value)
}

/**
 * The indicator line of a set of figures, right after them: made once, reused by the streams that follow.
 * @param {HTMLElement} figures
 */
export function stallLine(figures) {
  const next = figures.nextElementSibling
  if (next instanceof HTMLElement && next.classList.contains('stall-indicator')) return next
  const line = el('p', 'stall-indicator')
  line.setAttribute('role', 'status')
  line.dataset.stall = 'none'
  line.hidden = true
  figures.after(line)
  return line
}

/**
 * @param {HTMLElement} line
 * @param {'none' | 'live' | 'recorded'} state
 * @param {string} text
 */
function show(line, state, text) {
  if (line.dataset.stall !== state) line.dataset.stall = state
  if (line.textContent !== text) line.textContent = text
  line.hidden = state === 'none'
}

/**
 * The stall indicator of one stream: its lines (one per set of figures that follows it) and the notice under
 * its reply.
 */
export class StallIndicator {
  /**
   * @param {object} options
   * @param {HTMLElement[]} options.lines   stallLine()s to write to
   * @param {import('./chat.js').AssistantMessage} options.msg   where the stalls are recorded once over
   * @param {string} options.unit           'token', 'word' or 'char'
   * @param {number} [options.expectedGap]  ms between events the stream is meant to take
   */
  constructor({ lines, msg, unit, expectedGap }) {
    this.lines = lines
    this.msg = msg
    this.unit = unit
    this.watch = new StallWatch(expectedGap)
    /** @type {HTMLElement | null} */
    this.notice = null
    /** @type {(() => void) | null} */
    this.stop = null
    /** @type {number | null} when the last tick ran */
    this.tickAt = null
    for (const line of lines) show(line, 'none', '')
  }

  /**
   * Units arrived: a silence that was a stall is over, and recorded.
   * @param {number} at
   * @param {number} [units]
   */
  arrive(at, units = 1) {
    const stall = this.watch.arrive(at, units)
    this.stop ??= everyTick((now) => this.tick(now))
    if (stall === null) {
      // the live line goes with the silence; a recorded one stays
      for (const line of this.lines) if (line.dataset.stall === 'live') show(line, 'none', '')
      return
    }
    const text = this.recorded()
    for (const line of this.lines) show(line, 'recorded', text)
    this.record()
  }

  /** @param {number} now */
  tick(now) {
    // A tick far behind its time is the page's own hold-up: the units that came meanwhile may still wait in
    // line behind it, so the next tick (after them) says whether the stream is silent.
    const late = this.tickAt !== null && now - this.tickAt > LATE_TICK_MS
    this.tickAt = now
    if (late) return
    const ms = this.watch.silence(now)
    if (ms === null) return
    const text = `no ${this.unit} for ${formatStall(ms)}`
    for (const line of this.lines) show(line, 'live', text)
  }

  /** The stream is over: nothing grows any more (a silence at its end is not a stall). */
  end() {
    this.stop?.()
    this.stop = null
    for (const line of this.lines) if (line.dataset.stall === 'live') show(line, 'none', '')
  }

  /** What the figures say once a stall is over: the last one, and how many there were. */
  recorded() {
    const { stalls } = this.watch
    const last = /** @type {Stall} */ (stalls.at(-1))
    const text = `stalled ${formatStall(last.ms)} after ${this.unit} ${last.after}`
    if (stalls.length === 1) return text
    const longest = stalls.reduce((a, b) => (b.ms > a.ms ? b : a))
    return `${text} · ${stalls.length} stalls, longest ${formatStall(longest.ms)}`
  }

  /** The notice under the reply: every stall, up to five of them. */
  record() {
    const { stalls } = this.watch
    const each = stalls.slice(0, 5).map((s) => `${formatStall(s.ms)} after ${this.unit} ${s.after}`)
    const more = stalls.length > 5 ? `, and ${stalls.length - 5} more` : ''
    const text = stalls.length === 1 ? `Stalled ${each[0]}` : `Stalled ${stalls.length} times: ${each.join(', ')}${more}`
    if (this.notice === null) this.notice = addNotice(this.msg, text, 'stall')
    else this.notice.textContent = text
  }
}

/**
 * Hides the stall line after a set of figures, if it has one (a new conversation).
 * @param {HTMLElement} figures
 */
export function clearStallLine(figures) {
  const next = figures.nextElementSibling
  if (next instanceof HTMLElement && next.classList.contains('stall-indicator')) show(next, 'none', '')
}
