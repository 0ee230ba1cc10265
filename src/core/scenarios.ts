/**
 * Scenarios: rules that map a conversation to an answer, read from the user's `--scenarios` file or set at run
 * time. The first rule whose every condition holds wins. A rule answers one step of a conversation: the user's
 * question (the default) or the tool results that come back (`after: tool_results`, or any condition on a
 * result), so a rule written for "weather?" never fires again on the weather tool's result and an agent loop
 * ends. A rule may hold a list of answers: the Nth time it wins in one conversation it gives the Nth (the last
 * repeats), counted from the conversation itself, so nothing is stored and any process answers the same.
 */
import { earlierStates, readConversation, type Conversation, type ConversationState, type Step } from './conversation.js'
import { compileRuleRegex, type RuleRegex } from './rule-regex.js'

export interface ScenarioMatch {
  /** The last user message contains this, ignoring case. */
  readonly contains?: string | undefined
  /** The last user message matches this regular expression (JavaScript syntax run on RE2, case-insensitive: src/core/rule-regex.ts). */
  readonly matches?: string | undefined
  /** The request's model id is exactly this. */
  readonly model?: string | undefined
  /** Which step the rule answers: the user's text (the default), tool results (the default with a result condition), or any. */
  readonly after?: Step | 'any' | undefined
  /** A result of this tool is among those the model answers now. */
  readonly toolResult?: string | undefined
  /** Such a result (of `toolResult`'s tool, if named) contains this, ignoring case... */
  readonly resultContains?: string | undefined
  /** ... or matches this regular expression, case-insensitive... */
  readonly resultMatches?: string | undefined
  /** ... and was, or was not, reported as a failure. */
  readonly resultError?: boolean | undefined
  /** The number of the user's turn: 1 for the first question. */
  readonly turn?: number | undefined
  /** The system prompt contains this, ignoring case. */
  readonly systemContains?: string | undefined
  /** The system prompt matches this regular expression, case-insensitive. */
  readonly systemMatches?: string | undefined
  /** Every one of these tools is offered by the request. */
  readonly tools?: readonly string[] | undefined
}

interface ScenarioToolCall {
  readonly name: string
  /** The call's arguments: streamed as their JSON text; strings inside may be templates. */
  readonly arguments: Readonly<Record<string, unknown>>
}

/** One answer of a rule. Text, reasoning and arguments may hold templates (src/core/template.ts). */
export interface ScenarioAnswer {
  /** A canned reply by name, or `echo` for the last user message. */
  readonly reply?: string
  /** A literal text (instead of `reply`). */
  readonly text?: string
  /** Streamed before the text, as the vendor's reasoning or thinking blocks. */
  readonly reasoning?: string
  readonly toolCalls?: readonly ScenarioToolCall[]
  /** A latency profile by name. */
  readonly profile?: string
  /** Faults, in the vocabulary of src/core/faults.ts (`error-after:20,stall-after:5:2000`). */
  readonly fault?: string
}

export interface Scenario {
  /** For messages, logs and the journal. */
  readonly name: string
  readonly match: ScenarioMatch
  /** At least one; the Nth time the rule wins in a conversation gives the Nth, the last repeats. */
  readonly answers: readonly ScenarioAnswer[]
}

/** The rule that answers a conversation, the answer it gives, and how many times it has won before in it. */
export interface Choice {
  readonly scenario: Scenario
  readonly answer: ScenarioAnswer
  /** 1 the first time the rule wins in this conversation. */
  readonly time: number
}

/** Whether a rule answers the step a conversation is at. */
function fits(match: ScenarioMatch, state: ConversationState): boolean {
  if (match.model !== undefined && match.model !== state.model) return false
  if (match.turn !== undefined && match.turn !== state.turn) return false
  const after = match.after ?? (resultCondition(match) ? 'tool_results' : 'user')
  if (after !== 'any' && after !== state.step) return false
  if (match.contains !== undefined && !includes(state.user, match.contains)) return false
  if (match.matches !== undefined && !regex(match.matches).test(state.user)) return false
  if (match.systemContains !== undefined && !includes(state.system, match.systemContains)) return false
  if (match.systemMatches !== undefined && !regex(match.systemMatches).test(state.system)) return false
  if (match.tools !== undefined && !match.tools.every((name) => state.tools.includes(name))) return false
  if (resultCondition(match)) {
    const found = state.results.some(
      (result) =>
        (match.toolResult === undefined || result.name === match.toolResult) &&
        (match.resultContains === undefined || includes(result.content, match.resultContains)) &&
        (match.resultMatches === undefined || regex(match.resultMatches).test(result.content)) &&
        (match.resultError === undefined || result.isError === match.resultError),
    )
    if (!found) return false
  }
  return true
}

/** The first rule that fits the conversation's current step, and its answer for this time; none: no rule fits. */
export function choose(
  scenarios: readonly Scenario[],
  conversation: Conversation,
  state = readConversation(conversation),
): Choice | undefined {
  const scenario = scenarios.find(({ match }) => fits(match, state))
  if (scenario === undefined) return undefined
  let time = 1
  // Only a rule with several answers needs its count: the earlier requests of this conversation, replayed.
  if (scenario.answers.length > 1) {
    for (const earlier of earlierStates(conversation)) if (scenarios.find(({ match }) => fits(match, earlier)) === scenario) time++
  }
  return { scenario, answer: scenario.answers[Math.min(time, scenario.answers.length) - 1]!, time }
}

const resultCondition = (match: ScenarioMatch): boolean =>
  match.toolResult !== undefined ||
  match.resultContains !== undefined ||
  match.resultMatches !== undefined ||
  match.resultError !== undefined

const includes = (text: string, part: string): boolean => text.toLowerCase().includes(part.toLowerCase())

/**
 * Rules' expressions, compiled once each (a runtime script that changes often is bounded by the cache's size),
 * on a linear-time engine: the text they run on is the client's.
 */
const compiled = new Map<string, RuleRegex>()
function regex(source: string): RuleRegex {
  let found = compiled.get(source)
  if (found === undefined) {
    if (compiled.size >= 1024) compiled.clear()
    found = compileRuleRegex(source)
    compiled.set(source, found)
  }
  return found
}
