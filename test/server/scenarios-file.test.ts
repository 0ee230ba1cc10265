/** loadScenariosFile on real files: the accepted shapes, and one ScenariosFileError naming the file and the rule for each problem. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadScenariosFile, ScenariosFileError } from '../../src/node/scenarios-file.js'
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
        answers: [
          {
            text: 'Checking.',
            reasoning: 'Think first.',
            toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
            profile: 'slow',
          },
        ],
      },
      { name: '#2', match: { matches: '^hi\\b' }, answers: [{ reply: 'echo' }] },
      { name: '#3', match: {}, answers: [{ reply: 'greeting' }] },
    ])
  })

  it('reads the list under "scenarios:" in JSON', () => {
    const file = write('s.json', JSON.stringify({ scenarios: [{ match: { model: 'x' }, text: 'y', fault: 'stall-after:3:500' }] }))
    expect(loadScenariosFile(file)).toEqual([{ name: '#1', match: { model: 'x' }, answers: [{ text: 'y', fault: 'stall-after:3:500' }] }])
  })

  it('reads the conditions on a conversation, a list of answers and templates', () => {
    const file = write(
      'agent.yaml',
      [
        '- name: report',
        '  match: { tool_result: get_weather, result_contains: temp, result_error: false, turn: 1, tools: [get_weather] }',
        '  text: It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.',
        '- match: { after: any, system_contains: pirate, system_matches: "^be", result_matches: "x+" }',
        '  answers:',
        '    - text: Arr, {{user}}',
        '    - tool_calls: [{ name: search, arguments: { q: "{{user}}" } }]',
      ].join('\n'),
    )
    expect(loadScenariosFile(file, { replies: ['greeting'] })).toEqual([
      {
        name: 'report',
        match: { toolResult: 'get_weather', resultContains: 'temp', resultError: false, turn: 1, tools: ['get_weather'] },
        answers: [{ text: 'It is {{result.get_weather.temp}} °C in {{args.get_weather.city}}.' }],
      },
      {
        name: '#2',
        match: { after: 'any', systemContains: 'pirate', systemMatches: '^be', resultMatches: 'x+' },
        answers: [{ text: 'Arr, {{user}}' }, { toolCalls: [{ name: 'search', arguments: { q: '{{user}}' } }] }],
      },
    ])
  })

  it.each([
    ['missing.json', null, /cannot read it \(ENOENT\)/],
    ['bad.json', '[{', /not valid JSON/],
    ['bad.yaml', 'a: [', /not valid YAML/],
    ['shape.json', '{"rules": []}', /expected a list of rules/],
    ['empty.json', '[]', /holds no scenarios/],
    [
      'regex.json',
      '[{"name": "hi", "match": {"matches": "("}, "text": "x"}]',
      /regex\.json: rule "hi" \(#1\): match\.matches: not a valid regular expression/,
    ],
    // Rules run on RE2 (linear time): what only a backtracking engine runs is refused at load, naming the rule.
    [
      'backref.json',
      '[{"name": "twice", "match": {"matches": "(\\\\w+) \\\\1"}, "text": "x"}]',
      /backref\.json: rule "twice" \(#1\): match\.matches: "\(\\\\w\+\) \\\\1": a backreference \(\\1\); rules' regular expressions run on a linear-time engine \(RE2\), which has no backreferences or lookarounds/,
    ],
    [
      'named-backref.json',
      '[{"match": {"matches": "(?<w>a)\\\\k<w>"}, "text": "x"}]',
      /rule #1: match\.matches: .*a backreference \(\\k<…>\)/,
    ],
    [
      'lookahead.json',
      '[{"match": {"tool_result": "t", "result_matches": "a(?=b)"}, "text": "x"}]',
      /rule #1: match\.result_matches: .*a lookahead \(\(\?=\)/,
    ],
    [
      'lookbehind.json',
      '[{"match": {"system_matches": "(?<!a)b"}, "text": "x"}]',
      /rule #1: match\.system_matches: .*a lookbehind \(\(\?<!\)/,
    ],
    [
      'profile.json',
      '[{"text": "x"}, {"profile": "warp", "text": "x"}]',
      /profile\.json: rule #2: profile: not a profile; the profiles are: instant/,
    ],
    ['both.json', '[{"reply": "greeting", "text": "x"}]', /rule #1: give reply or text, not both/],
    ['unknown.json', '{"scenarios": [{"text": "x", "colour": "red"}]}', /rule #1: .*colour/],
    ['top.json', '{"scenarios": [{"text": "x"}], "rules": []}', /expected a list of rules/],
    ['fault.json', '[{"text": "x", "fault": "explode:1"}]', /rule #1: fault: "explode:1" is not a fault/],
    ['tool.json', '[{"tool_calls": [{"name": "bad name"}]}]', /rule #1: tool_calls\.0\.name: a tool name/],
    [
      'after.json',
      '[{"match": {"after": "user", "tool_result": "t"}, "text": "x"}]',
      /rule #1: match: a condition on a tool result cannot hold after the user/,
    ],
    ['turn.json', '[{"match": {"turn": 0}, "text": "x"}]', /rule #1: match\.turn: must be at least 1/],
    ['mixed.json', '[{"text": "x", "answers": [{"text": "y"}]}]', /rule #1: give the answer's fields .* or a list of answers, not both/],
    ['noanswers.json', '[{"answers": []}]', /rule #1: answers: /],
    [
      'template.json',
      '[{"name": "w", "text": "{{result.get_weather.temp}}"}]',
      /rule "w" \(#1\): text: .*does not match `tool_result: get_weather`/,
    ],
    [
      'template2.json',
      '[{"answers": [{"text": "x"}, {"tool_calls": [{"name": "s", "arguments": {"q": "{{nope}}"}}]}]}]',
      /rule #1: answers\.1\.tool_calls\.0\.arguments: \{\{nope\}\} names nothing/,
    ],
  ])('%s is refused', (name, content, pattern) => {
    const file = content === null ? join(root, 'does-not-exist.json') : write(name, content)
    expect(failure(file)).toMatch(pattern)
  })

  it('refuses a reply the server does not have, naming the file and the rule', () => {
    const file = write('reply.yaml', '- name: greet\n  answers: [{ reply: greeting }, { reply: nope }]\n')
    expect(() => loadScenariosFile(file, { replies: ['greeting'] })).toThrow(
      /reply\.yaml: rule "greet" \(#1\): answers\.1\.reply: no reply named "nope"; the replies are: echo, greeting/,
    )
  })
})
