/** Splitting a reply once per unit kind: a library reply is cut the first time it is asked for, then reused. */
import { split } from '../core/split.js'
import type { ReplyLibrary } from '../core/replies.js'
import type { UnitKind } from '../core/types.js'

export interface UnitSource {
  ofReply(name: string, unit: UnitKind): readonly string[]
  ofText(text: string, unit: UnitKind): readonly string[]
}

export function createUnitSource(library: ReplyLibrary): UnitSource {
  const cache = new Map<string, readonly string[]>()
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
    ofText: split,
  }
}
