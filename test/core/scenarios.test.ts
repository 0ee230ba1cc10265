/** Conversations read as state, rules that answer a step, sequences counted from the conversation, and templates. */
import { describe, expect, it } from 'vitest'
import {
  defaultToolAnswer,
  earlierStates,
  normalize,
  readConversation,
  type Conversation,
  type Message,
} from '../../src/core/conversation.js'
import { choose, type Scenario } from '../../src/core/scenarios.js'
import { checkTemplate, renderArguments, renderTemplate } from '../../src/core/template.js'

const user = (text: string): Message => ({ role: 'user', text })
const calls = (...names: string[]): Message => ({
  role: 'assistant',
  text: '',
  toolCalls: names.map((name, i) => ({ id: `c${i}-${name}`, name, arguments: JSON.stringify({ city: 'Paris' }) })),
})
const result = (name: string, content: string, isError = false): Message => ({
  role: 'tool',
  results: [{ id: `c0-${name}`, name: '', content, isError }],
})
const said = (text: string): Message => ({ role: 'assistant', text, toolCalls: [] })
const talk = (messages: Message[], extra: Partial<Conversation> = {}): Conversation => ({
  model: 'gpt-4o',
  messages: normalize(messages),
  tools: ['get_weather'],
  ...extra,
})
const rule = (name: string, match: Scenario['match'], ...texts: string[]): Scenario => ({
  name,
  match,
  answers: texts.map((text) => ({ text })),
})

describe('readConversation', () => {
  it('names results by their call and tells the step, the turn and the results of this step', () => {
    const state = readConversation(
      talk([{ role: 'system', text: 'Be a pirate.' }, user('weather?'), calls('get_weather'), result('get_weather', '{"temp":21}')]),
    )
    expect(state).toMatchObject({ user: 'weather?', system: 'Be a pirate.', turn: 1, step: 'tool_results' })
    expect(state.results).toEqual([{ id: 'c0-get_weather', name: 'get_weather', content: '{"temp":21}', isError: false }])
  })

  it('is a user step again once the user speaks, with no results', () => {
    const state = readConversation(
      talk([user('weather?'), calls('get_weather'), result('get_weather', '1'), said('It is 1.'), user('thanks')]),
    )
    expect(state).toMatchObject({ user: 'thanks', turn: 2, step: 'user', results: [] })
    expect(state.allResults).toHaveLength(1)
  })

  it('merges one answer split over several items and results sent one message each', () => {
    const merged = normalize([
      user('q'),
      said('Looking.'),
      calls('a'),
      result('a', '1'),
      { role: 'tool', results: [{ id: 'x', name: 'b', content: '2', isError: false }] },
    ])
    expect(merged.map((m) => m.role)).toEqual(['user', 'assistant', 'tool'])
    expect(merged[2]).toMatchObject({ results: [{ name: 'a' }, { name: 'b' }] })
  })

  it('has one earlier state per earlier answer', () => {
    const states = earlierStates(talk([user('1'), said('a'), user('2'), calls('t'), result('t', 'r'), said('b'), user('3')]))
    expect(states.map((s) => [s.turn, s.step])).toEqual([
      [1, 'user'],
      [2, 'user'],
      [2, 'tool_results'],
    ])
  })
})

describe('choose', () => {
  const weather: Scenario = {
    name: 'weather',
    match: { contains: 'weather' },
    answers: [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }],
  }

  it('a rule for the question does not answer the results that come back for it', () => {
    expect(choose([weather], talk([user('weather?')]))?.scenario.name).toBe('weather')
    expect(choose([weather], talk([user('weather?'), calls('get_weather'), result('get_weather', '{}')]))).toBeUndefined()
  })

  it.each([
    [{ toolResult: 'get_weather' }, true],
    [{ toolResult: 'search' }, false],
    [{ resultContains: 'RAIN' }, true],
    [{ resultMatches: '"temp":\\d+' }, true],
    [{ resultError: true }, false],
    [{ after: 'any' as const, contains: 'weather' }, true],
    [{ after: 'user' as const }, false],
    [{ turn: 1, after: 'tool_results' as const }, true],
    [{ turn: 2, after: 'tool_results' as const }, false],
    [{ systemContains: 'pirate', after: 'any' as const }, true],
    [{ systemMatches: '^be a \\w+', after: 'any' as const }, true],
    [{ tools: ['get_weather'], after: 'any' as const }, true],
    [{ tools: ['get_weather', 'search'], after: 'any' as const }, false],
  ])('on a tool-results step, %j fits: %s', (match, fits) => {
    const conversation = talk([
      { role: 'system', text: 'Be a pirate.' },
      user('weather?'),
      calls('get_weather'),
      result('get_weather', '{"temp":21,"sky":"rain"}'),
    ])
    expect(choose([rule('r', match, 'x')], conversation) !== undefined).toBe(fits)
  })

  it('gives the Nth answer the Nth time a rule wins in a conversation, the last repeating', () => {
    const rules = [rule('weather', { contains: 'weather' }, 'first', 'second'), rule('any', {}, 'other')]
    const c1 = [user('weather?')]
    expect(choose(rules, talk(c1))).toMatchObject({ time: 1, answer: { text: 'first' } })
    const c2 = [...c1, said('first'), user('hello'), said('other'), user('weather again?')]
    expect(choose(rules, talk(c2))).toMatchObject({ time: 2, answer: { text: 'second' } })
    const c3 = [...c2, said('second'), user('and the weather now?')]
    expect(choose(rules, talk(c3))).toMatchObject({ time: 3, answer: { text: 'second' } })
  })
})

describe('templates', () => {
  const state = readConversation(
    talk([user('weather in Paris?'), calls('get_weather'), result('get_weather', '{"temp":21,"days":[{"sky":"sun"}]}')]),
  )

  it.each([
    ['{{user}}', 'weather in Paris?'],
    ['It is {{result.get_weather.temp}} °C in {{ args.get_weather.city }}.', 'It is 21 °C in Paris.'],
    ['{{result.get_weather.days.0.sky}}', 'sun'],
    ['{{result.get_weather.days}}', '[{"sky":"sun"}]'],
    ['{{args.get_weather}}', '{"city":"Paris"}'],
    ['turn {{turn}} of {{model}}', 'turn 1 of gpt-4o'],
    ['{{result.get_weather.wind}}', '{{result.get_weather.wind}}'],
  ])('%s -> %s', (template, text) => {
    expect(renderTemplate(template, state)).toBe(text)
  })

  it('renders the strings inside tool-call arguments', () => {
    expect(renderArguments({ q: '{{user}}', n: 2, deep: ['{{turn}}'] }, state)).toEqual({ q: 'weather in Paris?', n: 2, deep: ['1'] })
  })

  it.each([
    ['{{who}}', [], /names nothing a conversation holds/],
    ['{{result.get_weather.temp}}', [], /does not match `tool_result: get_weather`/],
    ['{{args.}}', ['x'], /needs a tool name/],
    ['{{result.get_weather.temp}} {{user}}', ['get_weather'], null],
  ])('checks %s against a rule sure of results of %j', (template, tools, problem) => {
    const problems = checkTemplate(template, tools)
    if (problem === null) expect(problems).toEqual([])
    else expect(problems[0]).toMatch(problem)
  })
})

describe('defaultToolAnswer', () => {
  it('reports every result, failures as such', () => {
    expect(
      defaultToolAnswer([
        { id: '1', name: 'get_weather', content: '{"temp":21}', isError: false },
        { id: '2', name: 'search', content: 'timeout', isError: true },
      ]),
    ).toBe('get_weather returned: {"temp":21}\nsearch failed: timeout')
  })
})
