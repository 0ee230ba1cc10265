/**
 * The reading-pace reference: how a stream's pace compares with how fast people read. A reader who starts at
 * the first token and reads at READING_WPM words a minute (never past what has arrived) is where the marker on
 * a compare pane's bar shows; "3.1× reading" says the stream delivers words 3.1 times as fast as that reader
 * reads them (below 1×, the reader waits for the stream). The computation is a pure function (readingPace);
 * watchReadingPace keeps the marks up to date from the page's own DOM: each stream's text as received
 * (`data-raw`) and its state (`data-state`, whose change to `streaming` is its first token).
 */

/**
 * Silent reading of English non-fiction, in words per minute: Brysbaert, M. (2019), "How many words do we read
 * per minute? A review and meta-analysis of reading rate", Journal of Memory and Language 109, 104047
 * (fiction: 260).
 */
export const READING_WPM = 238

export const READING_SOURCE =
  'Silent reading of English non-fiction: 238 words a minute (Brysbaert 2019, “How many words do we read per minute? A review and meta-analysis of reading rate”, Journal of Memory and Language 109)'

/**
 * The words of a text: runs of letters or digits, with inner apostrophes and hyphens (`don't`, `time-to-first`
 * is one word) and a number's separators (`200,000`, `3.5`); Markdown's marks and code punctuation are not
 * words.
 * @param {string} text
 */
export function countWords(text) {
  let count = 0
  for (const _ of text.matchAll(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+|[.,]\p{N}+)*/gu)) count += 1
  return count
}

/**
 * countWords for a text that only grows (a stream's), reading only what came since the last call: the text up
 * to its last white space holds a settled count (no word spans white space, so the counts of two such pieces
 * add up), and only the rest is read again. A shorter text than last time starts over.
 * @returns {(text: string) => number}
 */
export function wordCounter() {
  let settled = 0
  let words = 0
  return (text) => {
    if (text.length < settled) settled = words = 0
    let cut = text.length
    while (cut > settled && !/\s/.test(text[cut - 1] ?? '')) cut -= 1
    if (cut > settled) {
      words += countWords(text.slice(settled, cut))
      settled = cut
    }
    return words + countWords(text.slice(settled))
  }
}

/**
 * Where a stream stands against a reader.
 * @typedef {object} Pace
 * @property {number | null} ratio  the stream's words per minute over the reader's (null before 1 s of stream)
 * @property {number} readerWords   the words a reader who started at the first token has read by now
 * @property {number} share         readerWords over the words received, 0 to 1 (1: the reader waits)
 */

/** Below this much streaming, a ratio says more about the first token's timing than about the pace. */
const MIN_MS = 1000

/**
 * @param {number} words  the words received so far
 * @param {number} ms     ms since the first token (to the end, for a stream that is over)
 * @param {number} [wpm]
 * @returns {Pace}
 */
export function readingPace(words, ms, wpm = READING_WPM) {
  const read = Math.max(ms, 0) * (wpm / 60_000)
  const readerWords = Math.min(words, read)
  return {
    ratio: ms < MIN_MS || words === 0 ? null : words / read,
    readerWords,
    share: words === 0 ? 0 : readerWords / words,
  }
}

/**
 * `3.1× reading`, `0.6× reading` (`3.1×` short), or '' before there is a ratio.
 * @param {number | null} ratio
 * @param {boolean} [short]
 */
export function formatPace(ratio, short = false) {
  if (ratio === null) return ''
  const tenths = Math.round(ratio * 10) / 10
  return `${tenths >= 10 ? Math.round(tenths) : tenths.toFixed(1)}×${short ? '' : ' reading'}`
}

/**
 * Keeps every compare pane's reading-pace marker and figure, and the panel's Reading pace figure (of the last
 * Send's first stream, as the panel's other figures), up to date while streams run.
 * @param {HTMLElement} log      the conversation
 * @param {HTMLElement} figure   the panel's `[data-pace]` element
 */
export function watchReadingPace(log, figure) {
  /** @type {WeakMap<HTMLElement, { start: number, end: number | null }>} */
  const times = new WeakMap()
  /** @type {WeakMap<HTMLElement, (text: string) => number>} each stream's words, counted as its text grows */
  const counters = new WeakMap()
  /** @type {Set<HTMLElement>} */
  const live = new Set()
  let timer = 0

  figure.title = `${READING_SOURCE}. The stream's words a minute over a reader's, from its first token.`

  const states = new MutationObserver((records) => {
    const now = performance.now()
    for (const { target } of records) {
      const stream = /** @type {HTMLElement} */ (target)
      if (!stream.matches('.pane, .msg-assistant')) continue
      const state = stream.dataset.state
      const seen = times.get(stream)
      if (state === 'streaming' && seen === undefined) {
        times.set(stream, { start: now, end: null })
        live.add(stream)
      } else if (seen && seen.end === null && state !== 'streaming' && state !== 'waiting') {
        seen.end = now
        live.delete(stream)
        update(stream, now)
      }
    }
    if (live.size > 0 && timer === 0) timer = window.setInterval(tick, 200)
    showPanel()
  })
  states.observe(log, { subtree: true, attributes: true, attributeFilter: ['data-state'] })

  // a New chat empties the conversation: the panel's figure goes with it
  const emptied = new MutationObserver(showPanel)
  emptied.observe(log, { childList: true })

  function tick() {
    const now = performance.now()
    for (const stream of live) {
      if (stream.isConnected) update(stream, now)
      else live.delete(stream)
    }
    showPanel()
    if (live.size === 0) {
      window.clearInterval(timer)
      timer = 0
    }
  }

  /** @param {HTMLElement} stream @param {number} now */
  function update(stream, now) {
    const pace = paceOf(stream, now)
    if (pace === null || !stream.classList.contains('pane')) return
    const text = stream.querySelector('.pane-pace')
    const marker = /** @type {HTMLElement | null} */ (stream.querySelector('.pace-marker'))
    const bar = /** @type {HTMLProgressElement | null} */ (stream.querySelector('.pane-bar'))
    if (text instanceof HTMLElement) {
      const value = formatPace(pace.ratio)
      if (text.textContent !== value) text.textContent = value
      text.dataset.behind = String(pace.ratio !== null && pace.ratio < 1)
      text.title = `${READING_SOURCE}. The marker on the bar is where a reader who started at the first token would be.`
    }
    if (marker && bar && bar.max > 0) {
      marker.hidden = false
      marker.style.left = `${((bar.value / bar.max) * pace.share * 100).toFixed(2)}%`
    }
  }

  /** @param {HTMLElement} stream @param {number} now */
  function paceOf(stream, now) {
    const seen = times.get(stream)
    if (seen === undefined) return null
    let count = counters.get(stream)
    if (count === undefined) counters.set(stream, (count = wordCounter()))
    return readingPace(count(stream.dataset.raw ?? ''), (seen.end ?? now) - seen.start)
  }

  /** The panel's figure: the last Send's first stream (a reply, or a compare view's first pane). */
  function showPanel() {
    const sends = log.querySelectorAll(':scope > .msg-assistant, :scope > .msg-compare')
    const last = sends[sends.length - 1]
    const stream = /** @type {HTMLElement | null | undefined} */ (
      last?.classList.contains('msg-compare') ? last.querySelector('.pane') : last
    )
    const pace = stream ? paceOf(stream, performance.now()) : null
    const value = pace === null || pace.ratio === null ? '—' : formatPace(pace.ratio, true)
    if (figure.textContent !== value) figure.textContent = value
    figure.dataset.behind = String(pace !== null && pace.ratio !== null && pace.ratio < 1)
  }
}
