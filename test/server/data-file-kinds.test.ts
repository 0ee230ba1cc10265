/**
 * Data files that are not files: `--replies /dev/zero` would be read forever and a FIFO would block start-up.
 * Only a regular file of at most 64 MiB is read; anything else is one line naming it, at once.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, ftruncateSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCaptures, CapturesFileError } from '../../src/node/captures-file.js'
import { MAX_DATA_FILE_BYTES } from '../../src/node/data-file.js'
import { loadRepliesFile, RepliesFileError } from '../../src/node/replies-file.js'
import { loadScenariosFile, ScenariosFileError } from '../../src/node/scenarios-file.js'
import { loadProfilesFile, ProfilesFileError } from '../../src/node/profiles-file.js'
import { failureLine, killChildren, runCli } from '../helpers/cli.js'
import { loadFailure, tempFiles } from '../helpers/data-files.js'

const { root } = tempFiles('tokensim-file-kinds-')
afterAll(killChildren)

const loaders = [
  ['--replies', loadRepliesFile, RepliesFileError],
  ['--scenarios', (file: string) => loadScenariosFile(file), ScenariosFileError],
  ['--profiles', loadProfilesFile, ProfilesFileError],
  ['--captures', loadCaptures, CapturesFileError],
] as const

describe('data files that are not regular files, or too large', () => {
  it.each(loaders)('%s /dev/zero is refused at once, as not a regular file', (_flag, load, Failure) => {
    expect(loadFailure(load, '/dev/zero', Failure)).toMatch(/^\/dev\/zero: not a regular file \(a device, FIFO or socket\)/)
  })

  it.each(loaders)('%s on a FIFO is refused at once, without waiting for a writer', (flag, load, Failure) => {
    const fifo = join(root, `${flag.slice(2)}.fifo`)
    execFileSync('mkfifo', [fifo])
    expect(loadFailure(load, fifo, Failure)).toMatch(/: not a regular file/)
  })

  it('a file over 64 MiB is refused without being read', () => {
    const big = join(root, 'big.json')
    const fd = openSync(big, 'w')
    ftruncateSync(fd, MAX_DATA_FILE_BYTES + 1) // sparse: no 64 MiB written
    closeSync(fd)
    expect(loadFailure(loadRepliesFile, big, RepliesFileError)).toBe(
      `${big}: ${MAX_DATA_FILE_BYTES + 1} bytes, more than the ${MAX_DATA_FILE_BYTES} bytes (64 MiB) a data file may hold`,
    )
  })

  it('tokensim --replies /dev/zero: one line and exit 2, promptly', { timeout: 20_000 }, async () => {
    const line = await failureLine(runCli(['--port', '0', '--replies', '/dev/zero']))
    expect(line).toBe('tokensim: --replies /dev/zero: not a regular file (a device, FIFO or socket); give a file or a folder')
  })
})
