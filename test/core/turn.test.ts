/** planTurn and matchScenario: every part streams exactly its text, on one schedule; the first fitting rule wins. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { truncateTurn } from '../../src/core/truncate.js'
import { planTurn, streamedText } from '../../src/core/turn.js'
import { UNIT_KINDS, type Part } from '../../src/core/types.js'
import { countTokens } from '../../src/core/tokens.js'

const part = fc.oneof(
  fc.record({ kind: fc.constant('reasoning' as const), text: fc.string({ unit: 'grapheme', maxLength: 30 }) }),
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', maxLength: 30 }) }),
  fc.record({ kind: fc.constant('tool_call' as const), id: fc.constant('x'), name: fc.constant('f'), arguments: fc.json({ maxDepth: 2 }) }),
)
const timing = fc.record({
  ttft: fc.integer({ min: 0, max: 500 }),
  delay: fc.integer({ min: 0, max: 50 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
})

describe('planTurn', () => {
  it('streams every part exactly, in order, with non-decreasing offsets, and counts real tokens', () => {
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 4 }),
        fc.constantFrom(...UNIT_KINDS),
        timing,
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        (parts, unit, t, chunk, seed) => {
          const plan = planTurn({ parts }, { unit, timing: t, seed, chunk, inputTokens: 3 })
          expect(plan.parts.map((p) => p.deltas.map((d) => d.text).join(''))).toEqual(parts.map(streamedText))
          const offsets = plan.parts.flatMap((p) => [p.start, ...p.deltas.map((d) => d.at), p.end])
          expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
          expect(plan.usage).toEqual({
            input: 3,
            output: parts.reduce((n, p) => n + countTokens(streamedText(p)), 0),
            reasoning: parts.reduce((n, p) => n + (p.kind === 'reasoning' ? countTokens(p.text) : 0), 0),
          })
          expect(plan.finish).toBe(parts.some((p) => p.kind === 'tool_call') ? 'tool_calls' : 'stop')
          expect(planTurn({ parts }, { unit, timing: t, seed, chunk, inputTokens: 3 })).toEqual(plan)
        },
      ),
      { seed: 3, numRuns: 200 },
    )
  })

  it('schedules the parts as one sequence: ttft before the first unit of any part, delay between all', () => {
    const parts: Part[] = [
      { kind: 'reasoning', text: 'a b' },
      { kind: 'text', text: '' },
      { kind: 'text', text: 'c' },
    ]
    const plan = planTurn({ parts }, { unit: 'word', timing: { ttft: 100, delay: 10, jitter: 0 }, seed: 0, chunk: 1, inputTokens: 0 })
    expect(plan.parts.map((p) => [p.start, p.deltas.map((d) => d.at), p.end])).toEqual([
      [100, [100, 110], 110],
      [110, [], 110], // an empty part opens and closes where the previous one ended
      [120, [120], 120],
    ])
    expect([plan.start, plan.end]).toEqual([100, 120])
  })

  it('groups `chunk` units per delta, never across parts', () => {
    const plan = planTurn(
      {
        parts: [
          { kind: 'reasoning', text: 'abc' },
          { kind: 'text', text: 'de' },
        ],
      },
      { unit: 'char', timing: { ttft: 0, delay: 1, jitter: 0 }, seed: 0, chunk: 2, inputTokens: 0 },
    )
    expect(plan.parts.map((p) => p.deltas.map((d) => [d.text, d.at]))).toEqual([
      [
        ['ab', 1],
        ['c', 2],
      ],
      [['de', 4]],
    ])
  })
})

describe('truncateTurn', () => {
  it('keeps a prefix of the answer of at most maxTokens tokens, on the same schedule, and finishes with length', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...UNIT_KINDS),
        fc.integer({ min: 1, max: 40 }),
        (parts, unit, max) => {
          const whole = planTurn({ parts }, { unit, timing: { ttft: 10, delay: 5, jitter: 0.5 }, seed: 1, chunk: 1, inputTokens: 2 })
          const cut = truncateTurn(whole, max)
          if (whole.usage.output <= max) return void expect(cut).toBe(whole)
          expect(cut.finish).toBe('length')
          expect(cut.usage.output).toBeLessThanOrEqual(max)
          expect(cut.usage.input).toBe(2)
          // Every part kept is a prefix of the one planned, with the same deltas up to the cut.
          cut.parts.forEach((p, i) => {
            const planned = whole.parts[i]!
            expect(p.index).toBe(i)
            expect(p.deltas).toEqual(planned.deltas.slice(0, p.deltas.length))
            expect(streamedText(planned.part).startsWith(streamedText(p.part))).toBe(true)
            if (i < cut.parts.length - 1) expect(p.deltas).toEqual(planned.deltas)
          })
          expect(cut.usage.output).toBe(cut.parts.reduce((n, p) => n + countTokens(streamedText(p.part)), 0))
          expect(cut.end).toBe(cut.parts.at(-1)?.end ?? whole.start)
        },
      ),
      { seed: 5, numRuns: 200 },
    )
  })
})
