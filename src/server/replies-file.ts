/**
 * Reads the user's replies (`--replies PATH`): a JSON or YAML file, or a folder of Markdown files. Any problem
 * is one RepliesFileError naming the file and what is wrong with it, which the CLI prints as one line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Reply } from '../core/types.js'

export class RepliesFileError extends Error {
  override readonly name = 'RepliesFileError'
}

const NAME = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]{0,99}$/, { error: 'a reply name is 1 to 100 letters, digits, "-", "_" or ".", starting with a letter or digit' })
const ENTRY = z.object({ name: NAME, text: z.string(), description: z.string().optional() }).strict()
const FILE = z.union([
  z.array(ENTRY),
  z.object({ replies: z.array(ENTRY) }).strict(),
  z.record(NAME, z.union([z.string(), z.object({ text: z.string(), description: z.string().optional() }).strict()])),
])

/**
 * Accepted shapes: a list of `{name, text, description?}`, the same list under `replies:`, or a mapping of
 * name to text (or to `{text, description?}`). In a folder, each `NAME.md` is the reply NAME.
 */
export function loadRepliesFile(path: string): Reply[] {
  let isFolder: boolean
  try {
    isFolder = statSync(path).isDirectory()
  } catch (error) {
    throw new RepliesFileError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  return isFolder ? loadFolder(path) : loadFile(path)
}

function loadFolder(folder: string): Reply[] {
  const replies: Reply[] = []
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isFile() || extname(entry.name).toLowerCase() !== '.md') continue
    const name = basename(entry.name, extname(entry.name))
    const file = join(folder, entry.name)
    if (!NAME.safeParse(name).success) throw new RepliesFileError(`${file}: "${name}" is not a usable reply name (letters, digits, "-", "_", ".")`)
    replies.push({ name, description: `${entry.name} from ${folder}`, text: read(file) })
  }
  if (replies.length === 0) throw new RepliesFileError(`${folder}: the folder holds no .md files`)
  return replies
}

function loadFile(file: string): Reply[] {
  const source = read(file)
  let data: unknown
  try {
    data = /\.ya?ml$/i.test(file) ? parseYaml(source) : JSON.parse(source)
  } catch (error) {
    throw new RepliesFileError(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`)
  }
  const result = FILE.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
    throw new RepliesFileError(
      `${file}: not a replies file${where}: ${issue?.message ?? 'unexpected shape'}; expected a list of {name, text, description?} or a mapping of name to text`,
    )
  }
  const parsed = result.data
  const list = Array.isArray(parsed)
    ? parsed
    : 'replies' in parsed && Array.isArray(parsed.replies)
      ? parsed.replies
      : Object.entries(parsed as Record<string, string | { text: string; description?: string | undefined }>).map(([name, value]) =>
          typeof value === 'string' ? { name, text: value } : { name, ...value },
        )
  if (list.length === 0) throw new RepliesFileError(`${file}: the file holds no replies`)
  return list.map(({ name, text, description }) => ({ name, text, description: description ?? `from ${basename(file)}` }))
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new RepliesFileError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
}
