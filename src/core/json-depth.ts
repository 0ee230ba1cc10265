/**
 * How deep a JSON text nests, found by one linear scan of its characters before it is parsed: a body nested
 * thousands of levels deep overflows the stack of whatever walks it recursively after JSON.parse (the schema
 * checks, the conversation reader), and two million levels in 4 MB hold the loop for seconds. The scan stops at
 * the first level past the limit, so refusing costs no more than reading that far.
 */

/** The deepest nesting of objects and arrays a request body may have; every real SDK body fits with room to spare. */
export const MAX_JSON_DEPTH = 128

/**
 * Whether `text`, read as JSON, nests objects and arrays deeper than `max` levels. Brackets inside strings do
 * not count (a string ends at an unescaped quote: RFC 8259, section 7). Malformed text is scanned just the
 * same; JSON.parse says what is wrong with it.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 0x5c)
        i++ // backslash: the next character is escaped
      else if (code === 0x22) inString = false
    } else if (code === 0x22) inString = true
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > max) return true
    } else if (code === 0x7d || code === 0x5d) depth--
  }
  return false
}

/**
 * The same for a YAML text, where nesting comes from flow collections (`[`, `{`) and from indentation (a block
 * collection inside another is indented further, and `- - x` nests on one line): true when a line starts more
 * than `max` columns of indentation and `- `, `? `, `: ` indicators in, or flow collections nest more than `max`
 * deep. The yaml parser recurses per level (about 800 levels overflow its stack), and a deep stack there can
 * even abort the process (V8 compiling a regular expression at the stack's limit), so this errs on the side of
 * refusing: an opening bracket counts wherever it is, even in a quoted or plain scalar, while a closing one
 * counts only outside quotes and comments, where it can close a real collection.
 */
export function yamlNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let lineStart = true
  let prefix = 0
  /** The quote character of the quoted scalar being read, or 0. */
  let quote = 0
  /** The last character that was not a space: a quote after an indicator (or at a line's start) opens a quoted scalar. */
  let previous = 0x0a
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x0a) {
      lineStart = true
      prefix = 0
      if (quote === 0) previous = 0x0a
      continue
    }
    if (lineStart) {
      if (code === 0x20 || code === 0x09 || ((code === 0x2d || code === 0x3f || code === 0x3a) && isBlank(text.charCodeAt(i + 1)))) {
        if (++prefix > max) return true
        if (code !== 0x20 && code !== 0x09) previous = code
        continue
      }
      lineStart = false
    }
    if (code === 0x5b || code === 0x7b) {
      if (++depth > max) return true
    }
    if (quote !== 0) {
      if (quote === 0x22 && code === 0x5c)
        i++ // an escape in a double-quoted scalar
      else if (code === quote) {
        if (quote === 0x27 && text.charCodeAt(i + 1) === 0x27)
          i++ // '' is a quote inside a single-quoted scalar
        else quote = 0
      }
      previous = code
      continue
    }
    if (code === 0x20 || code === 0x09 || code === 0x0d) continue
    if ((code === 0x22 || code === 0x27) && OPENS_SCALAR.has(previous)) quote = code
    else if (code === 0x23 && isBlank(text.charCodeAt(i - 1))) {
      // A comment, to the end of its line.
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 0x0a) i++
      continue
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) depth--
    previous = code
  }
  return false
}

/** What may come right before a quoted scalar (spaces aside): a line's start, or an indicator. */
const OPENS_SCALAR = new Set([0x0a, 0x2d, 0x3f, 0x3a, 0x5b, 0x7b, 0x2c])

/** A space, a tab, a line end, or past the text's end. */
const isBlank = (code: number): boolean => code !== code || code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d
