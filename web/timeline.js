/**
 * A bar per event on a canvas: the gap in ms before it (before the first one: the wait since Send). The scale
 * follows the gaps between tokens, so a long time to first token is drawn clipped, with a break mark, rather
 * than flattening every other bar. Many events share a column (its tallest gap) once they no longer fit.
 */

/** @typedef {'first' | 'gap' | 'resume'} GapKind */

const MIN_BAR = 3 // css px per bar before bars start to share columns

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

    const rest = this.gaps.filter((g) => g.kind !== 'first').map((g) => g.gap)
    const max = niceCeil(Math.max(rest.length > 0 ? Math.max(...rest) : (this.gaps[0]?.gap ?? 0), this.reference * 1.25, 1))
    const y = (/** @type {number} */ ms) => top + plot - (Math.min(ms, max) / max) * plot

    // grid: baseline, half and top, with the scale's label
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
    ctx.font = '10px ui-sans-serif, system-ui, sans-serif'
    ctx.textBaseline = 'bottom'
    if (this.gaps.length > 0) ctx.fillText(`${formatScale(max)} ms`, 2, top - 2)
    else {
      ctx.textAlign = 'center'
      ctx.textBaseline = 'middle'
      ctx.font = '12px ui-sans-serif, system-ui, sans-serif'
      ctx.fillText('One bar per event, once a reply streams', width / 2, top + plot / 2)
      ctx.textAlign = 'start'
      return
    }

    const columns = Math.max(1, Math.min(this.gaps.length, Math.floor(width / MIN_BAR)))
    const step = width / Math.max(columns, Math.min(Math.floor(width / MIN_BAR), 24))
    const per = this.gaps.length / columns
    for (let c = 0; c < columns && this.gaps.length > 0; c++) {
      const slice = this.gaps.slice(Math.floor(c * per), Math.max(Math.floor((c + 1) * per), Math.floor(c * per) + 1))
      const tallest = slice.reduce((a, b) => (b.gap > a.gap ? b : a))
      const kind = slice.some((g) => g.kind === 'first') ? 'first' : slice.some((g) => g.kind === 'resume') ? 'resume' : 'gap'
      const x = c * step
      const w = Math.max(1, step - (step > 4 ? 1.5 : step > 2 ? 0.75 : 0))
      const barTop = Math.min(y(tallest.gap), top + plot - 1)
      ctx.fillStyle = color(kind === 'first' ? '--tl-first' : kind === 'resume' ? '--tl-resume' : '--tl-bar')
      roundTop(ctx, x, barTop, w, top + plot - barTop, Math.min(2, w / 2))
      if (tallest.gap > max) breakMark(ctx, x, w, top + plot * 0.3, color('--tl-bg'))
    }

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
