/**
 * Splitting a reply once per unit kind: a library reply is cut the first time it is asked for, then reused. A
 * text with more units than one stream may have (`--max-units`) is refused as soon as the split passes it.
 * Splitting is done a slice at a time (src/app/slices.ts): a megabyte of text takes up to a second to cut
 * into tokens, and every other stream plays meanwhile.
 */
import { unitsOf } from '../core/split.js'
import type { ReplyLibrary } from '../core/replies.js'
import type { UnitKind } from '../core/types.js'
import { LARGE_TEXT, nextTurn, takeInSlices } from './slices.js'
import { tooManyUnits, type SizeLimits } from './stream-size.js'

export interface UnitSource {
  /** Rejects with a 400 naming `param` when the reply has too many units. */
  ofReply(name: string, unit: UnitKind, param?: string | null): Promise<readonly string[]>
  /** The same for a text; `signal` (the request's) stops the work for a client that has gone. */
  ofText(text: string, unit: UnitKind, param?: string | null, signal?: AbortSignal): Promise<readonly string[]>
}

const MAX_CACHED_TEXTS = 64
const MAX_CACHED_TEXT = 64 * 1024

export function createUnitSource(library: ReplyLibrary, limits: SizeLimits): UnitSource {
  // Promises, so that requests arriving while a reply is being split wait for that split instead of starting
  // their own.
  const cache = new Map<string, Promise<readonly string[]>>()
  const texts = new Map<string, Promise<readonly string[]>>()
  const cut = async (text: string, unit: UnitKind, param: string | null, signal?: AbortSignal): Promise<readonly string[]> => {
    // A long text comes in a long request, whose reading took its turn of the loop already: the loop gets one
    // before the first slice.
    if (text.length > LARGE_TEXT) await nextTurn()
    const units = await takeInSlices(unitsOf(text, unit), limits.maxUnits + 1, signal)
    if (units.length > limits.maxUnits) throw tooManyUnits(units.length, unit, limits, param)
    return units
  }
  return {
    ofReply(name, unit, param = 'reply') {
      const key = `${unit}\0${name}`
      let units = cache.get(key)
      if (units === undefined) {
        units = cut(library.get(name).text, unit, param)
        cache.set(key, units)
      }
      return units
    },
    ofText(text, unit, param = 'text', signal) {
      // Many clients streaming the same text (a load test) split it once.
      if (text.length > MAX_CACHED_TEXT) return cut(text, unit, param, signal)
      const key = `${unit}\0${text}`
      let units = texts.get(key)
      if (units === undefined) {
        units = cut(text, unit, param)
        texts.set(key, units)
        units.catch(() => texts.delete(key))
        if (texts.size > MAX_CACHED_TEXTS) texts.delete(texts.keys().next().value!)
      }
      return units
    },
  }
}
