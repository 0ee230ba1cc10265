/**
 * The knobs of one stream and each one's name on every surface: the query parameter of GET /stream, the
 * `x-tokensim-*` header every route reads (on /stream the query wins), and the start() option whose flag sets
 * its default for every request. One table, read by the app (the headers), the CLI (the flags) and the
 * reference's test, so that the three spellings of a knob cannot drift apart. The values are checked in one
 * place, whichever surface gave them (parseStreamParams). The request's other controls (faults, a capture to
 * replay, a scope) are in a table of their own beside it, CONTROLS, with the same spellings.
 */

/** A knob: its query parameter (the name errors use), its header, and the option that sets its default. */
export interface Knob {
  readonly param: string
  /** None: only in the query (`text`, whose value can be a megabyte). */
  readonly header?: `x-tokensim-${string}`
  /** None: per request only (`tps` is `delay` spelled as a rate). */
  readonly option?: 'reply' | 'profile' | 'unit' | 'delay' | 'ttft' | 'jitter' | 'seed' | 'chunk'
}

export const KNOBS = [
  { param: 'text' },
  { param: 'reply', header: 'x-tokensim-reply', option: 'reply' },
  { param: 'profile', header: 'x-tokensim-profile', option: 'profile' },
  { param: 'unit', header: 'x-tokensim-unit', option: 'unit' },
  { param: 'delay', header: 'x-tokensim-delay', option: 'delay' },
  { param: 'tps', header: 'x-tokensim-tps' },
  { param: 'ttft', header: 'x-tokensim-ttft', option: 'ttft' },
  { param: 'jitter', header: 'x-tokensim-jitter', option: 'jitter' },
  { param: 'seed', header: 'x-tokensim-seed', option: 'seed' },
  { param: 'chunk', header: 'x-tokensim-chunk', option: 'chunk' },
] as const satisfies readonly Knob[]

/**
 * The other controls a request may carry, each with its spellings: its query parameter on GET /stream, its
 * `x-tokensim-*` header (every route), and the flag that applies it to every request. Not parameters of a
 * stream: each is read by the part of the app it belongs to (faults, captures, scenarios).
 */
export interface Control {
  /** None: a header only (`x-tokensim-scope`; GET /journal's `scope` filter is the journal's own). */
  readonly param?: string
  readonly header: `x-tokensim-${string}`
  /** The flag that sets it for every request, if one does. */
  readonly flag?: `--${string}`
}

export const CONTROLS = {
  fault: { param: 'fault', header: 'x-tokensim-fault', flag: '--fault' },
  capture: { param: 'capture', header: 'x-tokensim-capture' },
  speed: { param: 'speed', header: 'x-tokensim-speed' },
  gap: { param: 'gap', header: 'x-tokensim-gap' },
  scope: { header: 'x-tokensim-scope' },
} as const satisfies Readonly<Record<string, Control>>

/** The request headers that tune one answer, each with the query parameter it stands for. */
export const KNOB_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(
  KNOBS.flatMap((knob: Knob) => (knob.header === undefined ? [] : [[knob.header, knob.param]])),
)

/** The start() options (and flags) that set a knob's default, in the table's order. */
export const KNOB_OPTIONS = KNOBS.flatMap((knob: Knob) => (knob.option === undefined ? [] : [knob.option]))
