/** The shapes the pure pipeline passes along: split -> schedule -> plan -> encode. */

/** How a reply is cut into units: grapheme clusters, words (with the whitespace after them) or o200k_base BPE tokens. */
export type UnitKind = 'char' | 'word' | 'token'

export const UNIT_KINDS: readonly UnitKind[] = ['char', 'word', 'token']

/** The latency model of one stream, in milliseconds. */
export interface Timing {
  /** Time to first unit, from the moment the response starts. */
  readonly ttft: number
  /** Mean gap between two units. */
  readonly delay: number
  /** Relative spread of each gap (and of ttft): 0 is a metronome, 0.5 draws each gap from delay x [0.5, 1.5]. */
  readonly jitter: number
}

/** A canned reply: a name to ask for it by, and its text. */
export interface Reply {
  readonly name: string
  readonly description: string
  readonly text: string
}

/** One SSE event's worth of units: `first`..`last` (inclusive), due `at` ms after the stream's start. */
export interface PlannedEvent {
  readonly first: number
  readonly last: number
  readonly text: string
  readonly at: number
}

/** Everything a stream will send, fixed before the first byte: the pipeline is data. */
export interface Plan {
  /** Units in the whole reply, whatever part of it this plan sends. */
  readonly total: number
  /** Characters (UTF-16 code units) in the whole reply. */
  readonly chars: number
  /** Events still to send, in order; offsets are relative to this response's start. */
  readonly events: readonly PlannedEvent[]
  /** Offset at which the stream ends (the last event's offset, or 0). */
  readonly end: number
  /** The unit this plan resumes after (-1 for a fresh stream). */
  readonly resumedAfter: number
  readonly timing: Timing
  readonly unit: UnitKind
}
