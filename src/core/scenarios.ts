/**
 * Scenarios: rules that map a request to an answer, read from the user's `--scenarios` file. The first rule
 * whose every condition holds wins; a rule with no conditions matches everything (a default). A rule names
 * the visible text (a canned reply, a literal text or an echo of the user's message), and may add a reasoning
 * phase before it, tool calls after it, and a latency profile.
 */
export interface ScenarioMatch {
  /** The last user message contains this, ignoring case. */
  readonly contains?: string | undefined
  /** The last user message matches this regular expression (JavaScript syntax, case-insensitive). */
  readonly matches?: string | undefined
  /** The request's model id is exactly this. */
  readonly model?: string | undefined
}

export interface ScenarioToolCall {
  readonly name: string
  /** The call's arguments: streamed as their JSON text. */
  readonly arguments: Readonly<Record<string, unknown>>
}

export interface Scenario {
  /** For messages and logs. */
  readonly name: string
  readonly match: ScenarioMatch
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

export interface ScenarioRequest {
  readonly model: string
  /** The last user message's text. */
  readonly user: string
}

/** The first scenario that fits the request, if any. */
export function matchScenario(scenarios: readonly Scenario[], request: ScenarioRequest): Scenario | undefined {
  return scenarios.find(({ match }) => {
    if (match.model !== undefined && match.model !== request.model) return false
    if (match.contains !== undefined && !request.user.toLowerCase().includes(match.contains.toLowerCase())) return false
    if (match.matches !== undefined && !new RegExp(match.matches, 'iu').test(request.user)) return false
    return true
  })
}
