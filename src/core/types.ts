/** The shapes the pure pipeline passes along: split -> schedule -> plan -> encode. */

/** How a reply is cut into units: grapheme clusters, words (with the whitespace after them) or o200k_base BPE tokens. */
export type UnitKind = 'char' | 'word' | 'token'

export const UNIT_KINDS: readonly UnitKind[] = ['char', 'word', 'token']

/** The latency model of one stream, in milliseconds: the uniform knobs, or a profile's distributions. */
export type Timing = UniformTiming | ProfileTiming

/** The uniform model of the `delay`, `ttft` and `jitter` knobs. */
export interface UniformTiming {
  readonly kind?: 'uniform'
  /** Time to first unit, from the moment the response starts. */
  readonly ttft: number
  /** Mean gap between two units. */
  readonly delay: number
  /** Relative spread of each gap (and of ttft): 0 is a metronome, 0.5 draws each gap from delay x [0.5, 1.5]. */
  readonly jitter: number
}

/**
 * A log-normal distribution of ms, declared by its median and 99th percentile (p99 = median: a constant), and
 * capped at `max` (default: its 99.9th percentile) so that one draw never runs away.
 */
export interface LogNormal {
  readonly median: number
  readonly p99: number
  readonly max?: number
}

/** With probability `chance`, a gap is a stall drawn from this distribution instead of the usual gap. */
interface Stall extends LogNormal {
  readonly chance: number
}

/**
 * What a latency profile draws: time to first unit, the gaps, the optional stalls and bursts, and the optional
 * moments before the first unit: when the response headers go out and when the body's first frame does.
 */
export interface LatencyShape {
  readonly ttft: LogNormal
  /** Ms after the start before the response headers are sent (none: at once). At most `firstByte`. */
  readonly headers?: LogNormal
  /** Ms after the start before the body's first frame (none: where each format puts it). At most ttft. */
  readonly firstByte?: LogNormal
  readonly gap: LogNormal
  readonly stall?: Stall
  /** The probability that a gap is 0: the unit comes with the one before it, as a burst. */
  readonly burst?: number
}

/** A profile's latency as one stream uses it (its medians possibly overridden by the knobs). */
export interface ProfileTiming extends LatencyShape {
  readonly kind: 'profile'
  /** The profile it comes from. */
  readonly name: string
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

/**
 * The two moments of a response before its first unit, in ms after the start, so that a client can tell them
 * apart from the first visible text: headers <= first byte <= first unit. Each is absent where the latency
 * declares none, and the stream then starts as it always has: headers at once, the first frame where its format
 * puts it (a native retry line or a Responses response.created at the start, an OpenAI role chunk or an
 * Anthropic message_start with the first unit).
 */
export interface StartMoments {
  readonly headersAt?: number
  readonly firstByteAt?: number
}

/** Everything a stream will send, fixed before the first byte: the pipeline is data. */
export interface StreamPlan extends StartMoments {
  /** Units in the whole reply, whatever part of it this plan sends. */
  readonly total: number
  /** Characters (UTF-16 code units) in the whole reply. */
  readonly chars: number
  /** Events still to send, in order, made as they are read; offsets are relative to this response's start. */
  readonly events: Iterable<PlannedEvent>
  /** How many events there are. */
  readonly count: number
  /** The first event's offset; undefined when there is none. */
  readonly firstAt: number | undefined
  /** Offset at which the stream ends (the last event's offset, or 0). */
  readonly end: number
  /** The unit this plan resumes after (-1 for a fresh stream). */
  readonly resumedAfter: number
  readonly timing: Timing
  readonly unit: UnitKind
}

/**
 * One piece of what a model answers, in the order it streams: a reasoning phase ("thinking"), the visible
 * text, and tool calls (a function name and its arguments as JSON text, streamed in pieces); or, instead of
 * text and calls, a refusal (the `refusal` fault): the words of a model that declines, which each format
 * sends its own way (OpenAI's `refusal` field and part, or nothing but the stop reason).
 */
export type Part =
  | { readonly kind: 'reasoning'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'refusal'; readonly text: string }
  | {
      readonly kind: 'tool_call'
      readonly id: string
      readonly name: string
      readonly arguments: string
      /** False for a call to a tool the request did not offer (the `unknown-tool` fault). */
      readonly offered?: false
    }

/** A whole answer of the simulated model: its parts, reasoning first, then text, then tool calls. */
export interface Answer {
  readonly parts: readonly Part[]
  /** How it ends, where that is not what its parts say (`tool_calls` with a call, else `stop`): a fault's. */
  readonly finish?: FinishReason
}

/**
 * Why the answer ended, in tokensim's words; each wire format maps it to its own (`stop`, `end_turn`, ...):
 * `refusal` for a model that declines, `content_filter` for an answer a content filter stopped.
 */
export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'refusal' | 'content_filter'

/** Token counts with the real o200k_base tokenizer: what the vendor formats report as usage. */
export interface Usage {
  /** Tokens of the request's messages. */
  readonly input: number
  /** Tokens of every part of the answer, reasoning and tool-call arguments included. */
  readonly output: number
  /** The part of `output` that is reasoning. */
  readonly reasoning: number
}

/** One streamed piece of a part's text (or a tool call's arguments), due `at` ms after the response starts. */
export interface TurnDelta {
  readonly text: string
  readonly at: number
  /** The index of its last unit in the whole answer (all parts counted in order): what faults count. */
  readonly last: number
}

/** One part of the answer as it streams: opened at `start`, its deltas, closed at `end`. */
export interface PlannedPart {
  readonly part: Part
  /** Its index among the answer's parts (the vendors' block or item index). */
  readonly index: number
  /** In order; none for an empty text or `{}`-less arguments, which open and close at once. */
  readonly deltas: readonly TurnDelta[]
  /** The first delta's offset (an empty part: the previous part's end). */
  readonly start: number
  /** The last delta's offset (an empty part: its start). */
  readonly end: number
}

/** A vendor stream as data: the answer part by part with due offsets, how it ends and what it used. */
export interface TurnPlan extends StartMoments {
  readonly answer: Answer
  readonly parts: readonly PlannedPart[]
  readonly finish: FinishReason
  readonly usage: Usage
  /** Offset of the first unit: when the model starts answering. */
  readonly start: number
  /** Offset of the last unit (0 when there is none): where the closing events go. */
  readonly end: number
}
