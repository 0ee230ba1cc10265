/**
 * The buffering detector: tells when something between the server and the browser (a proxy, compression, a
 * dev-server middleware) holds a stream back and lets it go in bursts. The native token events carry `t`, the
 * offset in ms after the response started at which the server sent them; a buffered stream shows as a long
 * silence, then many events arriving within a millisecond or two of each other although their `t` values were
 * spread out. Pure (no DOM, no clock): fed numbers, it gives numbers, so a table of cases can test it.
 *
 * A burst is a run of events each arriving at most `window` ms after the one before: a held-back buffer comes
 * out within a millisecond or two per event, but its reading may be split across a few reads of the body (or,
 * where the page reads a stream on its own thread, a frame may fall between two of them), so the window is a
 * frame or so wide; once it counts as buffering, a longer pause in its reading (a thread held up for a moment)
 * does not end it, if shorter than the silence that could precede another. It counts as buffering when it holds
 * at least `minEvents` events, their `t` values span at least `minScheduledMs`, they arrived in at most
 * `maxCompression` of that span (a paced stream, however dense, arrives as spread out as it was sent), and the
 * silence before the burst lasted at least `minWaitRatio` of that span (a buffer fills while nothing arrives).
 * A main thread busy for a few frames, or a server that falls behind for a moment and catches up (its first
 * o200k_base tokenization, say), also delivers events in a heap, but only a short span's worth of them:
 * `minScheduledMs` keeps that from counting. A proxy's buffer (nginx's is 4 or 8 KB: a hundred native events)
 * or a compressor holding the whole response spans far more.
 */

/**
 * @typedef {object} BufferingOptions
 * @property {number} window          ms between two arrivals that still makes them one burst
 * @property {number} minEvents
 * @property {number} minScheduledMs
 * @property {number} maxCompression  arrival span / scheduled span, at most
 * @property {number} minWaitRatio    silence before the burst / scheduled span, at least
 */

/** @type {Readonly<BufferingOptions>} */
export const BUFFERING_DEFAULTS = Object.freeze({ window: 25, minEvents: 8, minScheduledMs: 500, maxCompression: 0.1, minWaitRatio: 0.5 })

/**
 * @typedef {object} Burst
 * @property {number} first        index of its first event (counted from the start, or from the last reset)
 * @property {number} count        events in it
 * @property {number} scheduledMs  the span of their `t` values
 * @property {number} arrivalMs    the span of their arrivals
 * @property {number} waitMs       the silence before it: since the event before, or since the start
 */

/**
 * An incremental detector, fed one event at a time as it arrives.
 * @param {number} startAt  when the stream was asked for, on the clock of the arrivals
 * @param {Partial<BufferingOptions>} [options]
 */
export function createBufferingDetector(startAt, options = {}) {
  const o = { ...BUFFERING_DEFAULTS, ...options }
  let previousAt = startAt
  let index = 0
  /** @type {{ first: number, count: number, minT: number, maxT: number, firstAt: number, lastAt: number, waitMs: number, counted: boolean } | null} */
  let run = null
  // a burst that counts goes on across a pause shorter than the shortest silence that could start another: the
  // reading of one flush can be held up that long (a busy thread), a new flush cannot come sooner
  const pause = o.minScheduledMs * o.minWaitRatio

  return {
    /**
     * Records an event: `t` its scheduled offset, `at` its arrival. Returns the burst it belongs to when that
     * burst counts as buffering (again, grown, for each later event of the same burst), else null.
     * @param {number} t
     * @param {number} at
     * @returns {Burst | null}
     */
    push(t, at) {
      const i = index++
      const wait = at - previousAt
      previousAt = at
      if (!Number.isFinite(t) || !Number.isFinite(at)) {
        run = null
        return null
      }
      if (run !== null && (wait <= o.window || (run.counted && wait < pause))) {
        run.count += 1
        run.minT = Math.min(run.minT, t)
        run.maxT = Math.max(run.maxT, t)
        run.lastAt = at
      } else {
        run = { first: i, count: 1, minT: t, maxT: t, firstAt: at, lastAt: at, waitMs: wait, counted: false }
      }
      const scheduledMs = run.maxT - run.minT
      const arrivalMs = run.lastAt - run.firstAt
      const buffered =
        run.count >= o.minEvents &&
        scheduledMs >= o.minScheduledMs &&
        arrivalMs <= scheduledMs * o.maxCompression &&
        run.waitMs >= scheduledMs * o.minWaitRatio
      run.counted = buffered
      return buffered ? { first: run.first, count: run.count, scheduledMs, arrivalMs, waitMs: run.waitMs } : null
    },

    /** Starts over (a new connection: its `t` values count from its own start). @param {number} at */
    reset(at) {
      previousAt = at
      index = 0
      run = null
    },
  }
}

/**
 * The bursts in a whole list of arrivals that count as buffering, each as it was at its last event.
 * @param {readonly { t: number, at: number }[]} events  in order of arrival
 * @param {number} [startAt]  when the stream was asked for (0: the arrivals count from it)
 * @param {Partial<BufferingOptions>} [options]
 * @returns {Burst[]}
 */
export function findBursts(events, startAt = 0, options = {}) {
  const detector = createBufferingDetector(startAt, options)
  /** @type {Burst[]} */
  const bursts = []
  for (const { t, at } of events) {
    const burst = detector.push(t, at)
    if (burst === null) continue
    if (bursts.at(-1)?.first === burst.first) bursts[bursts.length - 1] = burst
    else bursts.push(burst)
  }
  return bursts
}

/**
 * One line on a burst for the page.
 * @param {Burst} burst
 */
export function describeBurst({ count, scheduledMs, arrivalMs, waitMs }) {
  const span = (/** @type {number} */ ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`)
  return (
    `${count} events sent over ${span(scheduledMs)} arrived within ${Math.max(1, Math.round(arrivalMs))} ms, after ` +
    `${span(waitMs)} of silence: something between the server and the browser (a proxy, compression, a dev-server ` +
    'middleware) buffers the stream.'
  )
}
