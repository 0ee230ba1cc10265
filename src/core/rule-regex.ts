/**
 * The regular expressions of scenario rules (`matches`, `result_matches`, `system_matches`), which run on text
 * the client sends. JavaScript's RegExp backtracks, so a rule like `^(\w+\s?)+\?$` takes seconds on 30 letters
 * and a `!`, and blocks every stream meanwhile. They run on RE2 instead (re2js, a pure-JavaScript port that
 * runs wherever tokensim does, Workers included), whose time is linear in the text. RE2 has no backreferences
 * and no lookarounds, the two features that need backtracking; a rule that uses them is refused at load.
 *
 * A rule is written in JavaScript's syntax (as with the `u` flag), translated to RE2's (`\u00e9` -> `\x{00e9}`),
 * and always matched ignoring case, on Unicode code points.
 */
import { RE2JS } from 're2js'

/** A rule's compiled expression: whether it matches anywhere in a text. */
export interface RuleRegex {
  test(text: string): boolean
}

/** Why a source cannot be a rule's expression. */
export class RuleRegexError extends Error {
  override readonly name = 'RuleRegexError'
}

export function compileRuleRegex(source: string): RuleRegex {
  try {
    // JavaScript's own check first, so a rule means what it would mean to a JavaScript reader.
    new RegExp(source, 'iu')
  } catch {
    throw new RuleRegexError(`not a valid regular expression: ${JSON.stringify(source)}`)
  }
  const feature = needsBacktracking(source)
  if (feature !== undefined) throw unsupported(source, feature)
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source), RE2JS.CASE_INSENSITIVE)
  } catch (error) {
    // Anything else RE2 cannot read, in its own words.
    throw unsupported(source, (error as Error).message.replace(/^error parsing regexp: /, ''))
  }
}

const unsupported = (source: string, what: string): RuleRegexError =>
  new RuleRegexError(
    `${JSON.stringify(source)}: ${what}; rules' regular expressions run on a linear-time engine (RE2), which has no backreferences or lookarounds`,
  )

/**
 * The first feature of `source` that only a backtracking engine runs, named for the message. The translation
 * would read `\k<name>` as the letters `k<name>`, so it is caught here rather than by RE2.
 */
function needsBacktracking(source: string): string | undefined {
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]
    if (ch === '\\') {
      const next = source[i + 1] ?? ''
      if (!inClass && (next === 'k' || /[1-9]/.test(next))) return `a backreference (\\${next === 'k' ? 'k<…>' : next})`
      i++ // the escaped character, whatever it is
    } else if (inClass) {
      if (ch === ']') inClass = false
    } else if (ch === '[') inClass = true
    else if (ch === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4)
      if (kind.startsWith('=') || kind.startsWith('!')) return `a lookahead (${source.slice(i, i + 3)})`
      if (kind === '<=' || kind === '<!') return `a lookbehind (${source.slice(i, i + 4)})`
    }
  }
  return undefined
}
