/**
 * Encode once, play many, on the vendor routes: the frames of an answer that responses ask for again (a load
 * test sends the same request thousands of times, or as many prompts of its own for the same reply) are
 * encoded once into bytes that every response of it shares, with each response's own values (its ids, its
 * `created` second, its tool call ids: src/app/response-ids.ts; its prompt's token count, and each sum of it
 * and the answer's counts) left out as numbered gaps, which the player fills with the response's own bytes as
 * a frame falls due. Per event that is a write of bytes that exist, as on /stream, rather than a frame made, stringified
 * and encoded for each client; per open stream it is a few small buffers, however long the answer.
 *
 * An answer's first response plays as it is made (src/app/respond.ts); its second makes the shared frames,
 * a slice at a time, by encoding the answer twice side by side: with stand-ins for the own values, cut at the
 * stand-ins into pieces, and with the response's own values, which the pieces filled with them must give byte
 * for byte. An encoder that does more with a value than write it out (a value encoded or hashed from an id)
 * fails the check, and that answer plays as it is made, as before; the one that did (Anthropic's thinking
 * signature) now writes the id out inside it.
 */
import type { Part, TurnPlan } from '../core/types.js'
import type { TimedFrame } from '../wire/frames.js'
import { toBytes, type FrameTemplate } from './encoded-frames.js'
import { sharedPlanOf } from './plan-cache.js'
import { inputStandIn, standIn, StandIns, type Ids, type OwnIds } from './response-ids.js'
import { eachInSlices } from './slices.js'

/** One response of an answer, as a route encodes it. */
export interface AnswerStream<O> {
  /** Names the encoder: only responses of the same format share frames. */
  readonly format: string
  readonly plan: TurnPlan
  /** The response's options for its encoder, drawn through `ids`. */
  readonly options: O
  readonly ids: OwnIds
  /** How the route makes its options from ids: called again with stand-ins. */
  readonly optionsOf: (ids: Ids) => O
  readonly encode: (plan: TurnPlan, options: O) => IterableIterator<TimedFrame>
}

export interface SharedFrameCache {
  /**
   * The shared frames of `answer` and the response's own values, when they are kept or this is the answer's
   * second response (which waits while they are made); undefined: play the answer as it is made.
   */
  get<O>(answer: AnswerStream<O>): Promise<{ template: FrameTemplate; own: Uint8Array[]; input: number } | undefined>
  readonly size: number
}

interface Entry {
  /** Made once asked for twice; null: the answer's frames cannot be shared. */
  template?: Promise<FrameTemplate | null>
  size: number
}

/**
 * Least recently used entries go first once there are more than `entries`, or more than `bytes` in all (their
 * frames and their keys).
 */
export function createSharedFrames({ entries = 256, bytes = 64 * 1024 * 1024 } = {}): SharedFrameCache {
  const map = new Map<string, Entry>()
  let total = 0
  const evict = (): void => {
    for (const [key, entry] of map) {
      if (map.size <= entries && total <= bytes) break
      map.delete(key)
      total -= entry.size
    }
  }
  return {
    async get(answer) {
      const shared = sharedPlanOf(answer.plan)
      if (shared === undefined) return undefined
      const calls = callIds(answer.plan.parts.map((p) => p.part))
      const standIns = new StandIns()
      const standOptions = answer.optionsOf(standIns)
      if (standIns.values.length !== answer.ids.values.length) return undefined
      // Not the prompt's tokens: a load test's prompts differ, and each response writes its own count.
      const key = `${answer.format}\0${planId(shared)}\0${calls.pattern}\0${JSON.stringify(standOptions)}`
      let entry = map.get(key)
      if (entry === undefined) {
        // Its first response: noted, and played as it is made (an answer asked for once costs nothing more).
        // Its key counts too: it holds the response's options (a Responses request's echoed tools can be large).
        const noted = { size: key.length * 2 }
        map.set(key, noted)
        total += noted.size
        evict()
        return undefined
      }
      map.delete(key) // Map keeps insertion order: re-inserting marks it most recently used
      map.set(key, entry)
      if (entry.template === undefined) {
        const made: Entry = entry
        made.template = makeTemplate(answer, standIns.values, standOptions, calls.ids).then(
          (template) => {
            if (template !== null && map.get(key) === made) {
              made.size += template.size
              total += template.size
              evict()
            }
            return template
          },
          () => null,
        )
      }
      entry = map.get(key) ?? entry
      const template = await entry.template!
      if (template === null) return undefined
      const own = [...answer.ids.values, ...calls.ids.map(escaped)].map(toBytes)
      return { template, own, input: answer.plan.usage.input }
    },
    get size() {
      return map.size
    },
  }
}

/** A number for each shared plan, for the cache's keys. */
const planIds = new WeakMap<object, number>()
let lastPlanId = 0
function planId(plan: object): number {
  let id = planIds.get(plan)
  if (id === undefined) planIds.set(plan, (id = ++lastPlanId))
  return id
}

/** An answer's distinct tool call ids in order, and which of them each call has (a model may repeat one). */
function callIds(parts: readonly Part[]): { ids: string[]; pattern: string } {
  const ids: string[] = []
  let pattern = ''
  for (const part of parts) {
    if (part.kind !== 'tool_call') continue
    let index = ids.indexOf(part.id)
    if (index < 0) index = ids.push(part.id) - 1
    pattern += `${index},`
  }
  return { ids, pattern }
}

const escaped = (value: string): string => JSON.stringify(value).slice(1, -1)

/** The plan with each distinct tool call id replaced by the stand-in of the same place, and the prompt's tokens by theirs. */
function withStandIns(plan: TurnPlan, ids: readonly string[], standIns: readonly string[]): TurnPlan {
  const usage = { ...plan.usage, input: inputStandIn().value }
  if (ids.length === 0) return { ...plan, usage }
  const swap = (part: Part): Part => (part.kind === 'tool_call' ? { ...part, id: standIns[ids.indexOf(part.id)]! } : part)
  return {
    ...plan,
    answer: { ...plan.answer, parts: plan.answer.parts.map(swap) },
    parts: plan.parts.map((planned) => ({ ...planned, part: swap(planned.part) })),
    usage,
  }
}

/**
 * The shared frames of an answer, or null if the encoder does more with an own value than write it (the pieces
 * filled with this response's own values must give its own frames, byte for byte).
 */
async function makeTemplate<O>(
  answer: AnswerStream<O>,
  optionValues: readonly string[],
  standOptions: O,
  calls: readonly string[],
): Promise<FrameTemplate | null> {
  const callStandIns = calls.map((id, index) => standIn(index, 'call', Math.max(id.length, 16)))
  const standValues = [...optionValues, ...callStandIns]
  const ownValues = [...answer.ids.values, ...calls.map(escaped)]
  const slot = new Map(standValues.map((value, index) => [value, index]))
  const input = answer.plan.usage.input
  const alternatives = [...standValues.map(escapeRegExp), inputStandIn().sum].join('|')
  // One to ask whether a frame holds a stand-in, one to find them all (a global RegExp's test moves it on).
  const holds = new RegExp(alternatives)
  const cut = new RegExp(alternatives, 'g')
  const own = answer.encode(answer.plan, answer.options)[Symbol.iterator]()
  const stand = answer.encode(withStandIns(answer.plan, calls, callStandIns), standOptions)
  // Pieces seen before share their bytes: the head of a chunk is the same in every frame of a response.
  const interned = new Map<string, Uint8Array>()
  const bytesOf = (text: string): Uint8Array => {
    let bytes = interned.get(text)
    if (bytes === undefined) {
      interned.set(text, (bytes = toBytes(text)))
      size += bytes.length
    }
    return bytes
  }
  const at: number[] = []
  const frames: Array<Uint8Array | Array<Uint8Array | number>> = []
  let size = 0
  let same = true
  await eachInSlices(stand, (frame) => {
    if (!same) return
    const mine = own.next()
    if (mine.done === true || mine.value.at !== frame.at) return void (same = false)
    at.push(frame.at)
    if (!holds.test(frame.text)) {
      if (mine.value.text !== frame.text) return void (same = false)
      const bytes = toBytes(frame.text)
      size += bytes.length
      frames.push(bytes)
      return
    }
    const pieces: Array<Uint8Array | number> = []
    let filled = ''
    let from = 0
    for (const match of frame.text.matchAll(cut)) {
      const text = frame.text.slice(from, match.index)
      if (text !== '') pieces.push(bytesOf(text))
      const index = slot.get(match[0])
      if (index !== undefined) {
        pieces.push(index)
        filled += text + ownValues[index]!
      } else {
        // The prompt's tokens and `added` more: a gap the response's own count fills (src/app/encoded-frames.ts).
        const added = Number(match[0]) - inputStandIn().value
        pieces.push(-added - 1)
        filled += text + String(input + added)
      }
      from = match.index + match[0].length
    }
    const rest = frame.text.slice(from)
    if (rest !== '') pieces.push(bytesOf(rest))
    if (filled + rest !== mine.value.text) return void (same = false)
    frames.push(pieces)
  })
  if (!same || own.next().done !== true) return null
  return { at, frames, size: size + at.length * 8 }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
