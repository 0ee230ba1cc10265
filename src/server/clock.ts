/**
 * The one shared scheduler that plays timed frames to every stream: a binary min-heap of due times and a
 * single timer armed for the earliest, instead of a timer per stream. Due times are absolute (ms on the
 * monotonic clock), so a tick that comes late runs everything due by then and nothing drifts.
 *
 * Timers are intrusive: a stream owns one Timer object and schedules it again and again, so the hot path
 * (one reschedule per event per stream) allocates nothing.
 */
export interface Timer {
  /** Called when due; may schedule the timer again. */
  run(): void
  /** @internal heap position, -1 when not scheduled */
  index: number
  /** @internal */
  due: number
  /** @internal tie-break: equal due times run in the order they were scheduled */
  seq: number
}

export interface Clock {
  /** Monotonic ms. */
  now(): number
  /** Schedules `timer` at `due` (moving it if it was scheduled already). */
  schedule(timer: Timer, due: number): void
  /** Unschedules `timer`; nothing if it is not scheduled. */
  cancel(timer: Timer): void
  /** Runs `task` once at `due`; returns a function that cancels it. */
  at(due: number, task: () => void): () => void
  /** Timers waiting. */
  readonly pending: number
}

/** A timer for `run`, not yet scheduled. */
export function createTimer(run: () => void): Timer {
  return { run, index: -1, due: 0, seq: 0 }
}

export interface ClockOptions {
  now?: () => number
  /** Called with what a timer threw; the other timers run on regardless. */
  onError?: (error: unknown) => void
}

export function createClock({ now = () => performance.now(), onError = (e) => console.error(e) }: ClockOptions = {}): Clock {
  const heap: Timer[] = []
  let seq = 0
  let handle: ReturnType<typeof setTimeout> | undefined
  let armedFor = Infinity

  const before = (a: Timer, b: Timer): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq)

  const place = (timer: Timer, index: number): void => {
    heap[index] = timer
    timer.index = index
  }

  const up = (index: number): void => {
    const timer = heap[index]!
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!before(timer, heap[parent]!)) break
      place(heap[parent]!, index)
      index = parent
    }
    place(timer, index)
  }

  const down = (index: number): void => {
    const timer = heap[index]!
    for (;;) {
      let child = 2 * index + 1
      if (child >= heap.length) break
      if (child + 1 < heap.length && before(heap[child + 1]!, heap[child]!)) child++
      if (!before(heap[child]!, timer)) break
      place(heap[child]!, index)
      index = child
    }
    place(timer, index)
  }

  const remove = (timer: Timer): void => {
    const index = timer.index
    timer.index = -1
    const last = heap.pop()!
    if (last === timer) return
    place(last, index)
    up(index)
    down(last.index)
  }

  const arm = (): void => {
    const first = heap[0]
    if (first === undefined) {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
      armedFor = Infinity
      return
    }
    if (handle !== undefined && armedFor <= first.due) return
    if (handle !== undefined) clearTimeout(handle)
    armedFor = first.due
    // setTimeout never fires early, only late; ceil so a sub-millisecond remainder is not a busy loop.
    handle = setTimeout(tick, Math.max(0, Math.ceil(first.due - now())))
    handle.unref?.()
  }

  const tick = (): void => {
    handle = undefined
    armedFor = Infinity
    const time = now()
    for (let first = heap[0]; first !== undefined && first.due <= time; first = heap[0]) {
      remove(first)
      try {
        first.run()
      } catch (error) {
        onError(error)
      }
    }
    arm()
  }

  const cancel = (timer: Timer): void => {
    if (timer.index < 0) return
    remove(timer)
    arm()
  }

  const schedule = (timer: Timer, due: number): void => {
    if (timer.index >= 0) remove(timer)
    timer.due = due
    timer.seq = seq++
    timer.index = heap.length
    heap.push(timer)
    up(timer.index)
    arm()
  }

  return {
    now,
    schedule,
    cancel,
    at(due, task) {
      const timer = createTimer(task)
      schedule(timer, due)
      return () => cancel(timer)
    },
    get pending() {
      return heap.length
    },
  }
}
