/**
 * Splitting a reply once per unit kind: a library reply is cut the first time it is asked for, then reused. A
 * text with more units than one stream may have (`--max-units`) is refused as soon as the split passes it.
 */
import { split } from '../core/split.js'
import type { ReplyLibrary } from '../core/replies.js'
import type { UnitKind } from '../core/types.js'
import { tooManyUnits, type SizeLimits } from './stream-size.js'

export interface UnitSource {
  /** Throws a 400 naming `param` when the reply has too many units. */
  ofReply(name: string, unit: UnitKind, param?: string | null): readonly string[]
  ofText(text: string, unit: UnitKind, param?: string | null): readonly string[]
}

const MAX_CACHED_TEXTS = 64
const MAX_CACHED_TEXT = 64 * 1024

export function createUnitSource(library: ReplyLibrary, limits: SizeLimits): UnitSource {
  const cache = new Map<string, readonly string[]>()
  const texts = new Map<string, readonly string[]>()
  const within = (units: readonly string[], unit: UnitKind, param: string | null): readonly string[] => {
    if (units.length > limits.maxUnits) throw tooManyUnits(units.length, unit, limits, param)
    return units
  }
  return {
    ofReply(name, unit, param = 'reply') {
      const key = `${unit}\0${name}`
      let units = cache.get(key)
      if (units === undefined) {
        units = within(split(library.get(name).text, unit, limits.maxUnits), unit, param)
        cache.set(key, units)
      }
      return units
    },
    ofText(text, unit, param = 'text') {
      // Many clients streaming the same text (a load test) split it once.
      const key = `${unit}\0${text}`
      let units = texts.get(key)
      if (units === undefined) {
        units = within(split(text, unit, limits.maxUnits), unit, param)
        if (text.length <= MAX_CACHED_TEXT) {
          texts.set(key, units)
          if (texts.size > MAX_CACHED_TEXTS) texts.delete(texts.keys().next().value!)
        }
      }
      return units
    },
  }
}
