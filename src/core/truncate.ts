/**
 * truncateTurn: a plan cut after at most `maxTokens` output tokens, as a model stops at its request's token
 * limit (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, `maxOutputTokens`). The cut falls between
 * two deltas, keeps the timing of everything before it, and ends the answer with finish reason `length`, which
 * each wire format names its own way (`length`, `max_tokens`, `incomplete`, `MAX_TOKENS`).
 */
import { countTokens } from './tokens.js'
import { streamedText } from './turn.js'
import type { FinishReason, Part, PlannedPart, TurnPlan, Usage } from './types.js'

export function truncateTurn(plan: TurnPlan, maxTokens: number): TurnPlan {
  if (plan.usage.output <= maxTokens) return plan
  const parts: PlannedPart[] = []
  let output = 0
  let reasoning = 0
  let cut = false
  for (const planned of plan.parts) {
    let kept = planned
    let tokens = countTokens(streamedText(planned.part))
    if (output + tokens > maxTokens) {
      cut = true
      // The most deltas that still fit: a prefix's token count grows with the prefix, so a binary search finds it.
      let low = 0
      let high = planned.deltas.length
      while (low < high) {
        const mid = Math.ceil((low + high) / 2)
        if (output + countTokens(joined(planned, mid)) <= maxTokens) low = mid
        else high = mid - 1
      }
      if (low === 0) break
      const text = joined(planned, low)
      const deltas = planned.deltas.slice(0, low)
      const part: Part = planned.part.kind === 'tool_call' ? { ...planned.part, arguments: text } : { ...planned.part, text }
      kept = { ...planned, part, deltas, end: deltas.at(-1)!.at }
      tokens = countTokens(text)
    }
    parts.push(kept)
    output += tokens
    if (kept.part.kind === 'reasoning') reasoning += tokens
    if (cut) break
  }
  const usage: Usage = { input: plan.usage.input, output, reasoning }
  const finish: FinishReason = 'length'
  const end = parts.at(-1)?.end ?? plan.start
  return { ...plan, answer: { parts: parts.map((p) => p.part) }, parts, finish, usage, end }
}

const joined = (planned: PlannedPart, count: number): string =>
  planned.deltas
    .slice(0, count)
    .map((d) => d.text)
    .join('')
