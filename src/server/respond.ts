/** What every streaming route shares: the SSE headers, playing encoded frames to the client, and ids. */
import type { Context } from 'hono'
import { applyFaults } from '../wire/faults.js'
import type { TimedFrame } from '../wire/frames.js'
import type { AppContext } from './context.js'
import { midStreamMessage, type ResponseFaults } from './faults.js'
import { encodeFrames, splitFrames, toBytes, type EncodedFrames } from './frames.js'

/** Headers every SSE response carries: no caching, no transformation (compression) by proxies, no buffering by nginx. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
}

/**
 * A format's in-stream error: `message`, after `kept` frames (OpenAI Responses numbers its events), for an
 * error-after fault or, `internal`, for a failure of tokensim itself (a bug) that ends the stream.
 */
export type StreamError = (message: string, kept: number, internal: boolean) => string

/** What a client is told when a stream fails inside tokensim; the server's log has the error. */
export const INTERNAL_STREAM_MESSAGE = 'tokensim: internal error; this stream was ended (the server log has the details)'

/**
 * Plays a vendor stream with the request's faults applied (`error` renders the format's in-stream error). Its
 * frames hold a response id of their own, so they are encoded per response and not shared through the frame
 * cache as /stream's are.
 */
export function streamFrames(
  c: Context,
  context: AppContext,
  frames: readonly TimedFrame[],
  faults: ResponseFaults,
  error: StreamError,
  headers: Record<string, string> = {},
): Response {
  return context.deliver(c, encodeFaulted(frames, faults, error), { ...SSE_HEADERS, ...headers }, context)
}

/**
 * The frames with the faults' silences and cut applied, encoded, cut into pieces (split), and re-timed from the
 * moment the headers go out (`faults.headersAt`, which the route has waited): the player starts its clock then,
 * and each frame still arrives at its offset from the start.
 */
export function encodeFaulted(frames: readonly TimedFrame[], faults: ResponseFaults, error: StreamError): EncodedFrames {
  const message = midStreamMessage(faults)
  const encoded = encodeHeld(
    applyFaults(frames, faults, (kept) => error(message, kept, false)),
    faults.headersAt ?? 0,
    error,
  )
  // Split last, on the bytes: its cuts fall inside characters, which no text can hold.
  return faults.split === undefined ? encoded : splitFrames(encoded, faults.split, faults.coalesce !== undefined)
}

/**
 * Frames timed from the start, encoded to be played from the moment the headers go out, `headersAt` later,
 * with the format's in-stream error for a stream that fails inside tokensim (src/server/player.ts sends it).
 */
export function encodeHeld(frames: readonly TimedFrame[], headersAt: number, error: StreamError): EncodedFrames {
  const fail = (sent: number): Uint8Array => toBytes(error(INTERNAL_STREAM_MESSAGE, sent, true))
  if (headersAt <= 0) return { ...encodeFrames(frames), fail }
  // None before the headers: the moments keep their order (headers <= first byte), so this only rounds.
  return { ...encodeFrames(frames.map((frame) => ({ ...frame, at: Math.max(0, frame.at - headersAt) }))), headersAt, fail }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A fresh id in a vendor's style: `prefix` and `length` random letters and digits (Web Crypto, on every runtime). */
export function newId(prefix: string, length = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  let id = prefix
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length]
  return id
}

/** Now, in Unix seconds, for `created` fields. */
export const unixSeconds = (): number => Math.floor(Date.now() / 1000)
