/**
 * The one shared scheduler that plays timed frames to every stream, instead of a timer per stream. Timers
 * fall into 1 ms slots (a timing wheel keyed by the due millisecond, rounded up): scheduling is a push onto
 * the slot's list, and a small min-heap holds only the distinct slot keys, so the hot path (one reschedule per
 * event per stream, thousands of streams) costs O(1) instead of a heap sift per event. One Node timer is armed
 * for the earliest slot. Due times are absolute (ms on the monotonic clock): a tick that comes late runs every
 * slot due by then, so nothing drifts, and a timer never runs before its due time.
 *
 * Timers are intrusive: a stream owns one Timer object and schedules it again and again, so the hot path
 * allocates nothing.
 */
export interface Timer {
  /** Called when due; may schedule the timer again. */
  run(): void
  /** @internal the slot it waits in, or -1 */
  slot: number
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
}

/** A timer for `run`, not yet scheduled. */
export function createTimer(run: () => void): Timer {
  return { run, slot: -1 }
}

export interface ClockOptions {
  now?: () => number
  /** Called with what a timer threw; the other timers run on regardless. */
  onError?: (error: unknown) => void
}

export function createClock({ now = () => performance.now(), onError = (e) => console.error(e) }: ClockOptions = {}): Clock {
  /** Slot key (a whole ms) -> its timers, in the order they were scheduled. */
  const slots = new Map<number, Timer[]>()
  /** The keys of `slots`, as a binary min-heap. */
  const keys: number[] = []
  let pending = 0
  let handle: ReturnType<typeof setTimeout> | undefined
  let armedFor = Infinity

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
    // setTimeout never fires early, only late.
    handle = setTimeout(tick, Math.max(0, first - now()))
    handle.unref?.()
  }

  const tick = (): void => {
    handle = undefined
    armedFor = Infinity
    const time = now()
    while (keys.length > 0 && keys[0]! <= time) {
      const key = keys[0]!
      popKey()
      const due = slots.get(key)
      if (due === undefined) continue
      slots.delete(key)
      for (const timer of due) {
        if (timer.slot !== key) continue // cancelled, or moved to another slot
        timer.slot = -1
        pending--
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
    if (timer.slot < 0) return
    const list = slots.get(timer.slot)
    // Rare (a stream ending early), so a linear removal keeps the rest in order.
    if (list !== undefined) list.splice(list.indexOf(timer), 1)
    timer.slot = -1
    pending--
  }

  const schedule = (timer: Timer, due: number): void => {
    if (timer.slot >= 0) cancel(timer)
    const key = Math.ceil(due)
    let list = slots.get(key)
    if (list === undefined) {
      slots.set(key, (list = []))
      pushKey(key)
    }
    list.push(timer)
    timer.slot = key
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
  }
}
