/**
 * planTurn: an answer + latency model -> the parts and deltas a vendor stream sends. Every part's text (a tool
 * call's arguments included) is split into units of one kind and all units are scheduled as one sequence, so
 * the first unit of the answer, whatever part it is in, comes after ttft, and the gap between two units is the
 * same whether or not they are in the same part. Units are grouped `chunk` at a time, never across parts.
 */
import { checkChunk, chunks, timeline } from './schedule.js'
import { split as splitText } from './split.js'
import { countTokens } from './tokens.js'
import type { Answer, FinishReason, Part, PlannedPart, Timing, TurnDelta, TurnPlan, UnitKind } from './types.js'

export interface TurnOptions {
  readonly unit: UnitKind
  readonly timing: Timing
  readonly seed: number
  /** Units per delta. */
  readonly chunk: number
  /** Tokens of the request's messages, for usage. */
  readonly inputTokens: number
  /** How a part's text is cut into units: split() unless the caller has a cached or limited one. */
  readonly split?: (text: string, unit: UnitKind) => readonly string[]
}

/** What a part streams: its text, or a tool call's arguments. */
export const streamedText = (part: Part): string => (part.kind === 'tool_call' ? part.arguments : part.text)

/** The whole vendor stream as data; the same answer and options always give the same plan. */
export function planTurn(answer: Answer, { unit, timing, seed, chunk, inputTokens, split = splitText }: TurnOptions): TurnPlan {
  checkChunk(chunk)
  const pieces = answer.parts.map((part) => split(streamedText(part), unit))
  let count = 0
  for (const units of pieces) count += units.length
  const { offsets, moments } = timeline(count, timing, seed)

  const parts: PlannedPart[] = []
  let next = 0
  let previousEnd = offsets[0] ?? 0
  pieces.forEach((units, index) => {
    const deltas: TurnDelta[] = []
    for (const [first, last] of chunks(0, units.length, chunk)) {
      deltas.push({ text: units.slice(first, last + 1).join(''), at: offsets[next + last]!, last: next + last })
    }
    next += units.length
    const start = deltas[0]?.at ?? previousEnd
    const end = deltas.at(-1)?.at ?? start
    parts.push({ part: answer.parts[index]!, index, deltas, start, end })
    previousEnd = end
  })

  const { output, reasoning } = outputTokens(answer.parts)
  const finish: FinishReason = answer.finish ?? (answer.parts.some((p) => p.kind === 'tool_call') ? 'tool_calls' : 'stop')
  return {
    answer,
    parts,
    finish,
    usage: { input: inputTokens, output, reasoning },
    start: offsets[0] ?? 0,
    end: offsets.at(-1) ?? 0,
    ...moments,
  }
}

/** The o200k_base tokens of an answer's parts (what usage reports as output), and those of its reasoning. */
export function outputTokens(parts: readonly Part[]): { output: number; reasoning: number } {
  let output = 0
  let reasoning = 0
  for (const part of parts) {
    const tokens = countTokens(streamedText(part))
    output += tokens
    if (part.kind === 'reasoning') reasoning += tokens
  }
  return { output, reasoning }
}

/** The text of every part of one kind, joined: what a non-streamed reply holds. */
export function partText(answer: Answer, kind: 'text' | 'reasoning' | 'refusal'): string {
  let text = ''
  for (const part of answer.parts) if (part.kind === kind) text += part.text
  return text
}

/**
 * The plan without the parts a format does not send (Anthropic's reasoning without thinking, its refusal
 * words): the rest renumbered from 0 and the usage counted again; the timing stays, as the dropped parts still
 * took their time.
 */
export function dropParts(plan: TurnPlan, drop: (part: Part) => boolean): TurnPlan {
  if (!plan.parts.some((p) => drop(p.part))) return plan
  const parts = plan.parts.filter((p) => !drop(p.part)).map((p, index) => ({ ...p, index }))
  const { output, reasoning } = outputTokens(parts.map((p) => p.part))
  const answer = { ...plan.answer, parts: parts.map((p) => p.part) }
  return { ...plan, answer, parts, usage: { input: plan.usage.input, output, reasoning } }
}
