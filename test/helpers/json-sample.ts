/**
 * The expected output the README shows in a comment (`# {"replies":[{"name":"greeting",…}, …]}`): JSON in which
 * `…` stands for what the sample leaves out. It parses into a pattern that an actual answer must fit:
 *
 * - `…` as an object member or an array element: any further members or elements. Without it an object has
 *   exactly the members shown and an array exactly the elements shown.
 * - `…` inside a string: any text there (`"call_…"`, `"…"`); `…` as a value: any value.
 * - Array elements fit in the order shown, each a different element of the actual array.
 * - A sample that is only members (`… "tool_calls":[…] … "finish_reason":"tool_calls"`): each member is somewhere
 *   in the answer, in an object at any depth.
 */

export type Sample =
  | { readonly kind: 'any' }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'literal'; readonly value: number | boolean | null }
  | { readonly kind: 'array'; readonly items: readonly Sample[]; readonly open: boolean }
  | { readonly kind: 'object'; readonly members: readonly Member[]; readonly open: boolean }
  | { readonly kind: 'members'; readonly members: readonly Member[] }

type Member = readonly [string, Sample]

export class SampleSyntaxError extends Error {
  override readonly name = 'SampleSyntaxError'
}

const ELLIPSIS = '…'

export function parseSample(text: string): Sample {
  let at = 0
  const fail = (why: string): never => {
    throw new SampleSyntaxError(`${why} at ${at} of ${JSON.stringify(text)}`)
  }
  const space = (): void => {
    while (/\s/.test(text[at] ?? '')) at++
  }
  const eat = (token: string): boolean => {
    space()
    if (!text.startsWith(token, at)) return false
    at += token.length
    return true
  }
  const string = (): string => {
    space()
    if (text[at] !== '"') fail('expected a string')
    let end = at + 1
    while (text[end] !== '"') {
      if (text[end] === undefined) fail('an unclosed string')
      end += text[end] === '\\' ? 2 : 1
    }
    const value = JSON.parse(text.slice(at, end + 1)) as string
    at = end + 1
    return value
  }
  const member = (): Member => {
    const key = string()
    if (!eat(':')) fail('expected ":"')
    return [key, value()]
  }
  /** Items and `…` up to `close`, separated by commas. */
  const list = <T>(close: string, item: () => T): { items: T[]; open: boolean } => {
    const items: T[] = []
    let open = false
    if (eat(close)) return { items, open }
    do {
      if (eat(ELLIPSIS)) open = true
      else items.push(item())
    } while (eat(','))
    if (!eat(close)) fail(`expected "," or "${close}"`)
    return { items, open }
  }
  const value = (): Sample => {
    space()
    if (eat(ELLIPSIS)) return { kind: 'any' }
    if (eat('{')) {
      const { items, open } = list('}', member)
      return { kind: 'object', members: items, open }
    }
    if (eat('[')) return { kind: 'array', ...list(']', value) }
    if (text[at] === '"') return { kind: 'string', text: string() }
    const literal = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at))?.[0] ?? fail('expected a value')
    at += literal.length
    return { kind: 'literal', value: JSON.parse(literal) as number | boolean | null }
  }

  /** Whether a key (a string, then a colon) comes next; reads nothing. */
  const keyFollows = (): boolean => {
    const start = at
    let key = false
    if (text[at] === '"') {
      string()
      key = eat(':')
    }
    at = start
    return key
  }

  space()
  // Only members: the sample starts with `…` or with a key.
  const onlyMembers = text.startsWith(ELLIPSIS, at) || keyFollows()
  let sample: Sample
  if (onlyMembers) {
    const members: Member[] = []
    for (;;) {
      space()
      if (at >= text.length) break
      if (eat(ELLIPSIS) || eat(',')) continue
      members.push(member())
    }
    sample = { kind: 'members', members }
  } else sample = value()
  space()
  if (at < text.length) fail('unexpected text')
  return sample
}

/** Where `actual` does not fit `sample`, or undefined when it does. */
export function sampleMismatch(sample: Sample, actual: unknown, path = '$'): string | undefined {
  const got = (): string => `${path}: got ${short(actual)}`
  switch (sample.kind) {
    case 'any':
      return undefined
    case 'literal':
      return Object.is(actual, sample.value) ? undefined : `${got()}, not ${JSON.stringify(sample.value)}`
    case 'string': {
      const pattern = new RegExp(`^${sample.text.split(ELLIPSIS).map(escape).join('.*')}$`, 's')
      return typeof actual === 'string' && pattern.test(actual) ? undefined : `${got()}, not ${JSON.stringify(sample.text)}`
    }
    case 'array': {
      if (!Array.isArray(actual)) return `${got()}, not an array`
      if (!sample.open && actual.length !== sample.items.length) return `${got()}: ${actual.length} elements, not ${sample.items.length}`
      let next = 0
      for (const [index, item] of sample.items.entries()) {
        const found = actual.findIndex((element, at) => at >= next && sampleMismatch(item, element) === undefined)
        if (found < 0) {
          // Say why the element that came closest does not fit: the one whose mismatch lies deepest.
          const whys = actual.slice(next).map((element, at) => sampleMismatch(item, element, `${path}[${next + at}]`) ?? '')
          const closest = whys.reduce((a, b) => (depth(b) > depth(a) ? b : a), '')
          return `${path}: no element fits the sample's element ${index} in order${closest === '' ? '' : `; closest: ${closest}`}`
        }
        next = found + 1
      }
      return undefined
    }
    case 'object': {
      if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return `${got()}, not an object`
      const record = actual as Record<string, unknown>
      for (const [key, value] of sample.members) {
        if (!(key in record)) return `${path}: no member ${JSON.stringify(key)} (it has ${Object.keys(record).join(', ')})`
        const why = sampleMismatch(value, record[key], `${path}.${key}`)
        if (why !== undefined) return why
      }
      const extra = Object.keys(record).filter((key) => !sample.members.some(([name]) => name === key))
      return sample.open || extra.length === 0 ? undefined : `${path}: members the sample does not show: ${extra.join(', ')}`
    }
    case 'members':
      for (const [key, value] of sample.members) {
        const homes = objects(actual).filter((object) => key in object)
        if (!homes.some((object) => sampleMismatch(value, object[key]) === undefined)) {
          const why = homes.length === 0 ? 'in no object' : sampleMismatch(value, homes[0]![key], `…${key}`)
          return `${JSON.stringify(key)} as the sample shows it: ${why ?? ''}`
        }
      }
      return undefined
  }
}

/** Every object in `value`, itself included, at any depth. */
function objects(value: unknown): Record<string, unknown>[] {
  if (typeof value !== 'object' || value === null) return []
  const inside = Object.values(value).flatMap(objects)
  return Array.isArray(value) ? inside : [value as Record<string, unknown>, ...inside]
}

/** How deep in the answer a mismatch lies: the steps of its path. */
function depth(why: string): number {
  return (/^\S*/.exec(why)?.[0].match(/[.[]/g) ?? []).length
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
