/**
 * Plays encoded frames to a sink on the shared clock: each frame when it is due, the frames that fell due
 * together in one write, a `: ping` comment in any silence longer than the heartbeat. The same player drives
 * the Node fast path (writes straight to the socket) and the web-streams path (other runtimes and
 * `app.request()`), each behind a Sink.
 *
 * Backpressure: when the sink says its buffer is full, the stream's schedule pauses until the sink drains;
 * frames then due go out together, late but never lost, in batches of at most 64 KiB, so the unsent bytes held
 * per stream stay bounded by the sink's buffer plus one batch, whatever the reader does.
 *
 * Memory: a server holds one player per open stream, tens of thousands of them, so a player is one object
 * (its methods on the class) that is also its own clock timer and its own registry entry, not a set of
 * closures: each closure costs a function object and a context, and under tsx (the benchmark, `npm run dev`)
 * esbuild's keepNames gives each named closure a `name` property, which turns its properties into a 256-byte
 * dictionary.
 */
import { sseComment } from '../wire/sse.js'
import type { Clock, Timer } from './clock.js'
import {
  fillFrame,
  isLazy,
  isShared,
  utf8Length,
  type EncodedFrames,
  type Frames,
  type LazyFrames,
  type SharedFrames,
} from './encoded-frames.js'
import type { OpenStream, StreamRegistry } from './streams.js'

/**
 * What a sink writes: bytes, or text to be sent as UTF-8. A stream made as it plays hands over its frames' text
 * as it is: Node's socket encodes a string straight into the write (no Buffer made and collected per event),
 * which is most of what encoding per event costs.
 */
export type Chunk = Uint8Array | string

export interface Sink {
  /**
   * Writes `chunks[from]` up to (not including) `chunks[to]`; false when the buffer is full and `onDrain` will
   * be called once it empties. A range of the encoded frames rather than an array of its own, so that the hot
   * path (one frame per stream per event) allocates nothing.
   */
  write(chunks: readonly Chunk[], from: number, to: number): boolean
  onDrain(resume: () => void): void
  /** Ends the response normally. */
  end(): void
}

export interface PlayOptions {
  readonly clock: Clock
  readonly registry: StreamRegistry
  /** Longest silence in ms before a `: ping` comment. */
  readonly heartbeat: number
}

/** A stream being played. */
export interface Playing {
  /** Stops it at once (the client went away); safe to call twice. */
  stop(): void
  /**
   * The client sent its FIN: it half-closed and still reads, or it closed for good, which the server cannot
   * tell apart without writing. A `: ping` now, and from then on in any silence over PROBE_MS (rather than the
   * heartbeat), makes a client gone for good answer with a reset within that time, so its stream stops then
   * rather than at its next frame; one still reading skips the comments, as every SSE parser does.
   */
  probe(): void
}

/** The heartbeat of a stream whose client has sent its FIN (see Playing.probe), ms. */
const PROBE_MS = 1000

/** The most bytes written in one go; beyond it the player waits for the sink to take the batch. */
const BATCH_BYTES = 64 * 1024

const encoder = new TextEncoder()
const PING = [encoder.encode(sseComment('ping'))]

class Player implements Timer, OpenStream, Playing {
  /** The clock's slot and list (see Timer). */
  slot = -1
  slotNext: Timer | undefined = undefined
  slotPrev: Timer | undefined = undefined
  /** When it was due, for the clock's lateness histogram (declared here so that a player keeps one shape). */
  due = 0
  protected readonly start: number
  protected lastWrite: number
  protected next = 0
  private ended = false
  /** Whether the timer is armed for a heartbeat rather than for the next frame. */
  protected pinging = false
  /** `resume` bound to this player, made the first time the sink is full (most streams never are). */
  private resumer: (() => void) | undefined
  /** The longest silence before a `: ping`: the app's heartbeat, PROBE_MS once the client has sent its FIN. */
  protected heartbeat: number

  constructor(
    protected readonly frames: EncodedFrames,
    protected readonly sink: Sink,
    protected readonly options: PlayOptions,
  ) {
    this.start = this.lastWrite = options.clock.now()
    this.heartbeat = options.heartbeat
    options.registry.add(this)
  }

  /** Bytes written so far, for the journal. */
  sentBytes = 0

  get sent(): number {
    return this.next
  }

  get complete(): boolean {
    return this.next === this.frames.at.length
  }

  stop(): void {
    if (this.ended) return
    this.ended = true
    this.options.clock.cancel(this)
    this.options.registry.delete(this)
  }

  probe(): void {
    // Not without heartbeats (a replay, whose reads may end inside an event, takes no comment anywhere).
    if (this.ended || this.heartbeat >= Number.MAX_SAFE_INTEGER) return
    this.heartbeat = Math.min(this.heartbeat, PROBE_MS)
    try {
      this.lastWrite = this.options.clock.now()
      // Waiting for 'drain' (the sink is full): the ping goes with the rest once it drains, and the timer is
      // armed then.
      if (!this.sink.write(PING, 0, 1)) return
      this.options.clock.cancel(this)
      this.step()
    } catch (error) {
      this.fail(error)
    }
  }

  /** The registry's shutdown: a clean end with a final comment. */
  end(reason: string): void {
    if (this.ended) return
    this.stop()
    this.sink.write([encoder.encode(sseComment(reason))], 0, 1)
    this.sink.end()
  }

  /** The clock's timer fired: a heartbeat, or frames due. */
  run(): void {
    try {
      if (this.pinging) {
        this.lastWrite = this.options.clock.now()
        if (!this.sink.write(PING, 0, 1)) return this.waitForDrain()
      }
      this.step()
    } catch (error) {
      this.fail(error)
    }
  }

  /** The sink drained (a socket's 'drain' event: a throw here would be an uncaught exception). */
  private resume(): void {
    try {
      if (!this.ended) this.step()
    } catch (error) {
      this.fail(error)
    }
  }

  /**
   * Something inside tokensim threw while this stream played (a bug, not a fault): the stream ends with its
   * format's in-stream error, the error goes to the server's log, and every other stream plays on.
   */
  fail(error: unknown): void {
    const ended = this.ended
    this.stop()
    if (!ended) {
      try {
        const bytes = this.frames.fail?.(this.next)
        if (bytes !== undefined) this.sink.write([bytes], 0, 1)
        this.sink.end()
      } catch {
        // The sink is broken too: the connection goes with the stream.
      }
    }
    console.error('tokensim: a stream failed inside tokensim and was ended with an error event; other streams go on:', error)
  }

  protected waitForDrain(): void {
    this.sink.onDrain((this.resumer ??= () => this.resume()))
  }

  step(): void {
    const { frames, start } = this
    const now = this.options.clock.now()
    // Write what is due, a batch of at most BATCH_BYTES at a time, while the sink takes it: a stream that
    // falls due all at once (delay=0, or a reader that paused) never queues more than one batch in memory.
    while (start + frames.at[this.next]! <= now) {
      const from = this.next
      let bytes = 0
      let next = from
      while (next < frames.at.length && start + frames.at[next]! <= now && bytes < BATCH_BYTES) bytes += frames.bytes[next++]!.length
      this.next = next
      this.lastWrite = now
      this.sentBytes += bytes
      const flowing = this.sink.write(frames.bytes, from, next)
      if (next === frames.at.length) {
        this.stop()
        this.sink.end()
        return
      }
      if (!flowing) return this.waitForDrain()
    }
    const due = start + frames.at[this.next]!
    const ping = this.lastWrite + this.heartbeat
    this.pinging = ping < due
    this.options.clock.schedule(this, this.pinging ? ping : due)
  }
}

/**
 * The player of a split stream (EncodedFrames.apart): one entry a write and a write a tick, even when several
 * are due (a late tick, a sink that drained), so that each piece leaves as a send of its own and reaches the
 * client as a chunk of its own; Player would send what is due together in one write, which joins the pieces
 * again. A class of its own so that every other stream's player does no extra work per event.
 */
class ApartPlayer extends Player {
  /** Not between the pieces of a frame, where a comment would land inside an event: found out at the next write. */
  override probe(): void {}

  override step(): void {
    const { frames, start } = this
    const now = this.options.clock.now()
    let due = start + frames.at[this.next]!
    if (due <= now) {
      const from = this.next++
      this.lastWrite = now
      this.sentBytes += frames.bytes[from]!.length
      const flowing = this.sink.write(frames.bytes, from, this.next)
      if (this.next === frames.at.length) {
        this.stop()
        this.sink.end()
        return
      }
      if (!flowing) return this.waitForDrain()
      // A later tick, never this one: the clock runs in the current tick whatever is due by its start.
      due = Math.max(start + frames.at[this.next]!, now + 1)
    }
    const ping = this.lastWrite + this.heartbeat
    this.pinging = ping < due
    this.options.clock.schedule(this, this.pinging ? ping : due)
  }
}

const NONE: readonly never[] = []

/**
 * The player of a stream made as it plays (LazyFrames): each frame is pulled from the encoder and turned into
 * bytes when it falls due, and let go once written. It holds the next frame, whose offset is the next due
 * moment; the frames due together go out in one write, as Player does.
 */
class LazyPlayer extends Player {
  private pending: TimedFrameLike | undefined
  /** The batch being written, reused: a sink takes the chunks before write returns. */
  private readonly batch: string[] = []

  constructor(
    private readonly source: LazyFrames,
    sink: Sink,
    options: PlayOptions,
  ) {
    super({ at: NONE, bytes: NONE, size: 0, ...(source.fail !== undefined ? { fail: source.fail } : {}) }, sink, options)
    this.pending = this.pull()
  }

  override get complete(): boolean {
    return this.pending === undefined
  }

  private pull(): TimedFrameLike | undefined {
    const result = this.source.lazy.next()
    return result.done === true ? undefined : result.value
  }

  override step(): void {
    const { batch } = this
    const now = this.options.clock.now()
    while (this.pending !== undefined && this.dueAt(this.pending) <= now) {
      let bytes = 0
      batch.length = 0
      let pending: TimedFrameLike | undefined = this.pending
      while (pending !== undefined && this.dueAt(pending) <= now && bytes < BATCH_BYTES) {
        batch.push(pending.text)
        bytes += utf8Length(pending.text)
        pending = this.pull()
      }
      this.pending = pending
      this.next += batch.length
      this.lastWrite = now
      this.sentBytes += bytes
      const flowing = this.sink.write(batch, 0, batch.length)
      batch.length = 0
      if (pending === undefined) {
        this.stop()
        this.sink.end()
        return
      }
      if (!flowing) return this.waitForDrain()
    }
    if (this.pending === undefined) {
      // An encoder that makes no frame at all: nothing to wait for.
      this.stop()
      this.sink.end()
      return
    }
    const due = this.dueAt(this.pending)
    const ping = this.lastWrite + this.heartbeat
    this.pinging = ping < due
    this.options.clock.schedule(this, this.pinging ? ping : due)
  }

  private dueAt(frame: TimedFrameLike): number {
    return this.start + Math.max(0, frame.at - this.source.shift)
  }
}

type TimedFrameLike = { readonly at: number; readonly text: string }

/**
 * The player of an answer's shared frames (src/app/shared-frames.ts): a frame with no own value in it is
 * written as the bytes every response shares, one with gaps is filled with this response's own bytes when it
 * falls due; the frames due together go out in one write, as Player does.
 */
class SharedPlayer extends Player {
  /** The batch being written, reused: a sink takes the chunks before write returns. */
  private readonly batch: Uint8Array[] = []

  constructor(
    private readonly source: SharedFrames,
    sink: Sink,
    options: PlayOptions,
  ) {
    super({ at: source.template.at, bytes: NONE, size: 0, ...(source.fail !== undefined ? { fail: source.fail } : {}) }, sink, options)
  }

  override step(): void {
    const { batch, source } = this
    const { at, frames } = source.template
    const now = this.options.clock.now()
    // A frame is due once its offset, less the shift, has passed since the start (an offset below the shift at once).
    const limit = now - this.start + source.shift
    while (this.next < at.length && at[this.next]! <= limit) {
      let bytes = 0
      let next = this.next
      while (next < at.length && at[next]! <= limit && bytes < BATCH_BYTES) {
        const frame = frames[next++]!
        const chunk = frame instanceof Uint8Array ? frame : fillFrame(frame, source.own, source.input)
        batch.push(chunk)
        bytes += chunk.length
      }
      this.next = next
      this.lastWrite = now
      this.sentBytes += bytes
      const flowing = this.sink.write(batch, 0, batch.length)
      batch.length = 0
      if (next === at.length) {
        this.stop()
        this.sink.end()
        return
      }
      if (!flowing) return this.waitForDrain()
    }
    if (this.next === at.length) {
      // An answer of no frames at all: nothing to wait for.
      this.stop()
      this.sink.end()
      return
    }
    const due = this.start + Math.max(0, at[this.next]! - source.shift)
    const ping = this.lastWrite + this.heartbeat
    this.pinging = ping < due
    this.options.clock.schedule(this, this.pinging ? ping : due)
  }
}

/** Starts playing; the result stops it. */
export function startPlaying(frames: Frames, sink: Sink, options: PlayOptions): Playing {
  const player = isLazy(frames)
    ? new LazyPlayer(frames, sink, options)
    : isShared(frames)
      ? new SharedPlayer(frames, sink, options)
      : frames.apart === true
        ? new ApartPlayer(frames, sink, options)
        : new Player(frames, sink, options)
  try {
    player.step()
  } catch (error) {
    player.fail(error)
  }
  return player
}

/** Starts playing; the returned function stops it at once (the client went away) and is safe to call twice. */
export function play(frames: Frames, sink: Sink, options: PlayOptions): () => void {
  const player = startPlaying(frames, sink, options)
  return () => player.stop()
}
