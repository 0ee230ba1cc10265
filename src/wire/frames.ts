/** What every encoder produces: the bytes of a stream as text, each piece due at an offset. */
export interface TimedFrame {
  /** Due offset in ms after the response starts. */
  readonly at: number
  /** The SSE text to write at that moment (one or more whole events or comments). */
  readonly text: string
  /** For a frame that carries units of the answer: the index of the last one (see TurnDelta.last). */
  readonly last?: number
}
