/**
 * Plan once, play many: the plans of vendor answers, kept in a bounded cache keyed by everything that decides
 * them, so that a thousand requests for the same answer with the same knobs (a load test) split, schedule and
 * count its tokens once. What differs between two such requests (their tool calls' fresh ids and the tokens of
 * their prompts) is not in the key: each request gets the shared plan with its own put back (withOwn), which
 * copies a few objects, not the answer's deltas.
 */
import { streamedText } from '../core/turn.js'
import type { Answer, Part, TurnPlan } from '../core/types.js'

export interface PlanCache {
  /** The plan for `answer` under `knobs`, made with `make` on a miss; then given `answer`'s ids and `input`. */
  get(answer: Answer, knobs: string, input: number, make: () => Promise<TurnPlan>): Promise<TurnPlan>
  readonly size: number
}

/** Least recently used plans go first once there are more than `entries`, or more than `units` in all. */
export function createPlanCache({ entries = 256, units = 1_000_000 } = {}): PlanCache {
  // Keyed by the knobs and each part's kind and name, then by each part's text, one level a part: a reply's text
  // is the same string object from one request to the next, whose hash V8 keeps, so a lookup costs no pass over
  // the 20 KB of a long reply (one JSON key of it all took a quarter of a millisecond a request).
  const root = new Map<string, Level>()
  const recent = new Map<Entry, true>() // in order of use, for eviction
  let total = 0
  const evict = (): void => {
    for (const entry of recent.keys()) {
      if (recent.size <= entries && total <= units) break
      remove(entry)
    }
  }
  const remove = (entry: Entry): void => {
    recent.delete(entry)
    total -= entry.units
    // The entry, then each level it leaves empty: nothing of an evicted answer's text stays behind.
    for (let i = entry.path.length - 1; i >= 0; i--) {
      const [level, key] = entry.path[i]!
      level.delete(key)
      if (level.size > 0) break
    }
  }
  return {
    async get(answer, knobs, input, make) {
      const head = `${knobs}\0${answer.finish ?? ''}\0${answer.parts.map((part) => (part.kind === 'tool_call' ? `${part.kind} ${part.name}` : part.kind)).join('\0')}`
      let level: Level = root.get(head) ?? new Map<string, Level | Entry>()
      root.set(head, level)
      const path: Array<[Map<string, unknown>, string]> = [[root, head]]
      const texts = answer.parts.map(streamedText)
      for (const text of texts.slice(0, -1)) {
        const found = level.get(text)
        const next: Level = found instanceof Map ? found : new Map<string, Level | Entry>()
        level.set(text, next)
        path.push([level, text])
        level = next
      }
      const last = texts.at(-1) ?? ''
      let entry = level.get(last) as Entry | undefined // at the last level: entries only (a head fixes the number of parts)
      if (entry !== undefined) {
        recent.delete(entry)
        recent.set(entry, true)
      } else {
        path.push([level, last])
        const made: Entry = { plan: make(), units: 0, path }
        entry = made
        level.set(last, made)
        recent.set(made, true)
        try {
          const plan = await made.plan
          if (recent.has(made)) {
            made.units = plan.parts.reduce((sum, part) => sum + part.deltas.length, 0)
            total += made.units
            evict()
          }
        } catch (error) {
          if (recent.has(made)) remove(made)
          throw error
        }
      }
      const shared = await entry.plan
      const own = withOwn(shared, answer, input)
      sharedPlans.set(own, shared)
      return own
    },
    get size() {
      return recent.size
    },
  }
}

/** Each request's plan and what it was made from: a cached plan, or one of the ways derivedPlan names. */
const sharedPlans = new WeakMap<TurnPlan, object>()
const derivations = new WeakMap<object, Map<string, object>>()

/**
 * What `plan` was made from, if it is a request's copy of a cached plan (or made from one in a way derivedPlan
 * noted): requests whose plans were made from the same one differ only in their tool call ids and prompt
 * tokens (src/app/shared-frames.ts encodes their frames once).
 */
export const sharedPlanOf = (plan: TurnPlan): object | undefined => sharedPlans.get(plan)

/**
 * Notes that `plan` was made from `from` in a way `how` names fully (a function of the plan and `how` alone:
 * a format's shaping, a truncation), so that plans made so from the same cached plan are known as alike.
 */
export function derivedPlan(plan: TurnPlan, from: TurnPlan, how: string): TurnPlan {
  const shared = sharedPlans.get(from)
  if (shared === undefined || plan === from) return plan
  let ways = derivations.get(shared)
  if (ways === undefined) derivations.set(shared, (ways = new Map<string, object>()))
  let made = ways.get(how)
  if (made === undefined) ways.set(how, (made = {}))
  sharedPlans.set(plan, made)
  return plan
}

interface Entry {
  readonly plan: Promise<TurnPlan>
  units: number
  /** The levels from the root to it, each with the key the next (or it) is under. */
  readonly path: ReadonlyArray<readonly [Map<string, unknown>, string]>
}

type Level = Map<string, Level | Entry>

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
