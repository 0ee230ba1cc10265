/**
 * Token counts with the real o200k_base tokenizer (GPT-4o and later), for the usage every vendor format reports.
 * Special-token text such as `<|endoftext|>` counts as ordinary text, as split() tokenizes it.
 *
 * BPE merging costs time in the square of a pre-token's length, and a pre-token is a whole run of letters: one
 * request holding a megabyte of `aaaa…` would hold the event loop for minutes (measured with gpt-tokenizer:
 * 100,000 letters, 7.3 s). So long text is tokenized in spans of at most SPAN code units, cut before a space
 * where there is one (where the tokenizer cuts anyway, as o200k's pre-tokens start with their space), and
 * hard-cut only inside a run with no space at all, where the count may then differ by a token per cut.
 */
import { countTokens as count } from 'gpt-tokenizer/encoding/o200k_base'

const NO_SPECIAL_TOKENS = new Set<string>()

/**
 * The longest span tokenized in one go, in UTF-16 code units. A span of a run with no space costs the square of
 * its length: 4096 characters of CJK text took 40 to 80 ms, which a server counting a 4 MB prompt a span at a
 * time (src/app/slices.ts) could not stay under its 50 ms slices with; 1024 take about 5 ms, and a 4 MB run
 * a quarter of the time in all (15 s became 3.5 s here), for at most a token of difference per cut.
 */
export const SPAN = 1024

/** How many o200k_base tokens `text` is. */
export function countTokens(text: string): number {
  if (text.length <= SPAN) return countSpan(text)
  let total = 0
  for (const tokens of spanTokens(text)) total += tokens
  return total
}

/**
 * The tokens of each span of `text` in turn, which add up to countTokens(text): a caller that must not hold
 * its thread for long (a server counting a 4 MB prompt: 12 s of BPE for CJK text) counts a few spans at a
 * time and lets other work run between them.
 */
export function* spanTokens(text: string): Generator<number> {
  for (const span of spans(text)) yield countSpan(span)
}

/**
 * Spans repeat: a stream's deltas (which Gemini's running usage counts one by one), the prompt a load test sends
 * again and again, and the earlier messages of a conversation, which an agent sends back with each turn. Their
 * counts are kept, up to KEPT of them and KEPT_CHARS of text in all, and the whole memo is dropped when it is full.
 */
const KEPT = 20_000
const KEPT_CHARS = 2_000_000
const counted = new Map<string, number>()
let countedChars = 0

function countSpan(span: string): number {
  let tokens = counted.get(span)
  if (tokens === undefined) {
    tokens = count(span, { disallowedSpecial: NO_SPECIAL_TOKENS })
    if (counted.size >= KEPT || countedChars + span.length > KEPT_CHARS) {
      counted.clear()
      countedChars = 0
    }
    counted.set(span, tokens)
    countedChars += span.length
  }
  return tokens
}

/** `text` in consecutive pieces of at most SPAN code units that join back to it exactly. */
export function* spans(text: string): Generator<string> {
  let start = 0
  while (start < text.length) {
    let end = Math.min(start + SPAN, text.length)
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end - 1)
      if (space > start) end = space
      // Never between the halves of a surrogate pair.
      else if (isHighSurrogate(text.charCodeAt(end - 1))) end--
    }
    yield text.slice(start, end)
    start = end
  }
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff
