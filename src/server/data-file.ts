/**
 * Reading the user's data files (`--replies`, `--scenarios`): the text of a file, and a JSON or YAML file parsed
 * by its ending. Every failure is a DataFileError whose message starts with the file's path and says what is
 * wrong, which the CLI prints as one line.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'

export class DataFileError extends Error {
  override readonly name: string = 'DataFileError'
}

/** The file's text. */
export function readText(file: string, Failure: new (message: string) => DataFileError = DataFileError): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new Failure(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
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
