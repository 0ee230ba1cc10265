/**
 * loadRepliesFile on real files in a temp dir: every accepted shape, every failure (one RepliesFileError whose
 * message starts with the path and says what is wrong), and a user reply replacing a built-in one end to end.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import type { Reply } from '../../src/core/types.js'
import { loadRepliesFile, RepliesFileError } from '../../src/node/replies-file.js'
import { readSse } from '../helpers/sse.js'
import { startServer } from '../helpers/server.js'

const root = mkdtempSync(join(tmpdir(), 'tokensim-replies-'))
let counter = 0

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

/** A fresh sub-folder of the temp dir, so that no two tests share a file. */
function freshDir(): string {
  const dir = join(root, `case-${++counter}`)
  mkdirSync(dir)
  return dir
}

/** Writes `content` to a new file called `name` and returns its path. */
function writeFile(name: string, content: string): string {
  const file = join(freshDir(), name)
  writeFileSync(file, content)
  return file
}

/** Writes a folder holding `files` (name -> content) and returns its path. */
function writeFolder(files: Record<string, string>): string {
  const dir = freshDir()
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

/** The RepliesFileError loadRepliesFile throws for `path`; fails the test if it returns or throws anything else. */
function failure(path: string): RepliesFileError {
  let thrown: unknown
  try {
    const replies = loadRepliesFile(path)
    thrown = new Error(`expected a RepliesFileError, got ${JSON.stringify(replies)}`)
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(RepliesFileError)
  const error = thrown as RepliesFileError
  expect(error.name).toBe('RepliesFileError')
  expect(error.message.startsWith(`${path}:`) || error.message.startsWith(`${path}/`), error.message).toBe(true)
  // One line: the CLI prints it as one line on stderr.
  expect(error.message).not.toContain('\n')
  return error
}

const byName = (replies: readonly Reply[]): Reply[] => [...replies].sort((a, b) => a.name.localeCompare(b.name))

const isRoot = process.getuid?.() === 0

describe('loadRepliesFile: accepted shapes', () => {
  it('reads a JSON list of {name, text, description?}', () => {
    const file = writeFile(
      'list.json',
      JSON.stringify([
        { name: 'one', text: 'First reply.' },
        { name: 'two', text: 'Second\nreply.', description: 'the second' },
      ]),
    )
    const replies = loadRepliesFile(file)
    expect(replies).toEqual([
      { name: 'one', text: 'First reply.', description: expect.any(String) },
      { name: 'two', text: 'Second\nreply.', description: 'the second' },
    ])
  })

  it('reads a JSON {replies: [...]}', () => {
    const file = writeFile('wrapped.json', JSON.stringify({ replies: [{ name: 'only-one', text: 'Just this.', description: 'd' }] }))
    expect(loadRepliesFile(file)).toEqual([{ name: 'only-one', text: 'Just this.', description: 'd' }])
  })

  it('reads a JSON mapping of name to text and name to {text, description}', () => {
    const file = writeFile(
      'map.json',
      JSON.stringify({
        plain: 'Plain text.',
        'with_desc.v2': { text: 'Described text.', description: 'has a description' },
        bare: { text: 'No description.' },
      }),
    )
    expect(byName(loadRepliesFile(file))).toEqual([
      { name: 'bare', text: 'No description.', description: expect.any(String) },
      { name: 'plain', text: 'Plain text.', description: expect.any(String) },
      { name: 'with_desc.v2', text: 'Described text.', description: 'has a description' },
    ])
  })

  it('a mapping may hold a reply named "replies"', () => {
    const file = writeFile('named-replies.json', JSON.stringify({ replies: 'A reply called replies.' }))
    expect(loadRepliesFile(file)).toEqual([{ name: 'replies', text: 'A reply called replies.', description: expect.any(String) }])
  })

  it('reads a YAML mapping (.yaml)', () => {
    const file = writeFile(
      'replies.yaml',
      ['hello: Hello from YAML.', 'poem:', '  text: |', '    Line one', '    Line two', '  description: a short poem', ''].join('\n'),
    )
    expect(byName(loadRepliesFile(file))).toEqual([
      { name: 'hello', text: 'Hello from YAML.', description: expect.any(String) },
      { name: 'poem', text: 'Line one\nLine two\n', description: 'a short poem' },
    ])
  })

  it('reads a YAML list (.yml)', () => {
    const file = writeFile(
      'replies.yml',
      ['- name: first', '  text: "One: 1"', '- name: second', '  text: Two', '  description: number two', ''].join('\n'),
    )
    expect(loadRepliesFile(file)).toEqual([
      { name: 'first', text: 'One: 1', description: expect.any(String) },
      { name: 'second', text: 'Two', description: 'number two' },
    ])
  })

  it('reads a folder of .md files: name is the file name without .md, text is the file byte for byte', () => {
    const crlf = '# Title\r\n\r\nHello 👋🏽 world,\r\nfamily: 👨‍👩‍👧‍👦\r\n  trailing spaces  \r\n'
    const plain = 'no newline at the end, and a lone CR\rhere'
    const folder = writeFolder({
      'crlf.md': crlf,
      'notes.v2.md': plain,
      'Upper.MD': 'upper-case extension',
      'skip.txt': 'not markdown',
      README: 'no extension',
    })
    mkdirSync(join(folder, 'sub.md')) // a folder whose name ends in .md is not a reply
    writeFileSync(join(folder, 'sub.md', 'inner.md'), 'not read: only the top level counts')

    const replies = byName(loadRepliesFile(folder))
    expect(replies.map((r) => r.name)).toEqual(['crlf', 'notes.v2', 'Upper'])
    expect(replies.find((r) => r.name === 'crlf')?.text).toBe(crlf)
    expect(replies.find((r) => r.name === 'notes.v2')?.text).toBe(plain)
    expect(replies.find((r) => r.name === 'Upper')?.text).toBe('upper-case extension')
    for (const reply of replies) expect(reply.description).toEqual(expect.any(String))
  })
})

describe('loadRepliesFile: failures are one RepliesFileError naming the path and the problem', () => {
  it('a path that does not exist', () => {
    const missing = join(root, 'does-not-exist.json')
    expect(failure(missing).message).toMatch(/cannot read it \(ENOENT\)/)
  })

  it.skipIf(isRoot)('a file that cannot be read (chmod 000)', () => {
    const file = writeFile('locked.json', '[]')
    chmodSync(file, 0o000)
    try {
      expect(failure(file).message).toMatch(/cannot read it \(EACCES\)/)
    } finally {
      chmodSync(file, 0o644)
    }
  })

  it.skipIf(isRoot)('a folder that cannot be listed (chmod 000)', () => {
    const folder = writeFolder({ 'a.md': 'A' })
    chmodSync(folder, 0o000)
    try {
      expect(failure(folder).message).toMatch(/cannot read it \(EACCES\)/)
    } finally {
      chmodSync(folder, 0o755)
    }
  })

  it.skipIf(isRoot)('a .md file in a folder that cannot be read (chmod 000)', () => {
    const folder = writeFolder({ 'a.md': 'A' })
    chmodSync(join(folder, 'a.md'), 0o000)
    try {
      const error = failure(folder)
      expect(error.message.startsWith(join(folder, 'a.md'))).toBe(true)
      expect(error.message).toMatch(/cannot read it \(EACCES\)/)
    } finally {
      chmodSync(join(folder, 'a.md'), 0o644)
    }
  })

  it('invalid JSON', () => {
    expect(failure(writeFile('broken.json', '{"greeting": "unterminated')).message).toMatch(/: not valid JSON: /)
    expect(failure(writeFile('empty.json', '')).message).toMatch(/: not valid JSON: /)
  })

  it('invalid YAML (.yaml and .yml)', () => {
    expect(failure(writeFile('broken.yaml', 'greeting: [unclosed\n')).message).toMatch(/: not valid YAML: /)
    expect(failure(writeFile('broken.yml', 'a: b: c\n')).message).toMatch(/: not valid YAML: /)
  })

  it('a number, a string, null, or a list of objects without text: not a replies file', () => {
    for (const [name, content] of [
      ['number.json', '42'],
      ['string.json', '"just a string"'],
      ['null.json', 'null'],
      ['no-text.json', '[{"name": "a"}, {"name": "b"}]'],
      ['text-not-string.json', '[{"name": "a", "text": 7}]'],
      ['map-of-numbers.json', '{"a": 1}'],
      ['empty.yaml', ''],
    ] as const) {
      const error = failure(writeFile(name, content))
      expect(error.message, name).toMatch(/: not a replies file\b/)
      expect(error.message, name).toMatch(/expected a list of \{name, text, description\?\} or a mapping of name to text/)
    }
  })

  it('an unknown key in an entry names where it is', () => {
    const error = failure(writeFile('extra.json', '[{"name": "a", "text": "t", "colour": "red"}]'))
    expect(error.message).toMatch(/not a replies file at 0: .*"colour"/)
  })

  it('a bad reply name in a list says the name is not usable', () => {
    for (const bad of ['has space', '../x', '', '-leading-dash', 'a'.repeat(101)]) {
      const error = failure(writeFile('bad-name.json', JSON.stringify([{ name: bad, text: 't' }])))
      expect(error.message, JSON.stringify(bad)).toMatch(/at 0\.name: a reply name is 1 to 100 letters/)
    }
  })

  // Fails at the time of writing: a mapping with a bad key is rejected, but as the generic
  // "not a replies file: Invalid input; expected a list ..." which does not say that the name is the problem.
  it('a bad reply name as a mapping key says the name is not usable', () => {
    for (const bad of ['../x', 'has space']) {
      const error = failure(writeFile('bad-key.json', JSON.stringify({ ok: 'fine', [bad]: 't' })))
      expect(error.message, JSON.stringify(bad)).toMatch(/reply name/)
    }
  })

  it('a .md file with a bad name in a folder', () => {
    const folder = writeFolder({ 'fine.md': 'ok', 'has space.md': 'bad name' })
    const error = failure(folder)
    expect(error.message.startsWith(join(folder, 'has space.md'))).toBe(true)
    expect(error.message).toMatch(/"has space" is not a usable reply name/)
  })

  it('an empty list, an empty {replies: []} and an empty mapping', () => {
    for (const [name, content] of [
      ['empty-list.json', '[]'],
      ['empty-wrapped.json', '{"replies": []}'],
      ['empty-map.json', '{}'],
      ['empty-list.yaml', '[]\n'],
    ] as const) {
      expect(failure(writeFile(name, content)).message, name).toMatch(/: the file holds no replies$/)
    }
  })

  it('a folder without .md files', () => {
    const folder = writeFolder({ 'notes.txt': 'text', 'readme.markdown': 'not .md' })
    mkdirSync(join(folder, 'nested.md'))
    expect(failure(folder).message).toBe(`${folder}: the folder holds no .md files`)
    expect(failure(freshDir()).message).toMatch(/: the folder holds no \.md files$/)
  })
})

describe('a user reply with the name of a built-in one', () => {
  it('replaces the built-in reply in GET /stream and GET /replies', async () => {
    expect(BUILTIN_REPLIES.map((r) => r.name)).toContain('greeting')
    const text = 'My own greeting 👋🏽\r\nwith CRLF, "quotes", <b>tags</b> and a family 👨‍👩‍👧‍👦.\n'
    const folder = writeFolder({ 'greeting.md': text })
    const replies = loadRepliesFile(folder)
    expect(replies).toEqual([{ name: 'greeting', text, description: expect.any(String) }])

    const running = await startServer({ replies })
    try {
      const read = await readSse(await fetch(`${running.url}/stream?reply=greeting&delay=0&ttft=0`))
      expect(read.tokens.length).toBeGreaterThan(1)
      expect(read.text).toBe(text)
      expect(read.events.at(-1)?.event).toBe('done')

      const response = await fetch(`${running.url}/replies`)
      expect(response.status).toBe(200)
      const listing = (await response.json()) as { replies: Array<{ name: string; description: string; chars: number }> }
      const names = listing.replies.map((r) => r.name)
      expect(names.filter((n) => n === 'greeting')).toHaveLength(1) // replaced, not listed twice
      expect(new Set(names)).toEqual(new Set(BUILTIN_REPLIES.map((r) => r.name))) // the other built-ins are still there
      const greeting = listing.replies.find((r) => r.name === 'greeting')
      expect(greeting?.description).toBe(replies[0]?.description)
      expect(greeting?.chars).toBe(text.length)
    } finally {
      await running.close()
    }
  })
})
