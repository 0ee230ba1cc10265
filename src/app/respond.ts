/** What every streaming route shares: the SSE headers, playing encoded frames to the client, and ids. */
import type { Context } from 'hono'
import { applyFaults } from '../wire/fault-frames.js'
import type { TimedFrame } from '../wire/frames.js'
import type { AppContext } from './context.js'
import { midStreamMessage, type ResponseFaults } from './request-faults.js'
import { splitFrames, toBytes, type EncodedFrames, type Frames, type LazyFrames } from './encoded-frames.js'
import type { AnswerStream } from './shared-frames.js'
import { eachInSlices, takeInSlices } from './slices.js'

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

/** The format's in-stream error for a stream that fails inside tokensim after `sent` frames (the player sends it). */
const internalFailure =
  (error: StreamError) =>
  (sent: number): Uint8Array =>
    toBytes(error(INTERNAL_STREAM_MESSAGE, sent, true))

/**
 * Plays one response of an answer with the request's faults applied. Unfaulted, its frames are the answer's
 * shared ones once the answer is asked for again (src/app/shared-frames.ts), else made as they fall due.
 */
export async function streamAnswer<O>(
  c: Context,
  context: AppContext,
  answer: AnswerStream<O>,
  faults: ResponseFaults,
  error: StreamError,
  headers: Record<string, string> = {},
): Promise<Response> {
  const played = await answerFrames(context, answer, faults, error)
  return context.deliver(c, played, { ...SSE_HEADERS, ...headers }, context)
}

/** What streamAnswer plays: the answer's shared frames, the frames made as they fall due, or, faulted, encoded whole. */
export async function answerFrames<O>(
  context: AppContext,
  answer: AnswerStream<O>,
  faults: ResponseFaults,
  error: StreamError,
): Promise<Frames> {
  if (!reworksFrames(faults)) {
    const shared = await context.shared.get(answer)
    if (shared !== undefined) return { ...shared, shift: faults.headersAt ?? 0, fail: internalFailure(error) }
  }
  return framesToPlay(answer.encode(answer.plan, answer.options), faults, error)
}

/** Frames to play: made as they fall due, or, faulted, encoded whole. */
async function framesToPlay(
  frames: Iterator<TimedFrame, unknown> & Iterable<TimedFrame>,
  faults: ResponseFaults,
  error: StreamError,
): Promise<Frames> {
  if (!reworksFrames(faults)) return playedLazily(frames, faults.headersAt ?? 0, error)
  return encodeFaulted(await takeInSlices(frames, Infinity), faults, error)
}

/** Frames made as they fall due, played from the moment the headers go out, `headersAt` after the start. */
function playedLazily(frames: Iterator<TimedFrame, unknown>, headersAt: number, error: StreamError): LazyFrames {
  return { lazy: frames, shift: headersAt, fail: internalFailure(error) }
}

/** Whether a request's faults move, cut, merge or split its frames (else they are played as encoded). */
export const reworksFrames = (faults: Pick<ResponseFaults, 'cut' | 'stalls' | 'coalesce' | 'split'>): boolean =>
  faults.cut !== undefined || faults.stalls.length > 0 || faults.coalesce !== undefined || faults.split !== undefined

/**
 * The frames with the faults' silences and cut applied, encoded, cut into pieces (split), and re-timed from the
 * moment the headers go out (`faults.headersAt`, which the route has waited): the player starts its clock then,
 * and each frame still arrives at its offset from the start.
 */
export async function encodeFaulted(frames: readonly TimedFrame[], faults: ResponseFaults, error: StreamError): Promise<EncodedFrames> {
  const message = midStreamMessage(faults)
  const encoded = await encodeHeld(
    applyFaults(frames, faults, (kept) => error(message, kept, false)),
    faults.headersAt ?? 0,
    error,
  )
  // Split last, on the bytes: its cuts fall inside characters, which no text can hold.
  return faults.split === undefined ? encoded : splitFrames(encoded, faults.split, faults.coalesce !== undefined)
}

/**
 * Frames timed from the start, encoded (a slice at a time: a long stream is 100,000 of them) to be played from
 * the moment the headers go out, `headersAt` later, with the format's in-stream error for a stream that fails
 * inside tokensim (src/app/player.ts sends it).
 */
export async function encodeHeld(frames: Iterable<TimedFrame>, headersAt: number, error: StreamError): Promise<EncodedFrames> {
  const fail = internalFailure(error)
  const at: number[] = []
  const bytes: Uint8Array[] = []
  let size = 0
  // None before the headers: the moments keep their order (headers <= first byte), so this only rounds.
  await eachInSlices(frames, (frame) => {
    const encoded = toBytes(frame.text)
    at.push(headersAt > 0 ? Math.max(0, frame.at - headersAt) : frame.at)
    bytes.push(encoded)
    size += encoded.length
  })
  return { at, bytes, size, fail, ...(headersAt > 0 ? { headersAt } : {}) }
}
