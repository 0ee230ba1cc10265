import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { MAX_JSON_DEPTH, nestsDeeperThan, yamlNestsDeeperThan } from '../../src/core/json-depth.js'

/** The nesting depth of a parsed value, by walking it. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0
  const children = Array.isArray(value) ? value : Object.values(value)
  return 1 + Math.max(0, ...children.map(depthOf))
}

const nested = (depth: number): string => '{"a":['.repeat(depth >> 1) + (depth % 2 === 1 ? '{}' : '1') + ']}'.repeat(depth >> 1)

describe('nestsDeeperThan', () => {
  it('is 128 levels', () => expect(MAX_JSON_DEPTH).toBe(128))

  it('agrees with the depth of the parsed value, brackets in strings and escaped quotes aside', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8, stringUnit: fc.constantFrom('a', '[', '{', ']', '}', '"', '\\', 'é') }), (value) => {
        const json = JSON.stringify(value)
        const depth = depthOf(value)
        expect(nestsDeeperThan(json, depth)).toBe(false)
        if (depth > 0) expect(nestsDeeperThan(json, depth - 1)).toBe(true)
      }),
    )
  })

  it('takes 128 levels and refuses 129; two million levels are refused at once', () => {
    expect(nestsDeeperThan(nested(128), 128)).toBe(false)
    expect(nestsDeeperThan(nested(129), 128)).toBe(true)
    // At once: it stops at the 129th level, where a text of the same length that is not too deep is read to its
    // end. Compared with that scan on the same machine (the quickest of five of each), not against a fixed bound,
    // which a loaded machine can miss and a full scan of 4 MB (about 10 ms) would meet.
    const deep = '['.repeat(2_000_000) + ']'.repeat(2_000_000)
    const shallow = '[' + '[],'.repeat(1_333_333) + ']'
    const quickest = (text: string, expected: boolean): number => {
      let best = Infinity
      for (let i = 0; i < 5; i++) {
        const started = performance.now()
        expect(nestsDeeperThan(text, 128)).toBe(expected)
        best = Math.min(best, performance.now() - started)
      }
      return best
    }
    const refused = quickest(deep, true)
    const scanned = quickest(shallow, false)
    expect(refused * 20, `refused in ${refused.toFixed(3)} ms, scanned in ${scanned.toFixed(3)} ms`).toBeLessThan(scanned)
  })

  it('scans 4 MB of flat JSON in milliseconds', () => {
    const flat = JSON.stringify({ messages: Array.from({ length: 40_000 }, () => ({ role: 'user', content: 'x'.repeat(80) })) })
    const started = performance.now()
    expect(nestsDeeperThan(flat, 128)).toBe(false)
    expect(performance.now() - started).toBeLessThan(200) // generous: about 10 ms here
  })
})

describe('yamlNestsDeeperThan', () => {
  it('takes what a scenarios file holds', () => {
    const file = [
      '# rules',
      'scenarios:',
      '  - name: "weather [1]"',
      "    when: { user: { contains: 'it''s ]]] here' } }",
      '    answers:',
      '      - text: |',
      '          some ] text } with ) closers',
      '        tools: [ { name: get_weather, args: { city: Paris } } ]',
      '      - - - nested',
    ].join('\n')
    expect(yamlNestsDeeperThan(file, 128)).toBe(false)
    expect(depthOf(parseYaml(file))).toBeLessThan(128)
  })

  it('refuses deep flow collections, deep indentation and compact nesting, even behind quotes and comments', () => {
    const flow = (n: number): string => `a: ${'['.repeat(n)}${']'.repeat(n)}`
    expect(yamlNestsDeeperThan(flow(128), 128)).toBe(false)
    expect(yamlNestsDeeperThan(flow(129), 128)).toBe(true)
    expect(yamlNestsDeeperThan('- '.repeat(129) + 'x', 128)).toBe(true)
    expect(yamlNestsDeeperThan(Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'), 128)).toBe(true)
    // Closers that close nothing real do not hide the opening brackets after them.
    expect(yamlNestsDeeperThan(`a: "${']'.repeat(200)}"\nb: ${'['.repeat(129)}`, 128)).toBe(true)
    expect(yamlNestsDeeperThan(`a: x "\nb: ${'['.repeat(129)}\nc: "`, 128)).toBe(true)
    expect(yamlNestsDeeperThan(`a: [ # ${']'.repeat(200)}\n${'['.repeat(128)}`, 128)).toBe(true)
    expect(yamlNestsDeeperThan(`a: [${"'],"}${'['.repeat(128)}`, 128)).toBe(true)
  })
})
