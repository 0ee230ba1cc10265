/**
 * From a vendor request to the plan of its answer, the same for every wire format: which reply (a scenario
 * rule, the `x-tokensim-reply` header, or the default), which latency (the server's defaults, or a profile
 * named by `x-tokensim-profile`, the scenario or a `tokensim-NAME` model, with the `x-tokensim-*` knobs applied),
 * and the usage counts (resolveTurn); then what comes before its first byte: the key's `--rate-limit` buckets and
 * the request's faults (faultTurn). Each vendor route reads its own body as a Conversation and encodes the plan in
 * its own format.
 */
import { defaultToolAnswer, promptTokenSpans, readConversation, type Conversation, type ConversationState } from '../core/conversation.js'
import { misbehave } from '../core/misbehave.js'
import { choose, type Choice } from '../core/scenarios.js'
import { renderArguments, renderTemplate } from '../core/template.js'
import { truncateAfterUnit, truncateTurn } from '../core/truncate.js'
import { planTurn, streamedText } from '../core/turn.js'
import type { Part, TurnPlan } from '../core/types.js'
import type { Context } from 'hono'
import type { AppContext } from './context.js'
import { sumInSlices } from './slices.js'
import { loadKey, openStreams, timingAtLoad } from './request-capacity.js'
import { beforeResponse, FAULT_HEADER, refuseUnstreamed, requestFaults, type RequestFaults, type ResponseFaults } from './request-faults.js'
import { journalEntry, noteTurn } from './journal.js'
import { derivedPlan } from './plan-cache.js'
import { limitRate, withRateLimit } from './request-rate-limits.js'
import { asHeaderError, parseStreamParams } from './params.js'
import { KNOB_HEADERS } from '../core/knobs.js'
import { newId } from './response-ids.js'
import { scopeOf, SCOPE_HEADER } from './scenario-store.js'
import { checkDuration, tooManyUnits } from './stream-size.js'

const PROFILE_HEADER = 'x-tokensim-profile'

/** The reply name that repeats the last user message. */
export const ECHO = 'echo'

export type HeaderReader = (name: string) => string | undefined

/**
 * The answer to a request, with what its faults (header, scenario, server) make the model do wrong already done
 * to it; the rest of the faults (faultTurn applies them); and the rule that chose it.
 */
export interface ResolvedTurn {
  readonly plan: TurnPlan
  readonly faults: RequestFaults
  /** What the answer was chosen from, for the journal. */
  readonly conversation: Conversation
  readonly state: ConversationState
  /** The knob headers the request sent. */
  readonly knobs: Readonly<Record<string, string>>
  /** The rule that chose the answer, and the how-manyth time it did in this conversation; none: the default. */
  readonly choice?: Choice | undefined
}

/**
 * The plan of the answer to `conversation`. Throws a TokensimError naming the header or field at fault. Async
 * for the prompt's tokens, counted in slices (src/app/slices.ts): a 4 MB prompt takes seconds of BPE, which
 * stop if the request aborts. `request` also counts as admitted under --capacity (src/app/request-capacity.ts).
 */
export async function resolveTurn(
  conversation: Conversation,
  header: HeaderReader,
  context: AppContext,
  request: Request,
): Promise<ResolvedTurn> {
  const signal = request.signal
  const state = readConversation(conversation)
  const choice = choose(context.scenarios.rules(scopeOf(header(SCOPE_HEADER))), conversation, state)
  const answer = choice?.answer
  // The profile header (a knob like the others) wins over the scenario's profile, which wins over the model's.
  const profile = answer?.profile ?? context.profiles.ofModel(conversation.model)?.name
  const defaults = profile === undefined ? context.chatDefaults : { ...context.chatDefaults, profile }
  const query: Record<string, string> = {}
  const knobs: Record<string, string> = {}
  for (const [name, param] of Object.entries(KNOB_HEADERS)) {
    const value = header(name)
    if (value === undefined) continue
    query[param] = name === PROFILE_HEADER ? value.trim() : value
    knobs[name] = value
  }
  const params = asHeaderError(() => parseStreamParams(query, undefined, defaults, context.limits, context.profiles), KNOB_HEADERS)
  // The load it starts with (--capacity), read once: a valid request is refused here when the queue is full.
  const open = openStreams(context, request)

  const parts: Part[] = []
  if (answer?.reasoning !== undefined) parts.push({ kind: 'reasoning', text: renderTemplate(answer.reasoning, state) })
  // The visible text: the header's reply, else the rule's, else (unless the rule only calls tools) the default,
  // which after tool results is a report of them, so an agent loop ends.
  const replyHeader = query['reply']
  const text =
    replyHeader !== undefined
      ? asHeaderError(() => replyText(replyHeader, state, context), KNOB_HEADERS)
      : answer?.text !== undefined
        ? renderTemplate(answer.text, state)
        : answer?.reply !== undefined
          ? replyText(answer.reply, state, context)
          : answer?.toolCalls !== undefined
            ? undefined
            : state.step === 'tool_results'
              ? defaultToolAnswer(state.results)
              : replyText(context.chatDefaults.reply, state, context)
  if (text !== undefined) parts.push({ kind: 'text', text })
  for (const call of answer?.toolCalls ?? []) {
    const args = JSON.stringify(renderArguments(call.arguments, state))
    parts.push({ kind: 'tool_call', id: newId('', 24), name: call.name, arguments: args })
  }

  // Faults are read once the request is known good, so a 400 takes no draw of --fault-rate; a misbehaving model
  // changes the answer before it is planned, so every form of it and its usage agree.
  const faults = requestFaults({ header: header(FAULT_HEADER), scenario: answer?.fault }, context.faults)
  const offered = { tools: conversation.tools, schemas: conversation.toolSchemas, callId: newId('', 24) }
  const answered = faults.misbehave === undefined ? { parts } : misbehave({ parts }, faults.misbehave, offered)

  const inputTokens = await countPrompt(conversation, signal)
  const { unit, timing, seed, chunk } = params
  const maxTokens = conversation.maxTokens
  // Planned once for every request of the same answer and knobs (src/app/plan-cache.ts).
  const planKey = `${unit} ${JSON.stringify(timing)} ${seed} ${chunk} ${maxTokens ?? ''}${loadKey(open, context)}`
  const plan = await context.plans.get(answered, planKey, inputTokens, async () => {
    // Split through the unit source, a slice at a time: a reply many requests ask for is cut once, and a text
    // too long is refused. Not stopped when this request's client goes: other requests may wait for this plan.
    const texts = answered.parts.map(streamedText)
    const pieces = await Promise.all(texts.map((text) => context.units.ofText(text, unit, null)))
    const split = (text: string): readonly string[] => pieces[texts.indexOf(text)]!
    // Slowed for the load it started with, as long as all its units are (src/core/capacity.ts).
    const count = pieces.reduce((sum, piece) => sum + piece.length, 0)
    const loaded = timingAtLoad(timing, count, open, context)
    const planned = planTurn(answered, { unit, timing: loaded, seed, chunk, inputTokens, split })
    // Each part is within the limit; all of them together must be too.
    let units = 0
    for (const part of planned.parts) units = Math.max(units, (part.deltas.at(-1)?.last ?? -1) + 1)
    if (units > context.limits.maxUnits) throw tooManyUnits(units, unit, context.limits, null)
    return maxTokens === undefined ? planned : truncateTurn(planned, maxTokens)
  })
  return { plan, faults, choice, conversation, state, knobs }
}

/**
 * A vendor route's faults for this request (read with its answer, which a misbehaving model has changed
 * already: resolveTurn), after its key's `--rate-limit` buckets (src/app/request-rate-limits.ts, a 429 when they
 * have no room), done with what comes before the first byte (slow-headers, the profile's headers moment
 * on a streamed response, status) and with `plan` cut as truncate-after asks; a response that is not streamed
 * and asks for error-after or drop-after gets an injected 500 instead. A response that is not streamed keeps no
 * latency at all, as before: it has no moments to tell apart.
 */
export async function faultTurn(
  c: Context,
  context: AppContext,
  resolved: ResolvedTurn,
  stream: boolean,
): Promise<{ plan: TurnPlan; faults: ResponseFaults }> {
  const { plan, faults } = resolved
  const entry = journalEntry(c)
  if (entry !== undefined) noteTurn(entry, resolved, stream)
  // --rate-limit: the key's buckets, before anything of the answer, as the vendors refuse before they run the model.
  const limited = await limitRate(c, context.rateLimits, resolved)
  // A truncated answer is a shorter one, as on /stream: its duration is the truncated plan's.
  const cut =
    faults.cut?.how === 'truncate' ? derivedPlan(truncateAfterUnit(plan, faults.cut.after), plan, `truncate ${faults.cut.after}`) : plan
  if (stream) checkDuration(cut.end, faults, context.limits, { schedule: null, stalls: FAULT_HEADER })
  const headersAt = stream ? (plan.headersAt ?? 0) : 0
  await beforeResponse(faults, c.req.raw, headersAt, context.registry).catch((error: unknown) => {
    throw withRateLimit(error, limited)
  })
  if (!stream) refuseUnstreamed(faults)
  return { plan: cut, faults: headersAt > 0 ? { ...faults, headersAt } : faults }
}

/** A canned reply's text, or the user's own message for `echo`. */
function replyText(name: string, state: ConversationState, context: AppContext): string {
  return name === ECHO ? state.user : context.library.get(name).text
}

/**
 * The prompt's tokens (promptTokens), counted a slice at a time so that other streams play meanwhile, and not
 * to the end for a client that has gone (`signal`, the request's).
 */
export function countPrompt(conversation: Conversation, signal?: AbortSignal): Promise<number> {
  return sumInSlices(promptTokenSpans(conversation), signal)
}
