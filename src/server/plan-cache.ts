/**
 * Plan once, play many: the plans of vendor answers, kept in a bounded cache keyed by everything that decides
 * them, so that a thousand requests for the same answer with the same knobs (a load test) split, schedule and
 * count its tokens once. What differs between two such requests (their tool calls' fresh ids and the tokens of
 * their prompts) is not in the key: each request gets the shared plan with its own put back (withOwn), which
 * copies a few objects, not the answer's deltas.
 */
import type { Answer, Part, TurnPlan } from '../core/types.js'

export interface PlanCache {
  /** The plan for `answer` under `knobs`, made with `make` on a miss; then given `answer`'s ids and `input`. */
  get(answer: Answer, knobs: string, input: number, make: () => Promise<TurnPlan>): Promise<TurnPlan>
  readonly size: number
}

/** Least recently used plans go first once there are more than `entries`, or more than `units` in all. */
export function createPlanCache({ entries = 256, units = 1_000_000 } = {}): PlanCache {
  const map = new Map<string, { plan: Promise<TurnPlan>; units: number }>()
  let total = 0
  const evict = (): void => {
    for (const [key, old] of map) {
      if (map.size <= entries && total <= units) break
      map.delete(key)
      total -= old.units
    }
  }
  return {
    async get(answer, knobs, input, make) {
      const key = `${knobs}\0${keyOf(answer)}`
      let hit = map.get(key)
      if (hit !== undefined) {
        map.delete(key) // Map keeps insertion order: re-inserting marks it most recently used
        map.set(key, hit)
      } else {
        hit = { plan: make(), units: 0 }
        map.set(key, hit)
        const entry = hit
        try {
          const made = await entry.plan
          if (map.get(key) === entry) {
            entry.units = made.parts.reduce((sum, part) => sum + part.deltas.length, 0)
            total += entry.units
            evict()
          }
        } catch (error) {
          if (map.get(key) === entry) map.delete(key)
          throw error
        }
      }
      return withOwn(await hit.plan, answer, input)
    },
    get size() {
      return map.size
    },
  }
}

/** What decides a plan in an answer: each part's kind and text, a tool call's name and arguments; not the ids. */
function keyOf(answer: Answer): string {
  const parts = answer.parts.map((part) => (part.kind === 'tool_call' ? [part.kind, part.name, part.arguments] : [part.kind, part.text]))
  return JSON.stringify([answer.finish ?? null, parts])
}

/** The shared plan with this request's own tool call ids and prompt tokens. */
function withOwn(plan: TurnPlan, answer: Answer, input: number): TurnPlan {
  const own = (part: Part, index: number): Part => {
    const mine = answer.parts[index]
    return part.kind === 'tool_call' && mine?.kind === 'tool_call' && mine.id !== part.id ? { ...part, id: mine.id } : part
  }
  const calls = plan.parts.some((p) => p.part.kind === 'tool_call')
  return {
    ...plan,
    ...(calls
      ? {
          answer: { ...plan.answer, parts: plan.answer.parts.map(own) },
          parts: plan.parts.map((planned) => ({ ...planned, part: own(planned.part, planned.index) })),
        }
      : {}),
    usage: { ...plan.usage, input },
  }
}
