/** countTokens and split by token on long text: exact where text has spaces, and never quadratic on a long run. */
import { countTokens as directCount, encode } from 'gpt-tokenizer/encoding/o200k_base'
import { describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { split } from '../../src/core/split.js'
import { countTokens, SPAN, spans } from '../../src/core/tokens.js'

const everything = new Set<string>()
const long = BUILTIN_REPLIES.find((r) => r.name === 'long')!.text

describe('token spans', () => {
  it('join back to the text exactly, each at most SPAN long, never cutting a surrogate pair', () => {
    const text = `${'a'.repeat(SPAN * 2 + 7)} ${'🦜'.repeat(SPAN)} end`
    const pieces = [...spans(text)]
    expect(pieces.join('')).toBe(text)
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(SPAN)
      expect(/^[\uDC00-\uDFFF]/.test(piece)).toBe(false)
    }
  })

  it('count exactly as the tokenizer does in one go, for text with spaces longer than a span', () => {
    const text = long.repeat(3)
    expect(text.length).toBeGreaterThan(SPAN * 3)
    expect(countTokens(text)).toBe(directCount(text, { disallowedSpecial: everything }))
    expect(split(text, 'token')).toHaveLength(encode(text).length) // no multi-byte merges in this text
  })

  it('handle a megabyte with no space in well under the time one BPE pass takes (generous bound)', () => {
    const run = 'a'.repeat(1024 * 1024)
    const started = performance.now()
    expect(countTokens(run)).toBeGreaterThan(0)
    expect(split(run, 'token').join('')).toBe(run)
    // One pass over 100,000 letters alone took 7.3 s; spans make a megabyte linear.
    expect(performance.now() - started).toBeLessThan(20_000)
  })
})
