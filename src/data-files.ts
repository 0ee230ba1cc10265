/**
 * The user's data files the options name (`replies`, `profiles`, `scenarios`, `captures`: paths), each read
 * and checked; a file that does not check is an OptionError naming the option and the file.
 */
import { BUILTIN_REPLIES } from './core/replies/builtin.js'
import { createProfileSet } from './core/profiles.js'
import { OptionError, type OptionNames } from './options.js'
import type { AppData } from './app/app.js'
import { loadCaptures } from './node/captures-file.js'
import { DataFileError } from './node/data-file.js'
import { loadProfilesFile } from './node/profiles-file.js'
import { loadRepliesFile } from './node/replies-file.js'
import { loadScenariosFile } from './node/scenarios-file.js'

/** Where the data files are; none: only the built-in replies and profiles, no scenarios, no captures. */
export interface DataFiles {
  readonly replies?: string | undefined
  readonly scenarios?: string | undefined
  readonly profiles?: string | undefined
  readonly captures?: string | undefined
}

export function loadDataFiles(files: DataFiles, names: OptionNames): Required<AppData> {
  const replies = fromFile(names, 'replies', files.replies, loadRepliesFile) ?? []
  // Before the scenarios, which may name the user's profiles and replies.
  const profiles = fromFile(names, 'profiles', files.profiles, loadProfilesFile) ?? []
  const known = { profiles: createProfileSet(profiles).names, replies: [...BUILTIN_REPLIES, ...replies].map((r) => r.name) }
  const scenarios = fromFile(names, 'scenarios', files.scenarios, (path) => loadScenariosFile(path, known)) ?? []
  const captures = fromFile(names, 'captures', files.captures, loadCaptures) ?? []
  return { replies, profiles, scenarios, captures }
}

/** The paths given, for watching them and for saying what was reloaded. */
export const dataFilePaths = (files: DataFiles): string[] =>
  [files.replies, files.scenarios, files.profiles, files.captures].filter((path) => path !== undefined)

/** The data file an option names, loaded; its DataFileError (which names the file and the problem) as an OptionError. */
function fromFile<T>(names: OptionNames, option: keyof DataFiles, path: string | undefined, load: (path: string) => T): T | undefined {
  if (path === undefined) return undefined
  try {
    return load(path)
  } catch (error) {
    if (error instanceof DataFileError) throw new OptionError(option, `${names(option)} ${error.message}`)
    throw error
  }
}
