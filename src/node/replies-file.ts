/**
 * Reads the user's replies (`--replies PATH`): a JSON or YAML file, or a folder of Markdown files. Any problem
 * is one RepliesFileError naming the file and what is wrong with it, which the CLI prints as one line.
 */
import { readdirSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { z } from 'zod'
import type { Reply } from '../core/types.js'
import { DataFileError, readData, readText } from './data-file.js'

export class RepliesFileError extends DataFileError {
  override readonly name = 'RepliesFileError'
}

const NAME = z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, {
  error: 'a reply name is 1 to 100 letters, digits, "-", "_" or ".", starting with a letter or digit',
})
const ENTRY = z.object({ name: NAME, text: z.string(), description: z.string().optional() }).strict()
const LIST = z.array(ENTRY)
const MAPPING = z.record(z.string(), z.union([z.string(), z.object({ text: z.string(), description: z.string().optional() }).strict()]))

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
  let entries
  try {
    entries = readdirSync(folder, { withFileTypes: true })
  } catch (error) {
    throw new RepliesFileError(`${folder}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  for (const entry of entries) {
    if (!entry.isFile() || extname(entry.name).toLowerCase() !== '.md') continue
    const name = basename(entry.name, extname(entry.name))
    const file = join(folder, entry.name)
    if (!NAME.safeParse(name).success)
      throw new RepliesFileError(`${file}: "${name}" is not a usable reply name (letters, digits, "-", "_", ".")`)
    replies.push({ name, description: `${entry.name} from ${folder}`, text: readText(file, RepliesFileError) })
  }
  if (replies.length === 0) throw new RepliesFileError(`${folder}: the folder holds no .md files`)
  return replies
}

function loadFile(file: string): Reply[] {
  const data = readData(file, RepliesFileError)
  // The shape is chosen first, then checked, so that an error points at the entry at fault rather than
  // saying that no shape fits.
  const listed = Array.isArray(data) ? data : isObject(data) && Array.isArray(data['replies']) ? data['replies'] : undefined
  const result = listed !== undefined ? LIST.safeParse(listed) : MAPPING.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = [...(listed !== undefined && !Array.isArray(data) ? ['replies'] : []), ...(issue?.path ?? [])]
    const where = path.length > 0 ? ` at ${path.join('.')}` : ''
    throw new RepliesFileError(
      `${file}: not a replies file${where}: ${issue?.message ?? 'unexpected shape'}; expected a list of {name, text, description?} or a mapping of name to text`,
    )
  }
  for (const entry of Array.isArray(result.data) ? [] : Object.keys(result.data)) {
    const name = NAME.safeParse(entry)
    if (!name.success) throw new RepliesFileError(`${file}: not a replies file at ${entry}: ${name.error.issues[0]?.message ?? 'bad name'}`)
  }
  const list = Array.isArray(result.data)
    ? result.data
    : Object.entries(result.data).map(([name, value]) => (typeof value === 'string' ? { name, text: value } : { name, ...value }))
  if (list.length === 0) throw new RepliesFileError(`${file}: the file holds no replies`)
  return list.map(({ name, text, description }) => ({ name, text, description: description ?? `from ${basename(file)}` }))
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
