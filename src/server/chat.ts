/**
 * From a vendor request to the plan of its answer, the same for every wire format: which reply (a scenario
 * rule, the `x-tokensim-reply` header, or the default), which latency (the server's defaults, or a profile
 * named by `x-tokensim-profile`, the scenario or a `tokensim-NAME` model, with the `x-tokensim-*` knobs applied),
 * and the usage counts. Each vendor route parses its own body into a ChatInput and encodes the plan in its own format.
 */
import { TokensimError } from '../core/errors.js'
import { countTokens } from '../core/tokens.js'
import { truncateTurn } from '../core/truncate.js'
import { planTurn } from '../core/turn.js'
import { matchScenario } from '../core/scenarios.js'
import type { Part, TurnPlan, UnitKind } from '../core/types.js'
import type { AppContext } from './context.js'
import { parseStreamParams } from './params.js'
import { newId } from './respond.js'
import { tooManyUnits } from './stream-size.js'

export interface ChatMessage {
  readonly role: string
  /** The message's text parts joined (images and files do not count). */
  readonly text: string
}

/** What every vendor body comes down to. */
export interface ChatInput {
  readonly model: string
  /** System prompt first, if any, then the conversation in order. */
  readonly messages: readonly ChatMessage[]
  /** The request's output token limit, if it set one: the answer stops there with finish reason `length`. */
  readonly maxTokens?: number | undefined
}

/** The request headers that tune one answer, and the /stream parameter each stands for. */
export const KNOB_HEADERS = {
  'x-tokensim-reply': 'reply',
  'x-tokensim-profile': 'profile',
  'x-tokensim-unit': 'unit',
  'x-tokensim-delay': 'delay',
  'x-tokensim-tps': 'tps',
  'x-tokensim-ttft': 'ttft',
  'x-tokensim-jitter': 'jitter',
  'x-tokensim-seed': 'seed',
  'x-tokensim-chunk': 'chunk',
} as const

export const PROFILE_HEADER = 'x-tokensim-profile'

/** The reply name that repeats the last user message. */
export const ECHO = 'echo'

export type HeaderReader = (name: string) => string | undefined

/** The answer to a request, and the faults its scenario asks for (src/server/faults.ts applies them). */
export interface ResolvedTurn {
  readonly plan: TurnPlan
  readonly scenarioFault?: string | undefined
}

/** The plan of the answer to `input`. Throws a TokensimError naming the header or field at fault. */
export function resolveTurn(input: ChatInput, header: HeaderReader, context: AppContext): ResolvedTurn {
  const user = lastUserText(input)
  const scenario = matchScenario(context.scenarios, { model: input.model, user })
  // The profile header (a knob like the others) wins over the scenario's profile, which wins over the model's.
  const profile = scenario?.profile ?? context.profiles.ofModel(input.model)?.name
  const defaults = profile === undefined ? context.chatDefaults : { ...context.chatDefaults, profile }
  const query: Record<string, string> = {}
  for (const [name, param] of Object.entries(KNOB_HEADERS)) {
    const value = header(name)
    if (value !== undefined) query[param] = name === PROFILE_HEADER ? value.trim() : value
  }
  const params = asHeaderError(() => parseStreamParams(query, undefined, defaults, context.limits, context.profiles))

  const parts: Part[] = []
  if (scenario?.reasoning !== undefined) parts.push({ kind: 'reasoning', text: scenario.reasoning })
  // The visible text: the header's reply, else the scenario's, else (unless the scenario only calls tools) the default.
  const replyHeader = query['reply']
  const text =
    replyHeader !== undefined
      ? asHeaderError(() => replyText(replyHeader, user, context))
      : scenario?.text !== undefined
        ? scenario.text
        : scenario?.reply !== undefined
          ? replyText(scenario.reply, user, context)
          : scenario?.toolCalls !== undefined
            ? undefined
            : replyText(context.chatDefaults.reply, user, context)
  if (text !== undefined) parts.push({ kind: 'text', text })
  for (const call of scenario?.toolCalls ?? []) {
    parts.push({ kind: 'tool_call', id: newId('', 24), name: call.name, arguments: JSON.stringify(call.arguments) })
  }

  let inputTokens = 0
  for (const message of input.messages) inputTokens += countTokens(message.text)
  // Split through the unit source: a reply many requests ask for is cut once, and a text too long is refused.
  const split = (text: string, unit: UnitKind): readonly string[] => context.units.ofText(text, unit, null)
  const { unit, timing, seed, chunk } = params
  const plan = planTurn({ parts }, { unit, timing, seed, chunk, inputTokens, split })
  // Each part is within the limit; all of them together must be too.
  let units = 0
  for (const part of plan.parts) units = Math.max(units, (part.deltas.at(-1)?.last ?? -1) + 1)
  if (units > context.limits.maxUnits) throw tooManyUnits(units, unit, context.limits, null)
  return { plan: input.maxTokens === undefined ? plan : truncateTurn(plan, input.maxTokens), scenarioFault: scenario?.fault }
}

/** Runs `read`, reporting a bad parameter by the header that carried it (`delay` -> `x-tokensim-delay`). */
function asHeaderError<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (!(error instanceof TokensimError) || error.param === null) throw error
    const name = Object.entries(KNOB_HEADERS).find(([, param]) => param === error.param)?.[0] ?? error.param
    throw new TokensimError(error.code, `${name}: ${error.message}`, name)
  }
}

/** A canned reply's text, or the user's own message for `echo`. */
function replyText(name: string, user: string, context: AppContext): string {
  return name === ECHO ? user : context.library.get(name).text
}

/** The text of the last user message, or '' when there is none. */
export function lastUserText(input: ChatInput): string {
  for (let i = input.messages.length - 1; i >= 0; i--) if (input.messages[i]!.role === 'user') return input.messages[i]!.text
  return ''
}
