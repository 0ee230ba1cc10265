/**
 * The commands of a `sh` example, split into words as bash would (for test/docs-examples.test.ts, which runs
 * them without a shell): `\` line continuations, single and double quotes, `$'...'` strings, comments, and the
 * separators `;`, `&&` and `&`. Anything an example would need a real shell for (variables, pipes, redirects,
 * command substitution) is an error that says so, rather than a command run differently from the README's.
 */

export interface ShellCommand {
  readonly words: readonly string[]
  /** 1-based line of the block on which the command starts. */
  readonly line: number
  /** Ended with `&`: it runs in the background. */
  readonly background: boolean
  /** Paragraph of the block (commands separated by a blank line are in different ones), from 0. */
  readonly paragraph: number
  /** The comment lines just before it, `#` and the space after it removed. */
  readonly before: readonly string[]
  /** The comment lines just after it (up to the next command or blank line). */
  readonly after: readonly string[]
}

export class ShellSyntaxError extends Error {
  override readonly name = 'ShellSyntaxError'
}

/** bash's `$'...'` escapes (bash(1), QUOTING), those an example may use. */
const ANSI_C: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' }

export function parseShell(script: string): ShellCommand[] {
  const commands: { words: string[]; line: number; background: boolean; paragraph: number; before: string[]; after: string[] }[] = []
  let words: string[] = []
  let word: string | undefined
  let line = 1
  let start = 1
  let paragraph = 0
  let comments: string[] = []
  /** Whether the current line held anything but a comment: a blank line ends a paragraph. */
  let lineHasText = false
  const fail = (why: string): never => {
    throw new ShellSyntaxError(`line ${line}: ${why}`)
  }
  const endWord = (): void => {
    if (word !== undefined) words.push(word)
    word = undefined
  }
  const endCommand = (background: boolean): void => {
    endWord()
    if (words.length === 0) {
      if (background) fail('"&" with no command before it')
      return
    }
    const before = comments
    endComments()
    commands.push({ words, line: start, background, paragraph, before, after: [] })
    words = []
  }
  /** The comments since the last command are its `after` (and the next one's `before`). */
  const endComments = (): void => {
    const previous = commands.at(-1)
    if (previous !== undefined && previous.paragraph === paragraph) previous.after.push(...comments)
    comments = []
  }
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!
    if (word === undefined && words.length === 0 && c !== ' ' && c !== '\t' && c !== '\n') start = line
    if (c === '\\') {
      const next = script[++i]
      if (next === undefined) fail('a "\\" at the end')
      if (next === '\n') {
        line++ // a continuation: the command goes on on the next line
        continue
      }
      word = (word ?? '') + next
      lineHasText = true
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1)
      if (end < 0) fail('an unclosed single quote')
      word = (word ?? '') + script.slice(i + 1, end)
      line += countLines(script.slice(i + 1, end))
      i = end
      lineHasText = true
    } else if (c === '$' && script[i + 1] === "'") {
      let text = ''
      for (i += 2; script[i] !== "'"; i++) {
        const d = script[i]
        if (d === undefined) fail("an unclosed $'...' string")
        if (d !== '\\') {
          text += d
          if (d === '\n') line++
          continue
        }
        const e = script[++i] ?? fail("a \\ at the end of a $'...' string")
        if (e === 'x') {
          const hex = /^[0-9A-Fa-f]{1,2}/.exec(script.slice(i + 1))?.[0] ?? fail("\\x without hex digits in a $'...' string")
          text += String.fromCharCode(parseInt(hex, 16))
          i += hex.length
        } else text += ANSI_C[e] ?? fail(`the escape \\${e} in a $'...' string`)
      }
      word = (word ?? '') + text
      lineHasText = true
    } else if (c === '"') {
      let text = ''
      for (i++; script[i] !== '"'; i++) {
        const d = script[i] ?? fail('an unclosed double quote')
        if (d === '$' || d === '`') fail(`${d} inside double quotes (an expansion) is not supported`)
        if (d === '\\' && '$`"\\\n'.includes(script[i + 1] ?? '')) {
          const e = script[++i]!
          if (e === '\n') line++
          else text += e
          continue
        }
        if (d === '\n') line++
        text += d
      }
      word = (word ?? '') + text
      lineHasText = true
    } else if (c === '#' && word === undefined) {
      const end = script.indexOf('\n', i)
      const text = script.slice(i + 1, end < 0 ? script.length : end).replace(/^ /, '')
      // A comment on a line of its own describes the commands around it; one after a command is a remark on it.
      if (!lineHasText && words.length === 0) comments.push(text)
      i = (end < 0 ? script.length : end) - 1
    } else if (c === '\n') {
      endCommand(false)
      if (!lineHasText && !/^\s*#/.test(lineText(script, i))) {
        endComments()
        paragraph++
      }
      lineHasText = false
      line++
    } else if (c === ' ' || c === '\t') {
      endWord()
    } else if (c === ';') {
      endCommand(false)
    } else if (c === '&') {
      if (script[i + 1] === '&') {
        i++
        endCommand(false)
      } else endCommand(true)
    } else if ('|<>`$(){}'.includes(c)) {
      fail(`"${c}" needs a real shell, which this runner is not`)
    } else {
      word = (word ?? '') + c
      lineHasText = true
    }
  }
  endCommand(false)
  endComments()
  return commands
}

function countLines(text: string): number {
  return text.split('\n').length - 1
}

/** The text of the line that ends at `end` (a newline's index). */
function lineText(script: string, end: number): string {
  return script.slice(script.lastIndexOf('\n', end - 1) + 1, end)
}
