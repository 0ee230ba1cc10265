/**
 * The flags the documentation names, against the command's own parser and help: every `npm start -- FLAGS` it
 * writes inline is a command line tokensim accepts (the fenced examples are run by docs-examples.test.ts), and
 * the reference has a heading for every flag `tokensim --help` lists (its own, or the heading of the knob it sets,
 * which names it: "flag `--delay MS`"), and none for a flag it does not; and each knob of a stream has its heading,
 * which gives all its spellings as src/core/knobs.ts names them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseFlags } from '../src/cli/flags.js'
import { CONTROLS, KNOBS, type Control, type Knob } from '../src/core/knobs.js'
import { helpText } from '../src/cli/help.js'
import { RECORD_HELP } from '../src/cli/record.js'

const pages = ['README.md', 'CONTRIBUTING.md', ...readdirSync('docs').map((name) => `docs/${name}`)].filter((path) => path.endsWith('.md'))
const text = (path: string): string => readFileSync(path, 'utf8')

/** The flags a help text lists: each at the start of an indented line. */
const listed = (help: string): Set<string> => new Set([...help.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!))

describe('the flags the documentation names', () => {
  const inline = pages.flatMap((path) => [...text(path).matchAll(/`npm start -- ([^`]+)`/g)].map((m) => [path, m[1]!] as const))

  it('names some command lines inline, as a reader copies them', () => {
    expect(inline.length).toBeGreaterThan(20)
  })

  it.each(inline)('%s: `npm start -- %s` is a command line tokensim serves with', (_, args) => {
    const command = parseFlags(args.split(/\s+/))
    expect(command.kind).toBe('serve')
  })

  it('has a heading for every flag of `tokensim --help` and `tokensim record --help`, and for no other', () => {
    const sections = pages.flatMap((path) => text(path).split(/^(?=#+ )/m))
    const headings = new Set(sections.flatMap((section) => [...section.matchAll(/^#+ `(--[a-z-]+)/g)].map((m) => m[1]!)))
    // A knob's section names the flag that sets its default: "Query `unit`, header `x-tokensim-unit`, flag `--unit KIND`."
    const knobs = sections.filter((section) => /^#+ `[a-z]/.test(section))
    for (const section of knobs) for (const m of section.matchAll(/flag\s+`(--[a-z-]+)/g)) headings.add(m[1]!)
    const flags = new Set([...listed(helpText('0')), ...listed(RECORD_HELP)])
    flags.delete('--help')
    flags.delete('--version')
    expect([...flags].filter((flag) => !headings.has(flag)).sort()).toEqual([])
    expect([...headings].filter((flag) => !flags.has(flag)).sort()).toEqual([])
  })

  it.each(KNOBS.map((knob: Knob) => [knob.param, knob] as const))(
    'the knob `%s` has a heading that names its header and flag',
    (param, knob) => {
      const sections = pages.flatMap((path) => text(path).split(/^(?=#+ )/m))
      const section = sections.find((s) => s.startsWith('#') && s.split('\n')[0]!.includes(`\`${param}\``))
      expect(section, `a heading for ${param}`).toBeDefined()
      if (knob.header !== undefined) expect(section).toContain(`\`${knob.header}\``)
      if (knob.option !== undefined) expect(section).toMatch(new RegExp(`flag\\s+\`--${knob.option}[ \`]`))
    },
  )

  it.each(Object.values(CONTROLS).map((control: Control) => [control.header, control] as const))(
    'the control `%s` has a heading for its header, its query parameter and its flag',
    (header, control) => {
      const headings = pages.flatMap((path) => [...text(path).matchAll(/^#+ (.*)$/gm)].map((m) => m[1]!))
      expect(headings.some((heading) => heading.includes(`\`${header}\``))).toBe(true)
      if (control.param !== undefined) expect(headings.some((heading) => heading.includes(`\`${control.param}\``))).toBe(true)
      if (control.flag !== undefined) expect(headings.some((heading) => heading.startsWith(`\`${control.flag} `))).toBe(true)
    },
  )

  it("lists every x-tokensim header in the endpoints' table, and no other", () => {
    const table = text('docs/endpoints.md')
      .split('\n')
      .flatMap((line) => /^\| `(x-tokensim-[a-z-]+)`/.exec(line)?.[1] ?? [])
    const schema = [...KNOBS.flatMap((knob: Knob) => knob.header ?? []), ...Object.values(CONTROLS).map((c: Control) => c.header)]
    expect(table.sort()).toEqual(schema.sort())
  })
})
