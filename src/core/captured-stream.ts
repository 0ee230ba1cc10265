/**
 * What a captured stream is, in either of its forms (src/core/capture.ts parses JSON Lines, src/core/capture-sse.ts
 * plain SSE): its reads with their offsets, what its header tells, and the error that names the line at fault.
 */

/** One network read: its offset in ms from the response start, and its bytes as text. */
export interface CaptureRead {
  readonly t: number
  readonly data: string
}

export interface Capture {
  /** The header's name, if it gives one (the loader falls back to the file name). */
  readonly name?: string
  readonly status: number
  readonly contentType: string
  /** The request it was recorded from; a plain SSE file has none, so any route may play it. */
  readonly method?: string
  /** Path and query, as requested. */
  readonly path?: string
  /** ISO 8601, when it was recorded. */
  readonly recordedAt?: string
  /**
   * Whether the reads carry their own times. An untimed capture (a plain SSE file without `: t=` comments)
   * holds one read per event, played a fixed gap apart.
   */
  readonly timed: boolean
  readonly reads: readonly CaptureRead[]
}

/** A capture with the name it is served by. */
export interface NamedCapture extends Capture {
  readonly name: string
}

export class CaptureError extends Error {
  override readonly name = 'CaptureError'
  constructor(
    /** 1-based. */
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`)
  }
}
