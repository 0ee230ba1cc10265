/**
 * One timer for the page's live readouts that must move while nothing arrives (the stall indicator, a Thinking
 * block's duration): every 100 ms it calls what is registered, and it stops when nothing is.
 */

const PERIOD = 100

/** @type {Set<(now: number) => void>} */
const callbacks = new Set()
/** @type {ReturnType<typeof setInterval> | null} */
let timer = null

/**
 * Calls `callback` with performance.now() every 100 ms until the returned function is called.
 * @param {(now: number) => void} callback
 * @returns {() => void}
 */
export function everyTick(callback) {
  callbacks.add(callback)
  timer ??= setInterval(tick, PERIOD)
  return () => {
    callbacks.delete(callback)
    if (callbacks.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
}

function tick() {
  const now = performance.now()
  for (const callback of callbacks) callback(now)
}
