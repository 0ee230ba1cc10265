/**
 * Reading the user's data files (`--replies`, `--scenarios`): the text of a file, and a JSON or YAML file parsed
 * by its ending. Every failure is a DataFileError whose message starts with the file's path and says what is
 * wrong, which the CLI prints as one line.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'

export class DataFileError extends Error {
  override readonly name: string = 'DataFileError'
}

/** The largest data file read: far more than any replies, scenarios, profiles or captures need. */
export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024

/**
 * The file's text. Only a regular file of at most MAX_DATA_FILE_BYTES is read: `/dev/zero` would be read forever
 * and a FIFO would block start-up (and every reload) until something wrote to it. It is opened without blocking
 * (O_NONBLOCK, so a FIFO's open returns at once), then looked at, then read.
 */
export function readText(file: string, Failure: new (message: string) => DataFileError = DataFileError): string {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (error) {
    throw new Failure(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new Failure(`${file}: not a regular file (a device, FIFO or socket); give a file or a folder`)
    if (stats.size > MAX_DATA_FILE_BYTES)
      throw new Failure(`${file}: ${stats.size} bytes, more than the ${MAX_DATA_FILE_BYTES} bytes (64 MiB) a data file may hold`)
    return readFileSync(fd, 'utf8')
  } catch (error) {
    if (error instanceof DataFileError) throw error
    throw new Failure(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  } finally {
    closeSync(fd)
  }
}

/** The file parsed as YAML (`.yaml`, `.yml`) or else JSON. */
export function readData(file: string, Failure: new (message: string) => DataFileError = DataFileError): unknown {
  const source = readText(file, Failure)
  const yaml = /\.ya?ml$/i.test(file)
  try {
    return yaml ? parseYaml(source) : JSON.parse(source)
  } catch (error) {
    throw new Failure(`${file}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`)
  }
}

/** Where a zod issue points, as `at a.0.b` (or nothing at the top), and its message. */
export function describeIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const issue = error.issues[0]
  const path = [...prefix, ...(issue?.path ?? [])].map(String)
  return `${path.length > 0 ? `at ${path.join('.')}: ` : ''}${issue?.message ?? 'unexpected shape'}`
}
