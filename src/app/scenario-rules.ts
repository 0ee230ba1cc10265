/**
 * Scenario rules as the user writes them: a list of rules, or the same list under `scenarios:`, from a
 * `--scenarios` file (src/node/scenarios-file.ts) or a body sent to `/scenarios` at run time. Each rule is
 * checked here (its regular expressions compile, its profile and reply exist, its templates name what its
 * conversation will hold, it says what to answer), so a broken rule is one ScenarioRulesError naming the source,
 * the rule and the problem when it is loaded, never a failure later on a request. Runtime-neutral: no file access.
 */
import { z } from 'zod'
import { parseFaults } from '../core/faults.js'
import { compileRuleRegex, RuleRegexError } from '../core/rule-regex.js'
import { BUILTIN_PROFILES } from '../core/profiles.js'
import type { Scenario, ScenarioAnswer, ScenarioMatch } from '../core/scenarios.js'
import { checkTemplate } from '../core/template.js'

class ScenarioRulesError extends Error {
  override readonly name: string = 'ScenarioRulesError'
}

/** What a rule may name besides the built-ins: the server's profiles and replies. */
export interface ScenarioNames {
  readonly profiles?: readonly string[]
  /** The replies a rule may name (`echo` always); none: not checked here. */
  readonly replies?: readonly string[]
}

/** A rule's regular expression: one the linear-time engine runs (src/core/rule-regex.ts), or its reason why not. */
const REGEX = z.string().superRefine((source, context) => {
  try {
    compileRuleRegex(source)
  } catch (error) {
    if (!(error instanceof RuleRegexError)) throw error
    context.addIssue({ code: 'custom', message: error.message, input: source })
  }
})

const TOOL_NAME = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'a tool name is 1 to 64 letters, digits, "_" or "-"' })

const MATCH = z
  .object({
    contains: z.string().min(1).optional(),
    matches: REGEX.optional(),
    model: z.string().min(1).optional(),
    after: z.enum(['user', 'tool_results', 'any'], { error: 'must be "user", "tool_results" or "any"' }).optional(),
    tool_result: TOOL_NAME.optional(),
    result_contains: z.string().min(1).optional(),
    result_matches: REGEX.optional(),
    result_error: z.boolean().optional(),
    turn: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).optional(),
    system_contains: z.string().min(1).optional(),
    system_matches: REGEX.optional(),
    tools: z.array(TOOL_NAME).min(1).optional(),
  })
  .strict()
  .refine((m) => !(m.after === 'user' && (m.tool_result ?? m.result_contains ?? m.result_matches ?? m.result_error) !== undefined), {
    error: "a condition on a tool result cannot hold after the user's text; use after: tool_results (the default then) or any",
  })

/** The fields of one answer, for a server with these profiles. */
const answerFields = (profiles: readonly string[]) => ({
  reply: z.string().min(1).optional(),
  text: z.string().optional(),
  reasoning: z.string().optional(),
  tool_calls: z
    .array(z.object({ name: TOOL_NAME, arguments: z.record(z.string(), z.unknown()).default({}) }).strict())
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

const oneOf = (answer: { reply?: string | undefined; text?: string | undefined }) =>
  !(answer.reply !== undefined && answer.text !== undefined)
const ONE_OF = { error: 'give reply or text, not both' }

/** The schema of one rule: its answer's fields, or a list of answers under `answers`. */
const ruleSchema = (profiles: readonly string[]) => {
  const fields = answerFields(profiles)
  const ANSWER = z.object(fields).strict().refine(oneOf, ONE_OF)
  return z
    .object({ name: z.string().min(1).optional(), match: MATCH.optional(), answers: z.array(ANSWER).min(1).optional(), ...fields })
    .strict()
    .refine(oneOf, ONE_OF)
    .refine((rule) => rule.answers === undefined || Object.keys(fields).every((key) => !(key in rule)), {
      error: "give the answer's fields (text, reply, tool_calls, ...) or a list of answers, not both",
    })
}

type Rule = z.output<ReturnType<typeof ruleSchema>>

/** Rules from data (a list, or the list under `scenarios:`); `source` starts every error's message. */
export function parseScenarios(
  data: unknown,
  source: string,
  { profiles = BUILTIN_PROFILES.names, replies }: ScenarioNames = {},
  Failure: new (message: string) => Error = ScenarioRulesError,
): Scenario[] {
  const RULE = ruleSchema(profiles)
  const listed = Array.isArray(data) ? data : (data as { scenarios?: unknown } | null)?.scenarios
  const extra = Array.isArray(data) || data === null || typeof data !== 'object' ? [] : Object.keys(data).filter((k) => k !== 'scenarios')
  if (!Array.isArray(listed) || extra.length > 0) {
    throw new Failure(`${source}: not a scenarios file: expected a list of rules, or the list under "scenarios:"`)
  }
  if (listed.length === 0) throw new Failure(`${source}: the file holds no scenarios`)
  return listed.map((item, index) => {
    const rawName = (item as { name?: unknown } | null)?.name
    const label = typeof rawName === 'string' && rawName !== '' ? `rule ${JSON.stringify(rawName)} (#${index + 1})` : `rule #${index + 1}`
    const fail = (why: string): never => {
      throw new Failure(`${source}: ${label}: ${why}`)
    }
    const result = RULE.safeParse(item)
    if (!result.success) {
      const issue = result.error.issues[0]
      const path = (issue?.path ?? []).map(String).join('.')
      fail(`${path === '' ? '' : `${path}: `}${issue?.message ?? 'unexpected shape'}`)
    }
    const rule = result.data as Rule
    const scenario = toScenario(rule, typeof rawName === 'string' ? rawName : `#${index + 1}`)
    scenario.answers.forEach((answer, i) => {
      const where = rule.answers === undefined ? '' : `answers.${i}.`
      if (replies !== undefined && answer.reply !== undefined && answer.reply !== 'echo' && !replies.includes(answer.reply)) {
        fail(`${where}reply: no reply named ${JSON.stringify(answer.reply)}; the replies are: ${['echo', ...replies].join(', ')}`)
      }
      const tools = scenario.match.toolResult === undefined ? [] : [scenario.match.toolResult]
      const texts: [string, string | undefined][] = [
        ['text', answer.text],
        ['reasoning', answer.reasoning],
        ...(answer.toolCalls ?? []).map((call, c): [string, string] => [`tool_calls.${c}.arguments`, JSON.stringify(call.arguments)]),
      ]
      for (const [field, text] of texts) {
        const problem = text === undefined ? undefined : checkTemplate(text, tools)[0]
        if (problem !== undefined) fail(`${where}${field}: ${problem}`)
      }
    })
    return scenario
  })
}

function toScenario(rule: Rule, name: string): Scenario {
  const m = rule.match ?? {}
  const match: ScenarioMatch = {
    ...(m.contains !== undefined ? { contains: m.contains } : {}),
    ...(m.matches !== undefined ? { matches: m.matches } : {}),
    ...(m.model !== undefined ? { model: m.model } : {}),
    ...(m.after !== undefined ? { after: m.after } : {}),
    ...(m.tool_result !== undefined ? { toolResult: m.tool_result } : {}),
    ...(m.result_contains !== undefined ? { resultContains: m.result_contains } : {}),
    ...(m.result_matches !== undefined ? { resultMatches: m.result_matches } : {}),
    ...(m.result_error !== undefined ? { resultError: m.result_error } : {}),
    ...(m.turn !== undefined ? { turn: m.turn } : {}),
    ...(m.system_contains !== undefined ? { systemContains: m.system_contains } : {}),
    ...(m.system_matches !== undefined ? { systemMatches: m.system_matches } : {}),
    ...(m.tools !== undefined ? { tools: m.tools } : {}),
  }
  return { name, match, answers: (rule.answers ?? [rule]).map(toAnswer) }
}

function toAnswer(a: z.output<z.ZodObject<ReturnType<typeof answerFields>>>): ScenarioAnswer {
  return {
    ...(a.reply !== undefined ? { reply: a.reply } : {}),
    ...(a.text !== undefined ? { text: a.text } : {}),
    ...(a.reasoning !== undefined ? { reasoning: a.reasoning } : {}),
    ...(a.tool_calls !== undefined ? { toolCalls: a.tool_calls } : {}),
    ...(a.profile !== undefined ? { profile: a.profile } : {}),
    ...(a.fault !== undefined ? { fault: a.fault } : {}),
  }
}

/** A rule as the user writes it (the inverse of parseScenarios), for listing the rules back. */
export function ruleOf({ name, match, answers }: Scenario): Record<string, unknown> {
  const m: Record<string, unknown> = {}
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) m[key] = value
  }
  put('contains', match.contains)
  put('matches', match.matches)
  put('model', match.model)
  put('after', match.after)
  put('tool_result', match.toolResult)
  put('result_contains', match.resultContains)
  put('result_matches', match.resultMatches)
  put('result_error', match.resultError)
  put('turn', match.turn)
  put('system_contains', match.systemContains)
  put('system_matches', match.systemMatches)
  put('tools', match.tools)
  const answer = (a: ScenarioAnswer): Record<string, unknown> => {
    const { toolCalls, ...rest } = a
    return { ...rest, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }) }
  }
  const body = answers.length === 1 ? answer(answers[0]!) : { answers: answers.map(answer) }
  return { name, ...(Object.keys(m).length > 0 ? { match: m } : {}), ...body }
}
