/**
 * The one shared scheduler that plays timed frames to every stream, instead of a timer per stream. Timers
 * fall into 1 ms slots (a timing wheel keyed by the due millisecond, rounded up): scheduling links the timer
 * into its slot's list, and a small min-heap holds only the distinct slot keys, so the hot path (one
 * reschedule per event per stream, thousands of streams) costs O(1) instead of a heap sift per event. One
 * Node timer is armed for the earliest slot. Due times are absolute (ms on the monotonic clock): a tick that
 * comes late runs every slot due by then, so nothing drifts, and a timer never runs before its due time.
 *
 * Nothing on the hot path allocates: a stream owns one Timer object and schedules it again and again, and a
 * slot's list is made of the timers themselves (intrusive, circular, doubly linked), not an array. An array
 * per slot was the one thing here that did allocate, and V8 promoted a share of those arrays out of the young
 * generation (measured with a clock alone, 1,000 timers at 50 Hz: 0.3 MB a second), so that under load a full
 * collection, which stops every stream for 15 to 50 ms, came every 5 to 10 s; bench/README.md has the figures.
 */
export interface Timer {
  /** Called when due; may schedule the timer again. */
  run(): void
  /** @internal the slot it waits in, or -1 */
  slot: number
  /** @internal its neighbours in the slot's list */
  slotNext: Timer | undefined
  slotPrev: Timer | undefined
  /** @internal when it was due (ms, as scheduled), for the lateness histogram; set by `schedule` */
  due?: number
}

export interface Clock {
  /** Monotonic ms. */
  now(): number
  /** Schedules `timer` at `due` (moving it if it was scheduled already). */
  schedule(timer: Timer, due: number): void
  /** Unschedules `timer`; nothing if it is not scheduled. */
  cancel(timer: Timer): void
  /** Timers waiting. */
  readonly pending: number
  /** How late the timers it ran so far ran (GET /metrics); a clock made for a test may keep none. */
  lateness?(): Lateness
}

/**
 * The bounds of the lateness histogram's buckets, seconds: from the clock's own 1 ms resolution up to a second,
 * roughly 1-2-5 apart, as Prometheus histograms usually are. Fixed, so that an observation is a few compares.
 */
export const LATENESS_BUCKETS: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
const BOUNDS_MS = LATENESS_BUCKETS.map((seconds) => seconds * 1000)

/**
 * How late timers ran: how many ran by each bucket's bound and not by the one before (not cumulative; the last
 * count is those over the last bound), and the sum of their lateness in seconds.
 */
export interface Lateness {
  readonly counts: readonly number[]
  readonly sum: number
}

/** A timer for `run`, not yet scheduled. */
export function createTimer(run: () => void): Timer {
  return { run, slot: -1, slotNext: undefined, slotPrev: undefined, due: 0 }
}

export interface ClockOptions {
  now?: () => number
  /** Called with what a timer threw; the other timers run on regardless. */
  onError?: (error: unknown) => void
  /**
   * Whether a timer waiting keeps a Node process running (default false: a server's open sockets do that; the MSW
   * handlers of src/msw.ts have none, and a script's stream must play to its end).
   */
  keepAlive?: boolean
}

export function createClock({
  now = () => performance.now(),
  onError = (e) => console.error(e),
  keepAlive = false,
}: ClockOptions = {}): Clock {
  /** Slot key (a whole ms) -> the first of its timers, which are linked in the order they were scheduled. */
  const slots = new Map<number, Timer>()
  /** The keys of `slots`, as a binary min-heap. */
  const keys: number[] = []
  let pending = 0
  let handle: ReturnType<typeof setTimeout> | undefined
  let armedFor = Infinity
  // The lateness histogram: a count per bucket and the sum, ms. Typed and preallocated: observing a timer is a
  // subtraction, a few compares and two adds, and never allocates.
  const lateCounts = new Float64Array(BOUNDS_MS.length + 1)
  let lateSumMs = 0

  const pushKey = (key: number): void => {
    let i = keys.length
    keys.push(key)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (keys[parent]! <= key) break
      keys[i] = keys[parent]!
      i = parent
    }
    keys[i] = key
  }

  const popKey = (): void => {
    const last = keys.pop()!
    if (keys.length === 0) return
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= keys.length) break
      if (child + 1 < keys.length && keys[child + 1]! < keys[child]!) child++
      if (keys[child]! >= last) break
      keys[i] = keys[child]!
      i = child
    }
    keys[i] = last
  }

  const arm = (): void => {
    const first = keys[0]
    if (first === undefined) {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
      armedFor = Infinity
      return
    }
    if (handle !== undefined && armedFor <= first) return
    if (handle !== undefined) clearTimeout(handle)
    armedFor = first
    // setTimeout never fires early, only late. A moment already past is due now (Node 24 warns of a negative delay).
    handle = setTimeout(tick, Math.max(0, Math.ceil(first - now())))
    if (!keepAlive) handle.unref?.()
  }

  /** Takes `timer` out of its slot's list. */
  const unlink = (timer: Timer): void => {
    const next = timer.slotNext!
    if (next === timer) slots.delete(timer.slot)
    else {
      if (slots.get(timer.slot) === timer) slots.set(timer.slot, next)
      next.slotPrev = timer.slotPrev
      timer.slotPrev!.slotNext = next
    }
    timer.slotNext = timer.slotPrev = undefined
    timer.slot = -1
    pending--
  }

  const tick = (): void => {
    handle = undefined
    armedFor = Infinity
    const time = now()
    while (keys.length > 0 && keys[0]! <= time) {
      const key = keys[0]!
      popKey()
      // One at a time from the head, so that a timer that cancels another, or schedules one into this slot,
      // finds the list as it is; what joins this slot meanwhile is due too, and runs in this tick.
      for (let timer = slots.get(key); timer !== undefined; timer = slots.get(key)) {
        unlink(timer)
        // Late by the tick's start: timers that run after others in the same tick wait for those too, but
        // reading the clock for each would cost more than the rest of this loop.
        const late = time - timer.due!
        let bucket = 0
        while (bucket < BOUNDS_MS.length && late > BOUNDS_MS[bucket]!) bucket++
        lateCounts[bucket]!++
        lateSumMs += late
        try {
          timer.run()
        } catch (error) {
          onError(error)
        }
      }
    }
    arm()
  }

  const cancel = (timer: Timer): void => {
    if (timer.slot >= 0) unlink(timer)
  }

  const schedule = (timer: Timer, due: number): void => {
    if (timer.slot >= 0) unlink(timer)
    const key = Math.ceil(due)
    const first = slots.get(key)
    if (first === undefined) {
      slots.set(key, (timer.slotNext = timer.slotPrev = timer))
      pushKey(key)
    } else {
      // Last in the circular list: just before the first.
      const last = first.slotPrev!
      timer.slotPrev = last
      timer.slotNext = first
      last.slotNext = first.slotPrev = timer
    }
    timer.slot = key
    timer.due = due
    pending++
    arm()
  }

  return {
    now,
    schedule,
    cancel,
    get pending() {
      return pending
    },
    lateness: () => ({ counts: [...lateCounts], sum: lateSumMs / 1000 }),
  }
}
