/**
 * The one shared scheduler that plays timed frames to every stream: a binary min-heap of due times and a
 * single timer armed for the earliest, instead of a timer per stream. Due times are absolute (ms on the
 * monotonic clock), so a tick that comes late runs everything due by then and nothing drifts.
 */
export interface Clock {
  /** Monotonic ms. */
  now(): number
  /** Runs `task` once `due` is reached; returns a function that cancels it (and frees its slot) if it has not run. */
  at(due: number, task: () => void): () => void
  /** Tasks waiting. */
  readonly pending: number
}

interface Entry {
  readonly due: number
  readonly seq: number
  readonly task: () => void
  /** Position in the heap, -1 once run or cancelled. */
  index: number
}

export interface ClockOptions {
  now?: () => number
  /** Called with what a task threw; the other tasks run on regardless. */
  onError?: (error: unknown) => void
}

export function createClock({ now = () => performance.now(), onError = (e) => console.error(e) }: ClockOptions = {}): Clock {
  const heap: Entry[] = []
  let seq = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let armedFor = Infinity

  // Earlier due first; equal due times run in the order they were asked for.
  const before = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq)

  const place = (entry: Entry, index: number): void => {
    heap[index] = entry
    entry.index = index
  }

  const up = (index: number): void => {
    const entry = heap[index]!
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!before(entry, heap[parent]!)) break
      place(heap[parent]!, index)
      index = parent
    }
    place(entry, index)
  }

  const down = (index: number): void => {
    const entry = heap[index]!
    for (;;) {
      let child = 2 * index + 1
      if (child >= heap.length) break
      if (child + 1 < heap.length && before(heap[child + 1]!, heap[child]!)) child++
      if (!before(heap[child]!, entry)) break
      place(heap[child]!, index)
      index = child
    }
    place(entry, index)
  }

  const remove = (entry: Entry): void => {
    const index = entry.index
    entry.index = -1
    const last = heap.pop()!
    if (last === entry) return
    place(last, index)
    up(index)
    down(last.index)
  }

  const arm = (): void => {
    const first = heap[0]
    if (first === undefined) {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      armedFor = Infinity
      return
    }
    if (timer !== undefined && armedFor <= first.due) return
    if (timer !== undefined) clearTimeout(timer)
    armedFor = first.due
    // setTimeout never fires early, only late; ceil so a sub-millisecond remainder is not a busy loop.
    timer = setTimeout(tick, Math.max(0, Math.ceil(first.due - now())))
    timer.unref?.()
  }

  const tick = (): void => {
    timer = undefined
    armedFor = Infinity
    const time = now()
    for (let first = heap[0]; first !== undefined && first.due <= time; first = heap[0]) {
      remove(first)
      try {
        first.task()
      } catch (error) {
        onError(error)
      }
    }
    arm()
  }

  return {
    now,
    at(due, task) {
      const entry: Entry = { due, seq: seq++, task, index: heap.length }
      heap.push(entry)
      up(entry.index)
      arm()
      return () => {
        if (entry.index < 0) return
        remove(entry)
        arm()
      }
    },
    get pending() {
      return heap.length
    },
  }
}
