/** The scenario rules every vendor SDK test serves: a tool call for "weather", a reasoning phase for "think". */
import type { Scenario } from '../../src/core/scenarios.js'

export const REASONING = 'The user wants me to think. I will.'

export const TEST_SCENARIOS: readonly Scenario[] = [
  {
    name: 'weather',
    match: { contains: 'weather' },
    answers: [{ text: 'Let me look that up.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }] }],
  },
  { name: 'think', match: { contains: 'think' }, answers: [{ reasoning: REASONING, text: 'Done thinking.' }] },
]

/** One bad value for each kind of knob header: each must be a 400 that names its header, in the route's shape. */
export const BAD_KNOBS: readonly (readonly [string, string])[] = [
  ['x-tokensim-delay', '-1'],
  ['x-tokensim-unit', 'byte'],
  ['x-tokensim-reply', 'nope'],
  ['x-tokensim-profile', 'warp'],
]
