/** The fenced code blocks of a Markdown file (CommonMark fences), with where each is, for test/docs-examples.test.ts. */

export interface FencedBlock {
  /** The file as the caller named it, e.g. `README.md`. */
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  /** The info string's first word (`sh`, `ts`, ...); `''` when unlabelled. */
  readonly lang: string
  /** The lines between the fences, each ending in a newline. */
  readonly body: string
  /** The nearest heading above the block, without its `#`s. */
  readonly heading: string
  /** `file: first line` (its first 60 characters): a key that stays put when the text around the block changes. */
  readonly marker: string
}

/** A fence opens with 3 or more backticks or tildes, indented at most 3 spaces (CommonMark 4.5). */
const OPENING = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/
const HEADING = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/

export function fencedBlocks(markdown: string, file: string): FencedBlock[] {
  const lines = markdown.split('\n')
  const blocks: FencedBlock[] = []
  let heading = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const opening = OPENING.exec(line)
    if (opening === null) {
      const title = HEADING.exec(line)
      if (title !== null) heading = title[1]!
      continue
    }
    const fence = opening[1]!
    // The closing fence: the same character, at least as many, nothing after it but spaces.
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`)
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !closing.test(lines[i]!); i++) body.push(lines[i]!)
    const first = body.find((text) => text.trim() !== '')?.trim() ?? ''
    blocks.push({
      file,
      line: start + 1,
      lang: opening[2]!.toLowerCase(),
      body: body.map((text) => `${text}\n`).join(''),
      heading,
      marker: `${file}: ${first.slice(0, 60)}`,
    })
  }
  return blocks
}
