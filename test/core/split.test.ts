import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { split } from '../../src/core/split.js'
import { UNIT_KINDS } from '../../src/core/types.js'

/** Any UTF-16 code unit, lone surrogates included: what a JavaScript string can hold, not just valid text. */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 })
/** Whole graphemes (emoji sequences, combining marks, scripts of every kind). */
const graphemes = fc.string({ unit: 'grapheme', maxLength: 200 })
const text = fc.oneof(codeUnits, graphemes, fc.string({ unit: 'binary', maxLength: 200 }))

describe('split', () => {
  it.each(UNIT_KINDS)('%s units rejoin to the input, for any string', (unit) => {
    fc.assert(
      fc.property(text, (s) => {
        expect(split(s, unit).join('')).toBe(s)
      }),
      { numRuns: 300, seed: 42 },
    )
  })

  it.each(UNIT_KINDS)('%s units are never empty', (unit) => {
    fc.assert(
      fc.property(text, (s) => split(s, unit).every((u) => u.length > 0)),
      { numRuns: 200, seed: 7 },
    )
  })

  it.each(UNIT_KINDS)('%s units rejoin a megabyte of mixed text exactly', (unit) => {
    const block = 'Hello, world! \r\n\t\0 héllo 漢字テスト 👩‍💻 🇯🇵 مرحبا <|endoftext|> \ud800 x\udc00y\n'
    const big = block.repeat(Math.ceil(1_000_000 / block.length))
    expect(big.length).toBeGreaterThanOrEqual(1_000_000)
    expect(split(big, unit).join('')).toBe(big)
  })

  it('char: long texts are cut exactly as one pass of Intl.Segmenter cuts them', () => {
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' })
    const longText = fc
      .array(fc.oneof(graphemes, codeUnits, fc.constantFrom('🇯🇵🇫🇷🇩', 'e\u0301\u0301', '\r\n', '👩‍👩‍👧‍👦')), { minLength: 20, maxLength: 120 })
      .map((parts) => parts.join('').repeat(8))
    fc.assert(
      fc.property(longText, (s) => {
        expect(split(s, 'char')).toEqual(Array.from(segmenter.segment(s), (x) => x.segment))
      }),
      { numRuns: 25, seed: 17 },
    )
  })

  it('char: ASCII next to marks, prepends, joiners and CR LF is cut exactly as one pass of Intl.Segmenter cuts it', () => {
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' })
    // ASCII runs (cut without the segmenter) around what attaches to them: combining marks, a prepend (U+0600),
    // ZWJ, variation selectors, keycaps, CR LF split across the pieces.
    const piece = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 6 }),
      fc.constantFrom('\u0301', '\u0600', '\u200d', '\ufe0f', '\u20e3', '\r', '\n', '\r\n', '👩', '🇯', '\ud800', '\udc00', 'é', '漢'),
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const s = parts.join('')
        expect(split(s, 'char')).toEqual(Array.from(segmenter.segment(s), (x) => x.segment))
      }),
      { numRuns: 2000, seed: 23 },
    )
  })

  it.each(UNIT_KINDS)('%s with a maximum: the first units of the whole split, more than the maximum exactly when it has more', (unit) => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 60 }), (s, max) => {
        const all = split(s, unit)
        const some = split(s, unit, max)
        expect(some.length > max).toBe(all.length > max)
        if (all.length <= max) expect(some).toEqual(all)
        else expect(all.slice(0, max + 1)).toEqual(some.slice(0, max + 1))
      }),
      { numRuns: 300, seed: 31 },
    )
  })

  it.each(UNIT_KINDS)('%s with a maximum stops early on a megabyte of text', (unit) => {
    const big = 'Hello, world! héllo 漢字 👩‍💻 '.repeat(40_000)
    const some = split(big, unit, 1000)
    expect(some.length).toBeGreaterThan(1000)
    expect(some.join('').length).toBeLessThan(big.length / 10)
  })

  it('char: a grapheme cluster is one unit and a surrogate pair is never cut', () => {
    expect(split('a👩‍👩‍👧‍👦b', 'char')).toEqual(['a', '👩‍👩‍👧‍👦', 'b'])
    expect(split('🇫🇷🇯🇵', 'char')).toEqual(['🇫🇷', '🇯🇵'])
    expect(split('e\u0301x', 'char')).toEqual(['e\u0301', 'x'])
    expect(split('👍🏽!', 'char')).toEqual(['👍🏽', '!'])
    expect(split('\r\n\r', 'char')).toEqual(['\r\n', '\r'])
    expect(split('a\ud800b', 'char')).toEqual(['a', '\ud800', 'b'])
    expect(split('', 'char')).toEqual([])
  })

  it('char: no unit of any string starts or ends inside a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) =>
        split(s, 'char').every((u) => !/^[\udc00-\udfff]/.test(u) && !/[\ud800-\udbff]$/.test(u)),
      ),
      { numRuns: 300, seed: 3 },
    )
  })

  it('word: a word carries the punctuation and whitespace after it', () => {
    expect(split('Hello, world!  How are you?\n', 'word')).toEqual(['Hello, ', 'world!  ', 'How ', 'are ', 'you?\n'])
    expect(split('  leading space', 'word')).toEqual(['  ', 'leading ', 'space'])
    expect(split('', 'word')).toEqual([])
  })

  it('word: CJK text is cut into words, not left as one run', () => {
    expect(split('今日は良い天気です。', 'word').length).toBeGreaterThan(2)
  })

  it('token: real o200k_base tokens', () => {
    // Known o200k_base tokenization (the same as tiktoken's): "Hello" " world" "!"
    expect(split('Hello world!', 'token')).toEqual(['Hello', ' world', '!'])
    expect(split('<|endoftext|>', 'token').join('')).toBe('<|endoftext|>')
    expect(split('<|endoftext|>', 'token').length).toBeGreaterThan(1) // text, not the special token
  })

  it('token: a character spread over several byte-level tokens stays whole', () => {
    for (const unit of split('🦜🧑‍🤝‍🧑 𝕳𝖊𝖑𝖑𝖔 ঔ', 'token')) expect(unit).not.toContain('\ufffd')
  })

  it('token: lone surrogates survive as units of their own', () => {
    const units = split('ab\ud800cd\udfffe', 'token')
    expect(units).toContain('\ud800')
    expect(units).toContain('\udfff')
    expect(units.join('')).toBe('ab\ud800cd\udfffe')
  })
})
