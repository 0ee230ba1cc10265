/**
 * Encode once, write many: a stream's frames as bytes, kept in a bounded cache keyed by everything that
 * decides them, so a thousand clients of the same reply and settings share one set of buffers and the
 * per-event work is a single write of bytes that already exist.
 */
import { createRandom } from '../core/random.js'
import { splitPoints } from '../wire/fault-frames.js'
import type { TimedFrame } from '../wire/frames.js'

export interface EncodedFrames {
  /** Due offsets in ms, non-decreasing. */
  readonly at: readonly number[]
  readonly bytes: readonly Uint8Array[]
  /** Total bytes, for the cache's bound. */
  readonly size: number
  /**
   * When the response's headers go out, in ms after its start (a latency profile's moment; absent: at once).
   * `at` counts from then: the route waits this long before it plays the frames.
   */
  readonly headersAt?: number
  /**
   * The format's in-stream error for a stream that fails inside tokensim after `sent` frames (a bug, not a
   * fault): the player sends it and ends the stream, and the other streams play on.
   */
  readonly fail?: (sent: number) => Uint8Array
  /**
   * Every entry goes out in a write of its own, in a tick of its own, even when several are due (the split
   * fault, whose entries are the pieces of a write; src/app/player.ts). Absent: entries due together share
   * one write.
   */
  readonly apart?: true
}

/**
 * A stream whose frames are made as they fall due, one at a time, from its encoder: nothing of it is encoded
 * before its first byte, and nothing sent is kept, so an open stream holds the same few objects however long
 * its answer is (a vendor stream of 4,000 frames encoded in full held about 2 MB until its end).
 */
export interface LazyFrames {
  /** The frames in order, each made when pulled; due offsets non-decreasing. */
  readonly lazy: Iterator<TimedFrame, unknown>
  /**
   * Subtracted from every frame's offset, floored at 0: the headers moment the route has waited (the frames'
   * offsets count from the start), and for a resumed stream also the time it has played.
   */
  readonly shift: number
  readonly fail?: (sent: number) => Uint8Array
}

/** An answer's frames as bytes every response of it shares. */
export interface FrameTemplate {
  /** Due offsets from the response's start, ms, non-decreasing. */
  readonly at: readonly number[]
  /**
   * Each frame: its bytes, or its pieces: bytes, and between them a number: the index of an own value to write
   * (0 and up), or, below 0, the response's prompt tokens plus `-n - 1` (a usage's input, or a total).
   */
  readonly frames: ReadonlyArray<Uint8Array | readonly (Uint8Array | number)[]>
  /** Bytes held, for the cache's bound. */
  readonly size: number
}

/** What a player plays for one response: the shared frames and the response's own values. */
export interface SharedFrames {
  readonly template: FrameTemplate
  readonly own: readonly Uint8Array[]
  /** The response's prompt tokens. */
  readonly input: number
  /** Subtracted from every offset, floored at 0: the headers moment the route waited, and a resume's time played. */
  readonly shift: number
  readonly fail?: (sent: number) => Uint8Array
}

/**
 * What a player plays: frames encoded up front (shared through the cache, or faulted), made as they fall due,
 * or an answer's shared frames with the response's own values (src/app/shared-frames.ts).
 */
export type Frames = EncodedFrames | LazyFrames | SharedFrames

export const isLazy = (frames: Frames): frames is LazyFrames => 'lazy' in frames
export const isShared = (frames: Frames): frames is SharedFrames => 'template' in frames
/** Frames whose offsets count from the response's start, played `shift` later (made as they play, or shared). */
export const isShifted = (frames: Frames): frames is LazyFrames | SharedFrames => 'shift' in frames

const encoder = new TextEncoder()
// On Node a Buffer goes to a socket without the Uint8Array-to-Buffer wrap that each write would otherwise
// make; elsewhere a plain Uint8Array is what web streams take.
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(text: string, encoding: 'utf8'): Uint8Array
      concat(list: readonly Uint8Array[]): Uint8Array
      byteLength?(text: string, encoding: 'utf8'): number
      allocUnsafe?(size: number): Uint8Array
    }
  }
).Buffer
export const toBytes = NodeBuffer === undefined ? (text: string) => encoder.encode(text) : (text: string) => NodeBuffer.from(text, 'utf8')
/** The length of `text` in UTF-8, without encoding it where the runtime can tell (Node). */
export const utf8Length =
  NodeBuffer?.byteLength === undefined
    ? (text: string) => encoder.encode(text).length
    : (text: string) => NodeBuffer.byteLength!(text, 'utf8')
const concat = (list: readonly Uint8Array[]): Uint8Array => {
  if (list.length === 1) return list[0]!
  if (NodeBuffer !== undefined) return NodeBuffer.concat(list)
  const out = new Uint8Array(list.reduce((size, bytes) => size + bytes.length, 0))
  list.reduce((at, bytes) => (out.set(bytes, at), at + bytes.length), 0)
  return out
}

/** A frame's bytes with `own` values and sums of `input` in its gaps (FrameTemplate). */
export function fillFrame(pieces: readonly (Uint8Array | number)[], own: readonly Uint8Array[], input: number): Uint8Array {
  let length = 0
  for (const piece of pieces)
    length += typeof piece !== 'number' ? piece.length : piece >= 0 ? own[piece]!.length : digitCount(input - piece - 1)
  const out = allocate(length)
  let at = 0
  for (const piece of pieces) {
    if (typeof piece === 'number' && piece < 0) {
      at = writeDigits(out, at, input - piece - 1)
      continue
    }
    const bytes = typeof piece === 'number' ? own[piece]! : piece
    out.set(bytes, at)
    at += bytes.length
  }
  return out
}

/** The decimal digits of a whole number 0 or more. */
function digitCount(value: number): number {
  let count = 1
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count++
  return count
}

/** Writes `value`'s decimal digits (ASCII) at `at`; returns where they end. */
function writeDigits(out: Uint8Array, at: number, value: number): number {
  const end = at + digitCount(value)
  let rest = value
  for (let i = end - 1; i >= at; i--) {
    out[i] = 48 + (rest % 10)
    rest = Math.floor(rest / 10)
  }
  return end
}

// On Node, Buffer.allocUnsafe slices a shared pool for small sizes, and a Buffer goes to a socket as it is.
const allocate =
  NodeBuffer?.allocUnsafe === undefined ? (length: number) => new Uint8Array(length) : (length: number) => NodeBuffer.allocUnsafe!(length)

export function encodeFrames(frames: readonly TimedFrame[]): EncodedFrames {
  const at: number[] = []
  const bytes: Uint8Array[] = []
  let size = 0
  for (const frame of frames) {
    const encoded = toBytes(frame.text)
    at.push(frame.at)
    bytes.push(encoded)
    size += encoded.length
  }
  return { at, bytes, size }
}

/**
 * How far apart the pieces of a split stream are due, in ms: far enough that each goes out in a tick of the
 * clock of its own (a 1 ms slot, src/app/clock.ts), so Node sends it as its own TCP segment (node:http sets
 * TCP_NODELAY) and a reader on the other end, which reads what has arrived, gets it as its own chunk.
 */
const SPLIT_GAP_MS = 1

/**
 * The split fault: each frame cut into 2 to `most` pieces at the byte offsets splitPoints picks (inside
 * multi-byte characters and `data:` lines), from a source seeded by `most` as coalesce's is, so the same stream
 * is cut the same way. `together` (coalesce) cuts the frames due at the same moment as one, the burst a
 * buffering proxy delivers, so that the bursts stay bursts. A piece is due SPLIT_GAP_MS after the one before
 * it, or when its frame was due if that is later: a stream whose frames come further apart than that keeps its
 * timing, one whose frames fall due together (delay=0) is stretched by a millisecond (or two) a piece. The
 * pieces are views of the frames' bytes, so joined they are the unsplit stream, byte for byte.
 */
export function splitFrames(frames: EncodedFrames, most: number, together = false): EncodedFrames {
  const random = createRandom(most)
  const at: number[] = []
  const bytes: Uint8Array[] = []
  /** Per piece, how many frames have gone out once the write it is cut from is whole. */
  const sentAfter: number[] = []
  let due = -Infinity
  for (let first = 0; first < frames.at.length;) {
    let end = first + 1
    while (together && end < frames.at.length && frames.at[end] === frames.at[first]) end++
    const write = concat(frames.bytes.slice(first, end))
    let from = 0
    for (const to of [...splitPoints(write, most, random), write.length]) {
      due = Math.max(frames.at[first]!, due + SPLIT_GAP_MS)
      at.push(due)
      bytes.push(write.subarray(from, to))
      sentAfter.push(end)
      from = to
    }
    first = end
  }
  const fail = frames.fail
  return {
    at,
    bytes,
    size: frames.size,
    apart: true,
    ...(frames.headersAt !== undefined ? { headersAt: frames.headersAt } : {}),
    // A stream that fails inside tokensim after `sent` pieces: the rest of the write it was in, so the error
    // event does not land inside a frame, then the format's error after the frames that makes whole.
    ...(fail !== undefined
      ? {
          fail: (sent: number): Uint8Array => {
            if (sent === 0) return fail(0)
            const whole = sentAfter[sent - 1]!
            let end = sent
            while (sentAfter[end] === whole) end++
            return concat([...bytes.slice(sent, end), fail(whole)])
          },
        }
      : {}),
  }
}

export interface FrameCache {
  /**
   * The frames for `key`, made with `make` on a miss. Requests that ask while they are being made wait for
   * them rather than make their own; a make that fails is not kept.
   */
  get(key: string, make: () => EncodedFrames | Promise<EncodedFrames>): Promise<EncodedFrames>
  readonly size: number
}

/** Least recently used entries go first once there are more than `entries` or more than `bytes` in all. */
export function createFrameCache({ entries = 512, bytes = 64 * 1024 * 1024 } = {}): FrameCache {
  const map = new Map<string, { frames: Promise<EncodedFrames>; size: number }>()
  let total = 0
  return {
    async get(key, make) {
      const hit = map.get(key)
      if (hit !== undefined) {
        map.delete(key) // Map keeps insertion order: re-inserting marks it most recently used
        map.set(key, hit)
        return hit.frames
      }
      const entry = { frames: Promise.resolve().then(make), size: 0 }
      map.set(key, entry)
      let made: EncodedFrames
      try {
        made = await entry.frames
      } catch (error) {
        if (map.get(key) === entry) map.delete(key)
        throw error
      }
      if (map.get(key) !== entry) return made
      if (made.size > bytes) {
        map.delete(key) // larger than the whole cache: served uncached
        return made
      }
      entry.size = made.size
      total += made.size
      for (const [oldKey, old] of map) {
        if (map.size <= entries && total <= bytes) break
        map.delete(oldKey)
        total -= old.size
      }
      return made
    },
    get size() {
      return map.size
    },
  }
}
