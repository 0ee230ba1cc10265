/**
 * A bar per event on a canvas: the gap in ms before it (before the first one: the wait since Send). The scale
 * is capped so that one long gap does not flatten every other bar: it follows the gaps between events up to
 * twice the p99 of those that are not stalls, and a bar past it (a stall, a long time to first token) is
 * drawn to the top, cut by a break mark and labelled with its real value. A stall (a gap of at least three
 * times the median gap and 500 ms, the live indicator's rule) is drawn in its own colour. Many events share a
 * column (its tallest gap) once they no longer fit. The scale and the bars are a pure function, timelineBars.
 */
import { quantile } from './percentiles.js'
import { formatStall, stallThreshold } from './stall-indicator.js'

/** @typedef {'first' | 'gap' | 'resume'} GapKind */

const MIN_BAR = 3 // css px per bar before bars start to share columns

/** The scale stops at this many times the p99 of the gaps that are not stalls. */
export const CAP_FACTOR = 2

/**
 * One column of the timeline.
 * @typedef {object} Bar
 * @property {number} gap       the tallest gap in the column, ms
 * @property {GapKind} kind     'first' if it holds the first event, else 'resume' if it holds one after a reconnect
 * @property {number} height    the bar's height, 0 to 1 of the plot
 * @property {boolean} clipped  the gap is past the scale: drawn to the top, cut, with its value
 * @property {boolean} stall    the column holds a stall
 * @property {number} from      index of its first event
 * @property {number} to        index after its last event
 */

/**
 * The timeline's scale and bars: pure, for a table of cases.
 * @param {readonly { gap: number, kind: GapKind }[]} gaps  every event's gap, in order
 * @param {object} options
 * @param {number} options.columns     columns that fit (events share columns past that)
 * @param {number} [options.reference] the mean gap configured (drawn as a line; the scale reaches past it)
 * @returns {{ max: number, threshold: number, bars: Bar[] }}  max: the scale's top, ms
 */
export function timelineBars(gaps, { columns, reference = 0 }) {
  const rest = Float64Array.from(gaps.filter((g) => g.kind === 'gap').map((g) => g.gap)).sort()
  const threshold = stallThreshold(rest.length > 0 ? quantile(rest, 0.5) : null)
  const tallest = rest.length > 0 ? /** @type {number} */ (rest[rest.length - 1]) : (gaps[0]?.gap ?? 0)
  // the gaps that are not stalls say how tall the scale should be
  const normal = rest.subarray(0, lowerBound(rest, threshold))
  const cap = normal.length > 0 ? CAP_FACTOR * quantile(normal, 0.99) : tallest
  const max = niceCeil(Math.max(Math.min(tallest, cap), reference * 1.25, 1))

  const count = Math.max(0, Math.min(gaps.length, Math.floor(columns)))
  const per = count > 0 ? gaps.length / count : 0
  /** @type {Bar[]} */
  const bars = []
  for (let c = 0; c < count; c++) {
    const from = Math.floor(c * per)
    const to = Math.max(Math.floor((c + 1) * per), from + 1)
    let top = /** @type {{ gap: number, kind: GapKind }} */ (gaps[from])
    let stall = false
    /** @type {GapKind} */
    let kind = 'gap'
    for (let i = from; i < to; i++) {
      const g = /** @type {{ gap: number, kind: GapKind }} */ (gaps[i])
      if (g.gap > top.gap) top = g
      if (g.kind === 'gap' && g.gap >= threshold) stall = true
      if (g.kind === 'first') kind = 'first'
      else if (g.kind === 'resume' && kind === 'gap') kind = 'resume'
    }
    bars.push({ gap: top.gap, kind, height: Math.min(top.gap, max) / max, clipped: top.gap > max, stall, from, to })
  }
  return { max, threshold, bars }
}

/**
 * The index of the first value at or above `value` in ascending values.
 * @param {ArrayLike<number>} sorted
 * @param {number} value
 */
function lowerBound(sorted, value) {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (/** @type {number} */ (sorted[mid]) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class Timeline {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas
    /** @type {{ gap: number, kind: GapKind }[]} */
    this.gaps = []
    this.reference = 0
    this.pending = false
    new ResizeObserver(() => this.draw()).observe(canvas)
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw())
  }

  /** @param {number} reference the configured mean gap (drawn as a dashed line), 0 for none */
  reset(reference) {
    this.gaps = []
    this.reference = Number.isFinite(reference) && reference > 0 ? reference : 0
    this.draw()
  }

  /** @param {number} gap @param {GapKind} kind */
  push(gap, kind) {
    this.gaps.push({ gap: Math.max(0, gap), kind })
    this.pending = true
  }

  /** Draws if something was pushed since the last draw. */
  flush() {
    if (this.pending) this.draw()
  }

  draw() {
    this.pending = false
    const { canvas } = this
    const dpr = window.devicePixelRatio || 1
    const width = canvas.clientWidth
    const height = canvas.clientHeight
    if (width === 0 || height === 0) return
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr)
      canvas.height = Math.round(height * dpr)
    }
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.clearRect(0, 0, width, height)

    const css = getComputedStyle(canvas)
    const color = (/** @type {string} */ name) => css.getPropertyValue(name).trim() || '#888'
    const top = 14
    const plot = height - top - 1

    // grid: baseline, half and top
    ctx.strokeStyle = color('--tl-grid')
    ctx.lineWidth = 1
    ctx.beginPath()
    for (const f of [0, 0.5, 1]) {
      const gy = Math.round(top + plot * f) + 0.5
      ctx.moveTo(0, gy)
      ctx.lineTo(width, gy)
    }
    ctx.stroke()
    ctx.fillStyle = color('--tl-label')
    if (this.gaps.length === 0) {
      ctx.textAlign = 'center'
      ctx.textBaseline = 'middle'
      ctx.font = '12px ui-sans-serif, system-ui, sans-serif'
      ctx.fillText('One bar per event, once a reply streams', width / 2, top + plot / 2)
      ctx.textAlign = 'start'
      canvas.removeAttribute('data-scale')
      canvas.removeAttribute('data-stalls')
      return
    }

    const fit = Math.floor(width / MIN_BAR)
    const { max, bars } = timelineBars(this.gaps, { columns: Math.max(1, Math.min(this.gaps.length, fit)), reference: this.reference })
    const y = (/** @type {number} */ ms) => top + plot - (Math.min(ms, max) / max) * plot
    const step = width / Math.max(bars.length, Math.min(fit, 24))

    // the scale's label, at the right
    ctx.font = '10px ui-sans-serif, system-ui, sans-serif'
    ctx.textBaseline = 'bottom'
    ctx.textAlign = 'right'
    const scaleLabel = `${formatScale(max)} ms`
    ctx.fillText(scaleLabel, width - 2, top - 2)
    const labelsEnd = width - 2 - ctx.measureText(scaleLabel).width - 6
    ctx.textAlign = 'start'

    /** @type {{ x: number, text: string, stall: boolean }[]} */
    const labels = []
    bars.forEach((bar, c) => {
      const x = c * step
      const w = Math.max(1, step - (step > 4 ? 1.5 : step > 2 ? 0.75 : 0))
      const barTop = Math.min(top + plot - bar.height * plot, top + plot - 1)
      const fill = bar.stall ? '--tl-stall' : bar.kind === 'first' ? '--tl-first' : bar.kind === 'resume' ? '--tl-resume' : '--tl-bar'
      ctx.fillStyle = color(fill)
      roundTop(ctx, x, barTop, w, top + plot - barTop, Math.min(2, w / 2))
      if (bar.clipped) {
        breakMark(ctx, x, w, top + plot * 0.3, color('--tl-bg'))
        labels.push({ x, text: formatGap(bar.gap), stall: bar.stall })
      }
    })
    // the real value of each cut bar, above it, where there is room
    ctx.font = '600 10px ui-sans-serif, system-ui, sans-serif'
    let free = 2
    for (const label of labels) {
      const w = ctx.measureText(label.text).width
      const x = Math.max(free, Math.min(label.x, labelsEnd - w))
      if (x + w > labelsEnd || x > label.x + 24) continue
      ctx.fillStyle = color(label.stall ? '--tl-stall' : '--tl-label')
      ctx.fillText(label.text, x, top - 2)
      free = x + w + 6
    }
    canvas.dataset.scale = String(max)
    canvas.dataset.stalls = String(bars.filter((bar) => bar.stall).length)

    if (this.reference > 0) {
      ctx.strokeStyle = color('--tl-ref')
      ctx.setLineDash([4, 3])
      ctx.beginPath()
      const ry = Math.round(y(this.reference)) + 0.5
      ctx.moveTo(0, ry)
      ctx.lineTo(width, ry)
      ctx.stroke()
      ctx.setLineDash([])
    }
  }
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x @param {number} y @param {number} w @param {number} h @param {number} r
 */
function roundTop(ctx, x, y, w, h, r) {
  ctx.beginPath()
  ctx.moveTo(x, y + h)
  ctx.lineTo(x, y + r)
  ctx.quadraticCurveTo(x, y, x + r, y)
  ctx.lineTo(x + w - r, y)
  ctx.quadraticCurveTo(x + w, y, x + w, y + r)
  ctx.lineTo(x + w, y + h)
  ctx.closePath()
  ctx.fill()
}

/** Two slanted cuts across a clipped bar. */
function breakMark(
  /** @type {CanvasRenderingContext2D} */ ctx,
  /** @type {number} */ x,
  /** @type {number} */ w,
  /** @type {number} */ y,
  /** @type {string} */ bg,
) {
  ctx.fillStyle = bg
  ctx.beginPath()
  ctx.moveTo(x - 1, y + 3)
  ctx.lineTo(x + w + 1, y - 1)
  ctx.lineTo(x + w + 1, y + 2)
  ctx.lineTo(x - 1, y + 6)
  ctx.closePath()
  ctx.fill()
}

/** @param {number} v */
function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (v <= m * p) return m * p
  return 10 * p
}

/** @param {number} v */
const formatScale = (v) => (v >= 1000 ? `${v / 1000}k` : String(v))

/** A cut bar's real value: ms below a second, else seconds. @param {number} ms */
const formatGap = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : formatStall(ms))
