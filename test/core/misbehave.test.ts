/** misbehave and the schema helpers: what each misbehaviour does to an answer, alone and together. */
import { describe, expect, it } from 'vitest'
import type { Misbehaviour } from '../../src/core/faults.js'
import { MADE_UP_REASONING, MADE_UP_TOOL, misbehave, REFUSAL_TEXT, UNKNOWN_TOOL, type Offered } from '../../src/core/misbehave.js'
import { breakArguments, sampleArguments } from '../../src/core/tool-schema.js'
import { planTurn } from '../../src/core/turn.js'
import type { Answer, Part } from '../../src/core/types.js'

const WEATHER = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' } },
  required: ['city'],
}
const offered: Offered = { tools: ['get_weather', 'get_time'], schemas: new Map([['get_weather', WEATHER]]), callId: 'NEW' }
const none: Offered = { tools: [], callId: 'NEW' }

const reasoning: Part = { kind: 'reasoning', text: 'Hmm.' }
const text: Part = { kind: 'text', text: 'It is sunny in Paris today.' }
const call = (id: string, args: object = { city: 'Paris' }, name = 'get_weather'): Part => ({
  kind: 'tool_call',
  id,
  name,
  arguments: JSON.stringify(args),
})
const withCall: Answer = { parts: [reasoning, text, call('A')] }
const plain: Answer = { parts: [reasoning, text] }

const run = (answer: Answer, faults: Misbehaviour[], tools = offered): Answer => misbehave(answer, faults, tools)
const calls = (answer: Answer) => answer.parts.filter((p) => p.kind === 'tool_call')

describe('tool faults', () => {
  it('bad-json: the first call gets a trailing comma that JSON.parse refuses', () => {
    const out = run(withCall, ['bad-json'])
    expect(out.parts.slice(0, 2)).toEqual([reasoning, text])
    expect(calls(out)).toEqual([{ kind: 'tool_call', id: 'A', name: 'get_weather', arguments: '{"city":"Paris",}' }])
    expect(() => JSON.parse(calls(out)[0]!.arguments)).toThrow()
    expect(out.finish).toBeUndefined() // tool_calls, from its parts
  })

  it('bad-args: a required property goes; without one, a declared property gets the wrong type; without a schema, a property goes', () => {
    expect(calls(run(withCall, ['bad-args']))[0]!.arguments).toBe('{}')
    const loose = { ...offered, schemas: new Map([['get_weather', { ...WEATHER, required: [] }]]) }
    expect(calls(run({ parts: [call('A', { city: 'Paris', days: 2 })] }, ['bad-args'], loose))[0]!.arguments).toBe('{"city":42,"days":2}')
    expect(calls(run({ parts: [call('A', { zone: 'UTC', x: 1 }, 'get_time')] }, ['bad-args']))[0]!.arguments).toBe('{"x":1}')
  })

  it('unknown-tool: the first call names a tool the request does not offer', () => {
    const out = calls(run(withCall, ['unknown-tool']))
    expect(out).toEqual([{ kind: 'tool_call', id: 'A', name: UNKNOWN_TOOL, arguments: '{"city":"Paris"}', offered: false }])
    expect(calls(run(withCall, ['unknown-tool'], { ...offered, tools: [UNKNOWN_TOOL] }))[0]!.name).toBe(`${UNKNOWN_TOOL}_`)
  })

  it('dup-call-id: the second call takes the first one id, or the first is sent twice', () => {
    const two: Answer = { parts: [call('A'), call('B', { city: 'Rome' })] }
    expect(calls(run(two, ['dup-call-id'])).map((c) => [c.id, c.arguments])).toEqual([
      ['A', '{"city":"Paris"}'],
      ['A', '{"city":"Rome"}'],
    ])
    expect(calls(run(withCall, ['dup-call-id']))).toEqual([call('A'), call('A')])
  })

  it('cut-in-tool: the answer stops halfway through its last call, with finish length', () => {
    const out = run({ parts: [text, call('A'), call('B', { city: 'Rome' })] }, ['cut-in-tool'])
    expect(out.finish).toBe('length')
    expect(out.parts).toEqual([text, call('A'), { ...call('B'), arguments: '{"city":' }])
  })

  it('makes a call when the answer has none: to the first offered tool, with arguments its schema accepts, or to a made-up tool', () => {
    expect(calls(run(plain, ['bad-args']))).toEqual([
      { kind: 'tool_call', id: 'NEW', name: 'get_weather', arguments: '{"unit":"celsius","days":1}' },
    ])
    expect(calls(run(plain, ['dup-call-id'], none))).toEqual([
      { kind: 'tool_call', id: 'NEW', name: MADE_UP_TOOL, arguments: '{"query":"tokensim"}' },
      { kind: 'tool_call', id: 'NEW', name: MADE_UP_TOOL, arguments: '{"query":"tokensim"}' },
    ])
    expect(run(plain, ['bad-json']).parts.slice(0, 2)).toEqual([reasoning, text])
  })

  it('combines, in one order whatever the order asked', () => {
    const out = run(withCall, ['cut-in-tool', 'bad-json', 'dup-call-id', 'unknown-tool'])
    expect(calls(out).map((c) => [c.id, c.name, c.arguments])).toEqual([
      ['A', UNKNOWN_TOOL, '{"city":"Paris",}'],
      ['A', UNKNOWN_TOOL, '{"city":"'],
    ])
    expect(out.finish).toBe('length')
  })
})

describe('faults that replace the answer', () => {
  it('refusal: the reasoning, then the refusal, with finish refusal', () => {
    expect(run(withCall, ['refusal'])).toEqual({ parts: [reasoning, { kind: 'refusal', text: REFUSAL_TEXT }], finish: 'refusal' })
  })

  it('content-filter: the reasoning and the text up to a word end before its middle, no calls', () => {
    expect(run(withCall, ['content-filter'])).toEqual({
      parts: [reasoning, { kind: 'text', text: 'It is sunny' }],
      finish: 'content_filter',
    })
    expect(run({ parts: [call('A')] }, ['content-filter'])).toEqual({ parts: [], finish: 'content_filter' })
  })

  it('empty and reasoning-only', () => {
    expect(run(withCall, ['empty'])).toEqual({ parts: [], finish: 'stop' })
    expect(run(withCall, ['reasoning-only'])).toEqual({ parts: [reasoning], finish: 'stop' })
    expect(run({ parts: [text] }, ['reasoning-only'])).toEqual({ parts: [{ kind: 'reasoning', text: MADE_UP_REASONING }], finish: 'stop' })
  })

  it('the first asked for wins, and tool faults then do nothing', () => {
    expect(run(withCall, ['bad-json', 'empty', 'refusal']).parts).toEqual([])
  })

  it('no misbehaviour: the answer itself', () => {
    expect(run(withCall, [])).toBe(withCall)
  })

  it('the plan takes the finish reason a fault gives, and counts what is left', () => {
    const plan = planTurn(run(withCall, ['refusal']), {
      unit: 'word',
      timing: { ttft: 0, delay: 10, jitter: 0 },
      seed: 1,
      chunk: 1,
      inputTokens: 3,
    })
    expect(plan.finish).toBe('refusal')
    expect(plan.parts.map((p) => p.part.kind)).toEqual(['reasoning', 'refusal'])
    expect(plan.usage.output).toBeGreaterThan(plan.usage.reasoning)
  })
})

describe('tool schemas', () => {
  it('samples arguments of every declared type, Gemini OpenAPI types in capitals included', () => {
    expect(sampleArguments(WEATHER)).toEqual({ city: 'tokensim', unit: 'celsius', days: 1 })
    const gemini = {
      type: 'OBJECT',
      properties: { on: { type: 'BOOLEAN' }, tags: { type: 'ARRAY' }, at: { type: 'OBJECT', properties: { x: { type: 'NUMBER' } } } },
    }
    expect(sampleArguments(gemini)).toEqual({ on: true, tags: [], at: { x: 1 } })
    expect(sampleArguments(undefined)).toEqual({})
    expect(sampleArguments({ anyOf: [{ type: 'object', properties: { q: { const: 'x' } } }] })).toEqual({ q: 'x' })
  })

  it('breaks arguments: a list when there is nothing to drop; as they are when they already lack a required property', () => {
    expect(breakArguments({}, undefined)).toEqual([])
    expect(breakArguments({ unit: 'celsius' }, WEATHER)).toEqual({ unit: 'celsius' })
    expect(breakArguments('text', WEATHER)).toEqual([])
    expect(breakArguments({ days: 2 }, { properties: { days: { type: ['integer', 'null'] } } })).toEqual({ days: 'tokensim' })
  })
})
