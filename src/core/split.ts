/**
 * split: text -> units. For every unit kind the units joined give back the input exactly, code unit for
 * code unit (CR, NUL, lone surrogates and megabytes of text included): a property test holds it to that.
 */
import { decodeGenerator, encode } from 'gpt-tokenizer/encoding/o200k_base'
import { spans } from './tokens.js'
import type { UnitKind } from './types.js'

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' })
const words = new Intl.Segmenter('en', { granularity: 'word' })

/**
 * Cuts `text` into units of the given kind. With `max`, it stops soon after it has more than `max` units (the
 * result then holds more than `max`, but not all of them), so a caller with a limit never pays for splitting a
 * huge text it will refuse.
 */
export function split(text: string, unit: UnitKind, max = Infinity): string[] {
  const units: string[] = []
  for (const piece of unitsOf(text, unit)) {
    units.push(piece)
    if (units.length > max) break
  }
  return units
}

/**
 * The units of `text` one at a time, so that a caller can stop early (a limit) or take a long text a slice at
 * a time (src/app/slices.ts) without this module knowing about either.
 */
export function unitsOf(text: string, unit: UnitKind): Generator<string, void> {
  switch (unit) {
    case 'char':
      return graphemesOf(text)
    case 'word':
      return wordsOf(text)
    case 'token':
      return tokensOf(text)
  }
}

/**
 * Extended grapheme clusters (UAX #29): a ZWJ family, a flag or a letter with its combining marks is one unit.
 * Between two ASCII characters there is always a boundary but inside CR LF (no ASCII character extends,
 * prepends or joins), so a run of ASCII is cut there at once, and Intl.Segmenter, which costs about 2 µs a
 * character, only sees the stretches around other characters: the same units, and 100,000 ASCII characters cut
 * in 6 ms instead of 223 ms (measured on the development machine).
 */
function* graphemesOf(text: string): Generator<string, void> {
  let start = 0 // the start of the stretch not yet cut
  let previous = text.length > 0 ? text.charCodeAt(0) : 0
  for (let i = 1; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : -1
    if (code !== -1 && !(previous < 0x80 && code < 0x80 && !(previous === 13 && code === 10))) {
      previous = code
      continue
    }
    if (i - start === 1) yield text[start]!
    else if (i > start) for (const { segment } of segmentsOf(graphemes, text.slice(start, i))) yield segment
    start = i
    previous = code
  }
}

/**
 * A word and the punctuation and whitespace after it: a unit starts at every word-like segment (UAX #29 word
 * boundaries, so CJK text is cut into words by the dictionary, not left as one run), and whatever is not
 * word-like joins the unit before it. Text that starts with spaces or punctuation gets them as its first unit.
 */
function* wordsOf(text: string): Generator<string, void> {
  let current = ''
  for (const { segment, isWordLike } of segmentsOf(words, text)) {
    if (isWordLike === true && current !== '') {
      yield current
      current = ''
    }
    current += segment
  }
  if (current !== '') yield current
}

/** Code units segmented at a time: small enough that V8's cost per window stays flat (see segmentsOf). */
const WINDOW = 2048

/**
 * `segmenter.segment(text)`, window by window. V8's segment iterator costs time in proportion to the whole
 * string at every step for strings that are not Latin-1, so one pass over 100 KB of CJK text takes minutes
 * (measured: 80,000 code units of mixed Latin and CJK, 93 s in one pass, under 0.1 s windowed). Each window
 * starts at a boundary the previous one found, and its last segment, which the window's end may have cut,
 * is segmented again at the start of the next window; a segment longer than a window (thousands of
 * combining marks) widens the window until it fits. Graphemes come out exactly as in one pass (a test holds
 * it to that); words can differ only where a dictionary-segmented script (Thai, Lao, Khmer) crosses a window.
 */
function* segmentsOf(segmenter: Intl.Segmenter, text: string): Generator<Intl.SegmentData> {
  let start = 0
  let width = WINDOW
  while (start < text.length) {
    const end = Math.min(start + width, text.length)
    let previous: Intl.SegmentData | undefined
    for (const data of segmenter.segment(text.slice(start, end))) {
      if (previous !== undefined) yield previous
      previous = data
    }
    if (previous === undefined) return
    if (end === text.length) {
      yield previous
      return
    }
    if (previous.index === 0) {
      width *= 2 // one segment fills the window: it may go on past it
    } else {
      start += previous.index
      width = WINDOW
    }
  }
}

// A lone surrogate has no UTF-8 form, so a BPE tokenizer would turn it into U+FFFD and lose it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu

/**
 * o200k_base tokens (GPT-4o and later). A token that ends inside a multi-byte character (an emoji is often
 * two or three byte-level tokens) is merged with the next ones until the text is whole again, which is what
 * decodeGenerator yields; a lone surrogate, which has no bytes to tokenize, is a unit of its own.
 * Special-token text such as `<|endoftext|>` is tokenized as ordinary text, as chat replies contain it.
 */
function* tokensOf(text: string): Generator<string, void> {
  // In spans (see src/core/tokens.ts): BPE costs the square of a run's length.
  function* tokenize(from: number, to: number): Generator<string, void> {
    if (to <= from) return
    for (const span of spans(text.slice(from, to))) yield* decodeGenerator(encode(span, { disallowedSpecial: NO_SPECIAL_TOKENS }))
  }
  let from = 0
  for (const match of text.matchAll(LONE_SURROGATE)) {
    yield* tokenize(from, match.index)
    yield match[0]
    from = match.index + 1
  }
  yield* tokenize(from, text.length)
}

const NO_SPECIAL_TOKENS = new Set<string>()
