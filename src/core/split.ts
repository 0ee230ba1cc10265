/**
 * split: text -> units. For every unit kind the units joined give back the input exactly, code unit for
 * code unit (CR, NUL, lone surrogates and megabytes of text included): a property test holds it to that.
 */
import { decodeGenerator, encode } from 'gpt-tokenizer/encoding/o200k_base'
import type { UnitKind } from './types.js'

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' })
const words = new Intl.Segmenter('en', { granularity: 'word' })

/** Cuts `text` into units of the given kind. */
export function split(text: string, unit: UnitKind): string[] {
  switch (unit) {
    case 'char':
      return splitGraphemes(text)
    case 'word':
      return splitWords(text)
    case 'token':
      return splitTokens(text)
  }
}

/** Extended grapheme clusters (UAX #29): a ZWJ family, a flag or a letter with its combining marks is one unit. */
function splitGraphemes(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment)
}

/**
 * A word and the punctuation and whitespace after it: a unit starts at every word-like segment (UAX #29 word
 * boundaries, so CJK text is cut into words by the dictionary, not left as one run), and whatever is not
 * word-like joins the unit before it. Text that starts with spaces or punctuation gets them as its first unit.
 */
function splitWords(text: string): string[] {
  const units: string[] = []
  let current = ''
  for (const { segment, isWordLike } of words.segment(text)) {
    if (isWordLike === true && current !== '') {
      units.push(current)
      current = ''
    }
    current += segment
  }
  if (current !== '') units.push(current)
  return units
}

// A lone surrogate has no UTF-8 form, so a BPE tokenizer would turn it into U+FFFD and lose it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u

/**
 * o200k_base tokens (GPT-4o and later). A token that ends inside a multi-byte character (an emoji is often
 * two or three byte-level tokens) is merged with the next ones until the text is whole again, which is what
 * decodeGenerator yields; a lone surrogate, which has no bytes to tokenize, is a unit of its own.
 * Special-token text such as `<|endoftext|>` is tokenized as ordinary text, as chat replies contain it.
 */
function splitTokens(text: string): string[] {
  const units: string[] = []
  let rest = text
  for (;;) {
    const match = LONE_SURROGATE.exec(rest)
    const end = match === null ? rest.length : match.index
    if (end > 0) {
      const tokens = encode(rest.slice(0, end), { disallowedSpecial: new Set() })
      for (const piece of decodeGenerator(tokens)) units.push(piece)
    }
    if (match === null) return units
    units.push(match[0])
    rest = rest.slice(end + 1)
  }
}
