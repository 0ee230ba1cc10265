/** The scenario rules every vendor SDK test serves: a tool call for "weather", a reasoning phase for "think". */
import type { Scenario } from '../../src/core/scenarios.js'

export const REASONING = 'The user wants me to think. I will.'

export const TEST_SCENARIOS: readonly Scenario[] = [
  {
    name: 'weather',
    match: { contains: 'weather' },
    text: 'Let me look that up.',
    toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }],
  },
  { name: 'think', match: { contains: 'think' }, reasoning: REASONING, text: 'Done thinking.' },
]
