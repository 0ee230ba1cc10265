/**
 * Reads the user's scenarios (`--scenarios PATH`): a JSON or YAML file holding a list of rules, or the same list
 * under `scenarios:`. Each rule is checked here (its regular expression compiles, its profile exists, it says
 * what to answer), so a broken file is one ScenariosFileError naming the file, the rule and the problem at start,
 * never a failure later on a request. Whether its `reply` exists is checked by createApp against the library.
 * The profiles it may name are the built-in ones, or the server's with `--profiles`.
 */
import { z } from 'zod'
import { parseFaults } from '../core/faults.js'
import { BUILTIN_PROFILES } from '../core/profiles.js'
import type { Scenario } from '../core/scenarios.js'
import { DataFileError, describeIssue, readData } from './data-file.js'

export class ScenariosFileError extends DataFileError {
  override readonly name = 'ScenariosFileError'
}

const MATCH = z
  .object({
    contains: z.string().min(1).optional(),
    matches: z
      .string()
      .refine(
        (source) => {
          try {
            new RegExp(source, 'iu')
            return true
          } catch {
            return false
          }
        },
        { error: (issue) => `not a valid regular expression: ${JSON.stringify(issue.input)}` },
      )
      .optional(),
    model: z.string().min(1).optional(),
  })
  .strict()

/** The schema of one rule, for a server with these profiles. */
const ruleSchema = (profiles: readonly string[]) =>
  z
    .object({
      name: z.string().min(1).optional(),
      match: MATCH.optional(),
      reply: z.string().min(1).optional(),
      text: z.string().optional(),
      reasoning: z.string().optional(),
      tool_calls: z
        .array(
          z
            .object({
              name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'a tool name is 1 to 64 letters, digits, "_" or "-"' }),
              arguments: z.record(z.string(), z.unknown()).default({}),
            })
            .strict(),
        )
        .min(1)
        .optional(),
      fault: z
        .string()
        .superRefine((spec, ctx) => {
          try {
            parseFaults(spec, 'fault')
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^fault: /, '') })
          }
        })
        .optional(),
      profile: z
        .string()
        .refine((name) => profiles.includes(name), { error: `not a profile; the profiles are: ${profiles.join(', ')}` })
        .optional(),
    })
    .strict()
    .refine((rule) => !(rule.reply !== undefined && rule.text !== undefined), { error: 'give reply or text, not both' })

export function loadScenariosFile(file: string, profiles: readonly string[] = BUILTIN_PROFILES.names): Scenario[] {
  const RULE = ruleSchema(profiles)
  const FILE = z.union([z.array(RULE), z.object({ scenarios: z.array(RULE) }).strict()])
  const data = readData(file, ScenariosFileError)
  const result = FILE.safeParse(data)
  if (!result.success) {
    // Report against the shape the file is closest to, so the message points at the rule at fault.
    const listed = Array.isArray(data) ? data : (data as { scenarios?: unknown } | null)?.scenarios
    const prefix = Array.isArray(data) ? [] : ['scenarios']
    const detail = Array.isArray(listed)
      ? describeIssue(z.array(RULE).safeParse(listed).error ?? result.error, prefix)
      : 'expected a list of rules, or the list under "scenarios:"'
    throw new ScenariosFileError(`${file}: not a scenarios file: ${detail}`)
  }
  const rules = Array.isArray(result.data) ? result.data : result.data.scenarios
  if (rules.length === 0) throw new ScenariosFileError(`${file}: the file holds no scenarios`)
  return rules.map((rule, index) => ({
    name: rule.name ?? `#${index + 1}`,
    match: rule.match ?? {},
    ...(rule.reply !== undefined ? { reply: rule.reply } : {}),
    ...(rule.text !== undefined ? { text: rule.text } : {}),
    ...(rule.reasoning !== undefined ? { reasoning: rule.reasoning } : {}),
    ...(rule.tool_calls !== undefined ? { toolCalls: rule.tool_calls } : {}),
    ...(rule.profile !== undefined ? { profile: rule.profile } : {}),
    ...(rule.fault !== undefined ? { fault: rule.fault } : {}),
  }))
}
