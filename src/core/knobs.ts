/**
 * The knobs of one stream and each one's name on every surface: the query parameter of GET /stream, the
 * `x-tokensim-*` header every route reads (on /stream the query wins), and the start() option whose flag sets
 * its default for every request. One table, read by the app (the headers), the CLI (the flags) and the
 * reference's test, so that the three spellings of a knob cannot drift apart. The values are checked in one
 * place, whichever surface gave them (parseStreamParams).
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

/** The request headers that tune one answer, each with the query parameter it stands for. */
export const KNOB_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(
  KNOBS.flatMap((knob: Knob) => (knob.header === undefined ? [] : [[knob.header, knob.param]])),
)

/** The start() options (and flags) that set a knob's default, in the table's order. */
export const KNOB_OPTIONS = KNOBS.flatMap((knob: Knob) => (knob.option === undefined ? [] : [knob.option]))
