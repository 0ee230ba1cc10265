/**
 * Reads the user's captures (`--captures PATH`): one capture file, or a folder of them (its `.jsonl` and `.sse`
 * files, in name order). Each is served by its header's name, else its file name without the extension. A
 * broken file is one CapturesFileError naming the file, the line and the problem, at start-up.
 */
import { readdirSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { CAPTURE_NAME, CAPTURE_NAME_RULE, parseCapture } from '../core/capture.js'
import { CaptureError, type NamedCapture } from '../core/captured-stream.js'
import { DataFileError, readText } from './data-file.js'

export class CapturesFileError extends DataFileError {
  override readonly name = 'CapturesFileError'
}

const EXTENSIONS = ['.jsonl', '.sse']

export function loadCaptures(path: string): NamedCapture[] {
  let folder: boolean
  try {
    folder = statSync(path).isDirectory()
  } catch (error) {
    throw new CapturesFileError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  if (!folder) return [loadCaptureFile(path)]
  const files = readdirSync(path)
    .filter((name) => EXTENSIONS.includes(extname(name).toLowerCase()))
    .sort()
    .map((name) => join(path, name))
  if (files.length === 0) throw new CapturesFileError(`${path}: the folder holds no captures (${EXTENSIONS.join(' or ')} files)`)
  const byName = new Map<string, string>()
  return files.map((file) => {
    const capture = loadCaptureFile(file)
    const other = byName.get(capture.name)
    if (other !== undefined) throw new CapturesFileError(`${file}: the capture name "${capture.name}" is taken by ${other}`)
    byName.set(capture.name, file)
    return capture
  })
}

export function loadCaptureFile(file: string): NamedCapture {
  const text = readText(file, CapturesFileError)
  let capture
  try {
    capture = parseCapture(text)
  } catch (error) {
    if (error instanceof CaptureError) throw new CapturesFileError(`${file}: ${error.message}`)
    throw error
  }
  const name = capture.name ?? basename(file, extname(file))
  if (!CAPTURE_NAME.test(name))
    throw new CapturesFileError(`${file}: ${CAPTURE_NAME_RULE}, and the file name gives ${JSON.stringify(name)}; give one in the header`)
  return { ...capture, name }
}
