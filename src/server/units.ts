/** Splitting a reply once per unit kind: a library reply is cut the first time it is asked for, then reused. */
import { split } from '../core/split.js'
import type { ReplyLibrary } from '../core/replies.js'
import type { UnitKind } from '../core/types.js'

export interface UnitSource {
  ofReply(name: string, unit: UnitKind): readonly string[]
  ofText(text: string, unit: UnitKind): readonly string[]
}

const MAX_CACHED_TEXTS = 64
const MAX_CACHED_TEXT = 64 * 1024

export function createUnitSource(library: ReplyLibrary): UnitSource {
  const cache = new Map<string, readonly string[]>()
  const texts = new Map<string, readonly string[]>()
  return {
    ofReply(name, unit) {
      const key = `${unit}\0${name}`
      let units = cache.get(key)
      if (units === undefined) {
        units = split(library.get(name).text, unit)
        cache.set(key, units)
      }
      return units
    },
    ofText(text, unit) {
      // Many clients streaming the same text (a load test) split it once.
      const key = `${unit}\0${text}`
      let units = texts.get(key)
      if (units === undefined) {
        units = split(text, unit)
        if (text.length <= MAX_CACHED_TEXT) {
          texts.set(key, units)
          if (texts.size > MAX_CACHED_TEXTS) texts.delete(texts.keys().next().value!)
        }
      }
      return units
    },
  }
}
