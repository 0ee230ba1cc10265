/**
 * Encode once, write many: a stream's frames as bytes, kept in a bounded cache keyed by everything that
 * decides them, so a thousand clients of the same reply and settings share one set of buffers and the
 * per-event work is a single write of bytes that already exist.
 */
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
}

const encoder = new TextEncoder()
// On Node a Buffer goes to a socket without the Uint8Array-to-Buffer wrap that each write would otherwise
// make; elsewhere a plain Uint8Array is what web streams take.
const NodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'utf8'): Uint8Array } }).Buffer
export const toBytes = NodeBuffer === undefined ? (text: string) => encoder.encode(text) : (text: string) => NodeBuffer.from(text, 'utf8')

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

export interface FrameCache {
  /** The frames for `key`, made with `make` on a miss. */
  get(key: string, make: () => EncodedFrames): EncodedFrames
  readonly size: number
}

/** Least recently used entries go first once there are more than `entries` or more than `bytes` in all. */
export function createFrameCache({ entries = 512, bytes = 64 * 1024 * 1024 } = {}): FrameCache {
  const map = new Map<string, EncodedFrames>()
  let total = 0
  return {
    get(key, make) {
      const hit = map.get(key)
      if (hit !== undefined) {
        map.delete(key) // Map keeps insertion order: re-inserting marks it most recently used
        map.set(key, hit)
        return hit
      }
      const made = make()
      if (made.size > bytes) return made // larger than the whole cache: serve it uncached
      map.set(key, made)
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
