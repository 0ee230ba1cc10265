/**
 * Cutting an answer short, as a model stops at its request's token limit (`max_tokens`, `max_completion_tokens`,
 * `max_output_tokens`, `maxOutputTokens`) or at a `truncate-after:N` fault. The cut falls between two deltas,
 * keeps the timing of everything before it, and ends the answer with finish reason `length`, which each wire
 * format names its own way (`length`, `max_tokens`, `incomplete`, `MAX_TOKENS`).
 */
import { countTokens } from './tokens.js'
import { outputTokens, streamedText } from './turn.js'
import type { Part, PlannedPart, TurnPlan } from './types.js'

/** The plan cut after at most `maxTokens` output tokens; the plan itself when it fits. */
export function truncateTurn(plan: TurnPlan, maxTokens: number): TurnPlan {
  if (plan.usage.output <= maxTokens) return plan
  let output = 0
  for (const [index, planned] of plan.parts.entries()) {
    const tokens = countTokens(streamedText(planned.part))
    if (output + tokens > maxTokens) {
      // The most deltas that still fit: a prefix's token count grows with the prefix, so a binary search finds it.
      let low = 0
      let high = planned.deltas.length
      while (low < high) {
        const mid = Math.ceil((low + high) / 2)
        if (output + countTokens(joined(planned, mid)) <= maxTokens) low = mid
        else high = mid - 1
      }
      return cut(plan, index, low)
    }
    output += tokens
  }
  return plan
}

/** The plan cut after the delta that carries unit `after` (units counted across parts); the plan itself when shorter. */
export function truncateAfterUnit(plan: TurnPlan, after: number): TurnPlan {
  for (const [index, planned] of plan.parts.entries()) {
    const carrier = planned.deltas.findIndex((d) => d.last >= after)
    if (carrier < 0) continue
    // The last unit of all: nothing is cut, the answer ends as it would.
    if (index === plan.parts.length - 1 && carrier === planned.deltas.length - 1) return plan
    return cut(plan, index, carrier + 1)
  }
  return plan
}

/** Parts before `index` whole, part `index` with its first `count` deltas (none: left out), finish `length`. */
function cut(plan: TurnPlan, index: number, count: number): TurnPlan {
  const parts: PlannedPart[] = plan.parts.slice(0, index)
  if (count > 0) {
    const planned = plan.parts[index]!
    const text = joined(planned, count)
    const deltas = planned.deltas.slice(0, count)
    const part: Part = planned.part.kind === 'tool_call' ? { ...planned.part, arguments: text } : { ...planned.part, text }
    parts.push({ ...planned, part, deltas, end: deltas.at(-1)!.at })
  }
  const { output, reasoning } = outputTokens(parts.map((p) => p.part))
  return {
    ...plan,
    answer: { parts: parts.map((p) => p.part) },
    parts,
    finish: 'length',
    usage: { input: plan.usage.input, output, reasoning },
    end: parts.at(-1)?.end ?? plan.start,
  }
}

const joined = (planned: PlannedPart, count: number): string =>
  planned.deltas
    .slice(0, count)
    .map((d) => d.text)
    .join('')
