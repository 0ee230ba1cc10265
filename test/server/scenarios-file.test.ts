/** loadScenariosFile on real files: the accepted shapes, and one ScenariosFileError naming the file and the rule for each problem. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadScenariosFile, ScenariosFileError } from '../../src/server/scenarios-file.js'
import { loadFailure, tempFiles } from '../helpers/data-files.js'

const { root, write } = tempFiles('tokensim-scenarios-')
const failure = (file: string): string => loadFailure(loadScenariosFile, file, ScenariosFileError)

describe('loadScenariosFile', () => {
  it('reads a YAML list with every field, naming unnamed rules by position', () => {
    const file = write(
      's.yaml',
      [
        '- name: weather',
        '  match: { contains: weather, model: gpt-4o }',
        '  text: Checking.',
        '  reasoning: Think first.',
        '  tool_calls:',
        '    - name: get_weather',
        '      arguments: { city: Paris }',
        '  profile: slow',
        '- match: { matches: "^hi\\\\b" }',
        '  reply: echo',
        '- reply: greeting',
      ].join('\n'),
    )
    expect(loadScenariosFile(file)).toEqual([
      {
        name: 'weather',
        match: { contains: 'weather', model: 'gpt-4o' },
        text: 'Checking.',
        reasoning: 'Think first.',
        toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
        profile: 'slow',
      },
      { name: '#2', match: { matches: '^hi\\b' }, reply: 'echo' },
      { name: '#3', match: {}, reply: 'greeting' },
    ])
  })

  it('reads the list under "scenarios:" in JSON', () => {
    const file = write('s.json', JSON.stringify({ scenarios: [{ match: { model: 'x' }, text: 'y', fault: 'stall-after:3:500' }] }))
    expect(loadScenariosFile(file)).toEqual([{ name: '#1', match: { model: 'x' }, text: 'y', fault: 'stall-after:3:500' }])
  })

  it.each([
    ['missing.json', null, /cannot read it \(ENOENT\)/],
    ['bad.json', '[{', /not valid JSON/],
    ['bad.yaml', 'a: [', /not valid YAML/],
    ['shape.json', '{"rules": []}', /expected a list of rules/],
    ['empty.json', '[]', /holds no scenarios/],
    ['regex.json', '[{"match": {"matches": "("}, "text": "x"}]', /at 0\.match\.matches: not a valid regular expression/],
    ['profile.json', '[{"profile": "warp", "text": "x"}]', /at 0\.profile: not a profile; the profiles are: instant/],
    ['both.json', '[{"reply": "greeting", "text": "x"}]', /give reply or text, not both/],
    ['unknown.json', '{"scenarios": [{"text": "x", "colour": "red"}]}', /at scenarios\.0: .*colour/],
    ['fault.json', '[{"text": "x", "fault": "explode:1"}]', /at 0\.fault: "explode:1" is not a fault/],
    ['tool.json', '[{"tool_calls": [{"name": "bad name"}]}]', /at 0\.tool_calls\.0\.name: a tool name/],
  ])('%s is refused', (name, content, pattern) => {
    const file = content === null ? join(root, 'does-not-exist.json') : write(name, content)
    expect(failure(file)).toMatch(pattern)
  })
})
