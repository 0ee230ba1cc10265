/**
 * The live figures of one stream: the three moments of its start (headers received, first event of any kind,
 * first visible text), units per second, elapsed time, counts, reconnects, and the gaps between its token
 * events as they arrived (for the measured distribution, percentiles.js) and each event's arrival (for the
 * export, export.js). Every moment is fed in as taken where the stream is read (the arrivals worker), not when
 * the page got round to it.
 */

/**
 * @typedef {object} Snapshot
 * @property {number | null} headers   ms from Send to the response headers (fetch resolved, EventSource open)
 * @property {number | null} firstByte ms from Send to the first event of any kind
 * @property {number | null} ttft      ms from Send to the first token event
 * @property {number | null} tps       units received per second since the first token
 * @property {number} elapsed          ms since Send (frozen when the stream ends)
 * @property {number} units            units received
 * @property {number | null} total     units in the reply, when known
 * @property {number} reconnects
 *
 * @typedef {object} Arrival
 * @property {number} index     the index of its first unit
 * @property {number} units
 * @property {number} at        ms after Send
 * @property {number} t         the server's scheduled offset, ms (NaN when the format carries none)
 * @property {boolean} resumed  the first event after a reconnect
 */

export class StreamStats {
  /** @param {number} sentAt performance.now() at Send */
  constructor(sentAt) {
    this.sentAt = sentAt
    /** @type {number | null} */ this.headersAt = null
    /** @type {number | null} */ this.byteAt = null
    /** @type {number | null} */ this.firstAt = null
    /** @type {number | null} */ this.lastAt = null
    /** @type {number | null} */ this.endedAt = null
    /** @type {number | null} */ this.total = null
    this.units = 0
    this.events = 0
    this.reconnects = 0
    /**
     * The gap before each token event but the first, per unit (an event of 3 units after 60 ms counts 20 ms),
     * in ms; the first event after a reconnect is left out (its gap is the reconnection's, not the stream's).
     * @type {number[]}
     */
    this.gaps = []
    /**
     * Every token event as it arrived: the index of its first unit, its units, its arrival (`at`, ms after
     * Send, as taken where the stream is read), the server's scheduled offset `t` (native only, else NaN) and
     * whether it was the first after a reconnect.
     * @type {Arrival[]}
     */
    this.arrivals = []
  }

  /**
   * Records a token event and returns the gap since the previous one (since Send, for the first).
   * @param {number} units
   * @param {number} now
   * @param {boolean} [resumed]  the first event after a reconnect
   * @param {number} [index]     the index of its first unit (the units so far, by default)
   * @param {number} [t]         the server's scheduled offset, when the event carries one
   */
  token(units, now, resumed = false, index = this.units, t = Number.NaN) {
    const gap = now - (this.lastAt ?? this.sentAt)
    if (this.lastAt !== null && !resumed) this.gaps.push(gap / Math.max(units, 1))
    this.arrivals.push({ index, units, at: now - this.sentAt, t, resumed })
    this.firstAt ??= now
    this.lastAt = now
    this.units += units
    this.events += 1
    return gap
  }

  /** The response headers arrived (only the first connection's count). @param {number} now */
  opened(now) {
    this.headersAt ??= now
  }

  /** An event of any kind arrived. @param {number} now */
  byte(now) {
    this.headersAt ??= now // a stream whose opening went unseen had its headers by now
    this.byteAt ??= now
  }

  /** @param {number} now */
  end(now) {
    this.endedAt ??= now
  }

  /**
   * @param {number} now
   * @returns {Snapshot}
   */
  snapshot(now) {
    const at = this.endedAt ?? now
    const since = this.firstAt === null ? 0 : at - this.firstAt
    return {
      headers: this.headersAt === null ? null : this.headersAt - this.sentAt,
      firstByte: this.byteAt === null ? null : this.byteAt - this.sentAt,
      ttft: this.firstAt === null ? null : this.firstAt - this.sentAt,
      tps: this.firstAt === null || since <= 0 ? null : this.units / (since / 1000),
      elapsed: at - this.sentAt,
      units: this.units,
      total: this.total,
      reconnects: this.reconnects,
    }
  }
}

/** @param {number | null} ms */
export const formatMs = (ms) => (ms === null ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`)

/** @param {number} ms */
export const formatSeconds = (ms) => `${(ms / 1000).toFixed(1)} s`

/** @param {number | null} rate */
export const formatRate = (rate) => (rate === null ? '—' : rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1))

/** @param {number} units @param {number | null} total */
export const formatCount = (units, total) => (total === null ? String(units) : `${units} / ${total}`)

/**
 * Writes a snapshot into the elements marked `data-figure="..."` under root (only the ones that changed).
 * @param {ParentNode} root
 * @param {Snapshot | null} s  null clears the figures
 */
export function renderFigures(root, s) {
  /** @type {Record<string, string>} */
  const values =
    s === null
      ? { headers: '—', byte: '—', ttft: '—', tps: '—', elapsed: '—', count: '—', reconnects: '0' }
      : {
          headers: formatMs(s.headers),
          byte: formatMs(s.firstByte),
          ttft: formatMs(s.ttft),
          tps: formatRate(s.tps),
          elapsed: formatSeconds(s.elapsed),
          count: formatCount(s.units, s.total),
          reconnects: String(s.reconnects),
        }
  for (const [name, value] of Object.entries(values)) {
    const el = root.querySelector(`[data-figure="${name}"]`)
    if (el && el.textContent !== value) el.textContent = value
  }
}

/**
 * A one-line summary for the foot of a finished reply.
 * @param {Snapshot} s
 * @param {string} unit
 */
export function summary(s, unit) {
  const parts = [`${s.units} ${unit}${s.units === 1 ? '' : 's'}`]
  if (s.ttft !== null) parts.push(`TTFT ${formatMs(s.ttft)}`)
  if (s.tps !== null) parts.push(`${formatRate(s.tps)} ${unit}s/s`)
  parts.push(formatSeconds(s.elapsed))
  if (s.reconnects > 0) parts.push(`${s.reconnects} reconnect${s.reconnects === 1 ? '' : 's'}`)
  return parts.join(' · ')
}
