/** Reads the user's scenarios (`--scenarios PATH`): a JSON or YAML file of rules (src/app/scenario-rules.ts). */
import type { Scenario } from '../core/scenarios.js'
import { DataFileError, readData } from './data-file.js'
import { parseScenarios, type ScenarioNames } from '../app/scenario-rules.js'

export class ScenariosFileError extends DataFileError {
  override readonly name = 'ScenariosFileError'
}

/** Rules from a file; every problem is a ScenariosFileError that starts with the file's path. */
export function loadScenariosFile(file: string, names: ScenarioNames = {}): Scenario[] {
  return parseScenarios(readData(file, ScenariosFileError), file, names, ScenariosFileError)
}
