/** Real files in a temp folder for the data-file loaders' tests, and the one-line error each must throw. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect } from 'vitest'

/** A temp folder removed after the file's tests; `write` puts each file under a fresh name in it. */
export function tempFiles(prefix: string): { readonly root: string; write: (name: string, content: string) => string } {
  const root = mkdtempSync(join(tmpdir(), prefix))
  let counter = 0
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  return {
    root,
    write(name, content) {
      const file = join(root, `${++counter}-${name}`)
      writeFileSync(file, content)
      return file
    },
  }
}

/** The message of the `Failure` that `load(file)` throws: one line, starting with the file's path. */
export function loadFailure(load: (file: string) => unknown, file: string, Failure: new (...args: never[]) => Error): string {
  try {
    load(file)
  } catch (error) {
    expect(error).toBeInstanceOf(Failure)
    const message = (error as Error).message
    expect(message.startsWith(`${file}: `), message).toBe(true)
    expect(message).not.toMatch(/\n/)
    return message
  }
  throw new Error(`expected a ${Failure.name}`)
}
