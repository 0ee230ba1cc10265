/**
 * Long work done in slices, so that one request never holds the event loop for long: every stream in the
 * process is played from that loop, and a request that took it for seconds (a 4 MB prompt of CJK text counted
 * in one go: about 12 s) froze every one of them. A slice runs until SLICE_MS have passed, then the loop gets
 * a turn (timers, sockets, other requests) before the next one.
 */

/** How long a slice of work runs before the event loop gets a turn, ms. */
const SLICE_MS = 10

/**
 * The sum of `counts`, taken a slice at a time; once `signal` aborts (the client went away) the rest is not
 * counted and the sum so far is returned: the answer goes to no one, and an error would only be noise in the
 * log. On runtimes whose clock stands still while code runs (Workers), it is one slice.
 */
export async function sumInSlices(counts: Iterable<number>, signal?: AbortSignal, sliceMs = SLICE_MS): Promise<number> {
  let total = 0
  let sliceEnds = performance.now() + sliceMs
  for (const count of counts) {
    total += count
    if (performance.now() < sliceEnds) continue
    await nextTurn()
    if (signal?.aborted === true) break
    sliceEnds = performance.now() + sliceMs
  }
  return total
}

/**
 * The first `most` items of `items`, taken a slice at a time; once `signal` aborts, what was taken so far (the
 * answer goes to no one).
 */
export async function takeInSlices<T>(items: Iterable<T>, most: number, signal?: AbortSignal, sliceMs = SLICE_MS): Promise<T[]> {
  const taken: T[] = []
  let sliceEnds = performance.now() + sliceMs
  // The clock is read every 64 items: reading it costs more than taking one unit.
  for (const item of items) {
    taken.push(item)
    if (taken.length >= most) break
    if ((taken.length & 63) !== 0 || performance.now() < sliceEnds) continue
    await nextTurn()
    if (signal?.aborted === true) break
    sliceEnds = performance.now() + sliceMs
  }
  return taken
}

/** Calls `each` on every item, a slice at a time (see takeInSlices). */
export async function eachInSlices<T>(items: Iterable<T>, each: (item: T) => void, sliceMs = SLICE_MS): Promise<void> {
  let sliceEnds = performance.now() + sliceMs
  let count = 0
  for (const item of items) {
    each(item)
    if ((++count & 63) !== 0 || performance.now() < sliceEnds) continue
    await nextTurn()
    sliceEnds = performance.now() + sliceMs
  }
}

/** A turn of the event loop: setTimeout rather than a microtask, which would run before any timer or socket. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * Text longer than this takes milliseconds for each pass over it (decoding, the depth scan, JSON.parse, the
 * schema): a large body gives the loop a turn between passes, so that the passes do not add up in one turn.
 */
export const LARGE_TEXT = 256 * 1024
