/**
 * A model that misbehaves on demand: the answer as the faults of src/core/faults.ts change it, before it is
 * planned, so the streamed and the folded forms of every format, and the usage, all show the same answer.
 * Each format then says it its own way (src/wire/); what each client makes of it is in docs/faults.md.
 *
 * Tool faults work on the answer's calls; an answer without one gets one first (to the first offered tool,
 * with arguments its schema accepts, or to a made-up tool when none is offered), so any question can ask for
 * them. Several combine, applied in this order:
 *   unknown-tool    the first call names a tool the request did not offer
 *   bad-args        the first call's arguments break its tool's schema (src/core/tool-schema.ts)
 *   bad-json        the first call's arguments are not JSON: a trailing comma, the slip models make most
 *   dup-call-id     a second call (the answer's second, else a copy of the first) has the first call's id
 *   cut-in-tool     the answer stops halfway through its last call's arguments, at the length limit
 * The other faults replace the answer (the first of them asked for wins, and tool faults then do nothing):
 *   refusal         the reasoning, then a refusal instead of the text and calls (finish `refusal`)
 *   content-filter  the reasoning and the first half of the text, then a content filter stops it (`content_filter`)
 *   empty           nothing at all: no reasoning, no text, no calls
 *   reasoning-only  the reasoning (a made-up one if there is none), then nothing
 */
import type { Misbehaviour } from './faults.js'
import { ANSWER_MISBEHAVIOURS, TOOL_MISBEHAVIOURS } from './faults.js'
import { breakArguments, sampleArguments } from './tool-schema.js'
import type { Answer, Part } from './types.js'

/** What the request offers, and the id of a call a fault makes up (ids are random, and the core draws none). */
export interface Offered {
  /** The offered tools' names, in the request's order. */
  readonly tools: readonly string[]
  /** Their parameter schemas, where the format carries them. */
  readonly schemas?: ReadonlyMap<string, unknown> | undefined
  readonly callId: string
}

/** What a model that refuses says (OpenAI's refusals read much like this). */
export const REFUSAL_TEXT = "I'm sorry, but I can't help with that request."

/** The reasoning of reasoning-only when the answer has none. */
export const MADE_UP_REASONING = 'The user asked a question. Let me think about how best to answer it.'

/** The tool a fault calls when the request offers none, and the name unknown-tool gives a call. */
export const MADE_UP_TOOL = 'tokensim_tool'
export const UNKNOWN_TOOL = 'tokensim_unknown_tool'

type Replacing = (typeof ANSWER_MISBEHAVIOURS)[number]
const replaces = (m: Misbehaviour): m is Replacing => (ANSWER_MISBEHAVIOURS as readonly string[]).includes(m)

type Call = Extract<Part, { kind: 'tool_call' }>
const isCall = (part: Part): part is Call => part.kind === 'tool_call'

/** The answer as the misbehaviours change it; the answer itself when there are none. */
export function misbehave(answer: Answer, misbehaviours: readonly Misbehaviour[], offered: Offered): Answer {
  const replacing = misbehaviours.find(replaces)
  if (replacing !== undefined) return replaced(answer, replacing)
  const faults = TOOL_MISBEHAVIOURS.filter((m) => misbehaviours.includes(m))
  if (faults.length === 0) return answer
  let parts: Part[] = answer.parts.some(isCall) ? [...answer.parts] : [...answer.parts, madeUpCall(offered)]
  let finish = answer.finish
  const first = parts.findIndex(isCall)
  const change = (index: number, edit: (call: Call) => Call): void => {
    parts[index] = edit(parts[index] as Call)
  }
  for (const fault of faults) {
    switch (fault) {
      case 'unknown-tool':
        change(first, (call) => ({ ...call, name: unknownName(offered.tools), offered: false }))
        break
      case 'bad-args':
        change(first, (call) => {
          const schema = call.offered === false ? undefined : offered.schemas?.get(call.name)
          return { ...call, arguments: JSON.stringify(breakArguments(parsed(call.arguments), schema)) }
        })
        break
      case 'bad-json':
        change(first, (call) => ({ ...call, arguments: brokenJson(call.arguments) }))
        break
      case 'dup-call-id': {
        const id = (parts[first] as Call).id
        const second = parts.findIndex((part, index) => index > first && isCall(part))
        if (second >= 0) change(second, (call) => ({ ...call, id }))
        else parts.splice(first + 1, 0, parts[first]!)
        break
      }
      case 'cut-in-tool': {
        const last = parts.findLastIndex(isCall)
        change(last, (call) => ({ ...call, arguments: firstHalf(call.arguments) }))
        parts = parts.slice(0, last + 1)
        finish = 'length'
      }
    }
  }
  return finish === undefined ? { parts } : { parts, finish }
}

/** The answer a replacing fault leaves. */
function replaced(answer: Answer, fault: Replacing): Answer {
  const reasoning = answer.parts.filter((part) => part.kind === 'reasoning')
  switch (fault) {
    case 'refusal':
      return { parts: [...reasoning, { kind: 'refusal', text: REFUSAL_TEXT }], finish: 'refusal' }
    case 'content-filter': {
      const text = answer.parts.find((part) => part.kind === 'text')
      const kept: Part[] = text === undefined ? [] : [{ kind: 'text', text: firstHalf(text.text, true) }]
      return { parts: [...reasoning, ...kept], finish: 'content_filter' }
    }
    case 'empty':
      return { parts: [], finish: 'stop' }
    case 'reasoning-only':
      return { parts: reasoning.length > 0 ? reasoning : [{ kind: 'reasoning', text: MADE_UP_REASONING }], finish: 'stop' }
  }
}

/** A call to the first offered tool with arguments its schema accepts, or to a made-up tool. */
function madeUpCall({ tools, schemas, callId }: Offered): Call {
  const name = tools[0]
  if (name === undefined) return { kind: 'tool_call', id: callId, name: MADE_UP_TOOL, arguments: JSON.stringify({ query: 'tokensim' }) }
  return { kind: 'tool_call', id: callId, name, arguments: JSON.stringify(sampleArguments(schemas?.get(name))) }
}

/** A name the request does not offer. */
function unknownName(tools: readonly string[]): string {
  let name = UNKNOWN_TOOL
  while (tools.includes(name)) name += '_'
  return name
}

function parsed(json: string): unknown {
  try {
    return JSON.parse(json) as unknown
  } catch {
    return undefined
  }
}

/** JSON text with a trailing comma before its closing bracket (`{"city":"Paris",}`), which JSON.parse refuses. */
function brokenJson(json: string): string {
  const end = json.trimEnd()
  const last = end.at(-1)
  return last === '}' || last === ']' ? `${end.slice(0, -1)},${last}` : `${end},`
}

/**
 * The first half of a text, by code points (never half a surrogate pair), at least one and fewer than all of
 * them when there are two or more; at a word's end when `words` and there is a space before the middle.
 */
function firstHalf(text: string, words = false): string {
  const points = Array.from(text)
  if (points.length < 2) return text
  const middle = Math.ceil(points.length / 2)
  let half = points.slice(0, middle).join('')
  if (words) {
    const space = half.search(/\s\S*$/)
    if (space > 0) half = half.slice(0, space)
  }
  return half
}
