/**
 * The page's reading-pace reference as pure functions run in Node (web/reading-pace.js): the words of a text,
 * and where a stream stands against a reader who starts at its first token and reads 238 words a minute
 * (Brysbaert 2019). test/e2e/layout.test.ts checks what the page shows of it in a browser.
 */
import { describe, expect, it } from 'vitest'
import * as replies from '../../src/core/replies/builtin.js'
import { countWords, formatPace, READING_SOURCE, READING_WPM, readingPace, wordCounter } from '../../web/reading-pace.js'

describe('the reading pace', () => {
  it('reads at the cited pace: 238 words a minute, silent reading of English non-fiction (Brysbaert 2019)', () => {
    expect(READING_WPM).toBe(238)
    expect(READING_SOURCE).toContain('238 words a minute')
    expect(READING_SOURCE).toContain('Brysbaert 2019')
    expect(READING_SOURCE).toContain('How many words do we read per minute?')
  })

  it.each([
    ['', 0],
    ['one', 1],
    ['Time to first token', 4],
    ["don't stop: time-to-first is one word", 6],
    ['## A heading\n\n- **bold** item, `code()`\n', 5],
    ['| a | b |\n| --- | --- |\n| 1 | 2 |', 4],
    ['50,000 and 200,000 entries, 3.5 each', 6],
    ['caf\u00e9 na\u00efve \u00fcber', 3],
    ['   \n\t ', 0],
  ])('counts the words of %j: %i', (text, words) => {
    expect(countWords(text)).toBe(words)
  })

  it('counts a growing text as countWords counts each of its prefixes, reading only what came since', () => {
    const { BUILTIN_REPLIES } = replies
    for (const { name, text } of BUILTIN_REPLIES) {
      const count = wordCounter()
      // cut anywhere, inside words, numbers and white space alike
      for (let end = 0; end <= text.length; end += 1 + (end % 7))
        expect(count(text.slice(0, end)), `${name} to ${end}`).toBe(countWords(text.slice(0, end)))
      expect(count(text), name).toBe(countWords(text))
    }
    // a shorter text (a new stream in the same place) starts over
    const count = wordCounter()
    expect(count('one two three ')).toBe(3)
    expect(count('four')).toBe(1)
  })

  it.each([
    // words received, ms since the first token -> ratio, the reader's words, the reader's share of what arrived
    { words: 238, ms: 60_000, ratio: 1, readerWords: 238, share: 1 },
    { words: 476, ms: 60_000, ratio: 2, readerWords: 238, share: 0.5 },
    { words: 119, ms: 60_000, ratio: 0.5, readerWords: 119, share: 1 }, // the reader waits for the stream
    { words: 400, ms: 10_000, ratio: 400 / (238 / 6), readerWords: 238 / 6, share: 238 / 6 / 400 },
    { words: 40, ms: 1_000, ratio: 40 / (238 / 60), readerWords: 238 / 60, share: 238 / 60 / 40 },
  ])('a stream of $words words in $ms ms runs at $ratio times the reading pace', ({ words, ms, ratio, readerWords, share }) => {
    const pace = readingPace(words, ms)
    expect(pace.ratio).toBeCloseTo(ratio, 9)
    expect(pace.readerWords).toBeCloseTo(readerWords, 9)
    expect(pace.share).toBeCloseTo(share, 9)
  })

  it('gives no ratio before a second of stream or before a word, and never puts the reader past what arrived', () => {
    expect(readingPace(30, 999).ratio).toBeNull()
    expect(readingPace(30, 999).share).toBeCloseTo(Math.min(1, (999 * 238) / 60_000 / 30), 9)
    expect(readingPace(0, 5_000)).toEqual({ ratio: null, readerWords: 0, share: 0 })
    expect(readingPace(10, -50)).toEqual({ ratio: null, readerWords: 0, share: 0 })
    for (const [words, ms] of [
      [1, 60_000],
      [5, 3_000],
      [10_000, 1_000],
    ] as const) {
      const { readerWords, share } = readingPace(words, ms)
      expect(readerWords).toBeLessThanOrEqual(words)
      expect(share).toBeGreaterThan(0)
      expect(share).toBeLessThanOrEqual(1)
    }
    // another pace: fiction, 260 words a minute
    expect(readingPace(260, 60_000, 260).ratio).toBe(1)
  })

  it.each([
    [null, false, ''],
    [3.14159, false, '3.1× reading'],
    [0.55, false, '0.6× reading'],
    [9.96, false, '10× reading'],
    [12.4, false, '12× reading'],
    [3.14159, true, '3.1×'],
    [null, true, ''],
  ])('shows a ratio of %s (short: %s) as %j', (ratio, short, text) => {
    expect(formatPace(ratio, short)).toBe(text)
  })
})
