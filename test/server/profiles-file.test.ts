/** loadProfilesFile on real files: the accepted shapes, and one ProfilesFileError naming the file, the profile and the problem. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadProfilesFile, ProfilesFileError } from '../../src/node/profiles-file.js'
import { loadScenariosFile, ScenariosFileError } from '../../src/node/scenarios-file.js'
import { loadFailure, tempFiles } from '../helpers/data-files.js'

const { root, write } = tempFiles('tokensim-profiles-')
const failure = (file: string): string => loadFailure(loadProfilesFile, file, ProfilesFileError)

describe('loadProfilesFile', () => {
  it('reads a YAML list under profiles: with every field, filling in p99 and the description', () => {
    const file = write(
      'p.yaml',
      [
        'profiles:',
        '  - name: satellite',
        '    description: a far-away link',
        '    ttft: { median: 900, p99: 4000, max: 8000 }',
        '    gap: { median: 40, p99: 200 }',
        '    stall: { chance: 0.05, median: 1500, p99: 6000 }',
        '    burst: 0.1',
        '  - name: metronome',
        '    ttft: { median: 100 }',
        '    gap: { median: 10 }',
      ].join('\n'),
    )
    expect(loadProfilesFile(file)).toEqual([
      {
        name: 'satellite',
        description: 'a far-away link',
        ttft: { median: 900, p99: 4000, max: 8000 },
        gap: { median: 40, p99: 200 },
        stall: { chance: 0.05, median: 1500, p99: 6000 },
        burst: 0.1,
      },
      {
        name: 'metronome',
        description: `from ${file.split(/[\\/]/).at(-1)}`,
        ttft: { median: 100, p99: 100 },
        gap: { median: 10, p99: 10 },
      },
    ])
  })

  it('reads a JSON list', () => {
    const file = write('p.json', '[{"name": "fast", "ttft": {"median": 50, "p99": 90}, "gap": {"median": 0}}]')
    expect(loadProfilesFile(file)).toMatchObject([{ name: 'fast', ttft: { median: 50, p99: 90 }, gap: { median: 0, p99: 0 } }])
  })

  it('reads the headers and first-byte moments, with their p99 filled in', () => {
    const file = write(
      'm.json',
      '[{"name": "demo", "headers": {"median": 20}, "firstByte": {"median": 50, "p99": 80}, "ttft": {"median": 900}, "gap": {"median": 5}}]',
    )
    expect(loadProfilesFile(file)).toMatchObject([{ name: 'demo', headers: { median: 20, p99: 20 }, firstByte: { median: 50, p99: 80 } }])
    expect(failure(write('m2.json', '[{"name": "x", "headers": {"median": -3}, "ttft": {"median": 1}, "gap": {"median": 1}}]'))).toMatch(
      /at headers\.median/,
    )
  })

  const ok = '"ttft": {"median": 100, "p99": 300}, "gap": {"median": 10, "p99": 30}'
  it.each([
    ['broken.json', '[{"name": ', /: not valid JSON/],
    ['shape.json', '{"name": "x"}', /: not a profiles file: expected a list of profiles/],
    ['empty.json', '[]', /: the file holds no profiles/],
    ['noname.json', `[{${ok}}]`, /: profile #1: at name: /],
    ['badname.json', `[{"name": "-x", ${ok}}]`, /: profile "-x": at name: a profile name is 1 to 100 letters/],
    ['field.json', `[{"name": "x", ${ok}, "speed": 3}]`, /: profile "x": .*"speed"/],
    ['noGap.json', '[{"name": "x", "ttft": {"median": 1}}]', /: profile "x": at gap: /],
    [
      'negative.json',
      '[{"name": "x", "ttft": {"median": -1}, "gap": {"median": 1}}]',
      /: profile "x": at ttft\.median: median must be from 0 to 60000 ms; got -1/,
    ],
    [
      'string.json',
      '[{"name": "x", "ttft": {"median": "1"}, "gap": {"median": 1}}]',
      /: profile "x": at ttft\.median: median must be a number of ms/,
    ],
    [
      'p99.json',
      '[{"name": "x", "ttft": {"median": 100, "p99": 50}, "gap": {"median": 1}}]',
      /: profile "x": at ttft\.p99: p99 must be at least the median/,
    ],
    [
      'zero.json',
      '[{"name": "x", "ttft": {"median": 0, "p99": 50}, "gap": {"median": 1}}]',
      /: profile "x": at ttft\.p99: with a median of 0/,
    ],
    [
      'max.json',
      '[{"name": "x", "ttft": {"median": 10, "p99": 50, "max": 40}, "gap": {"median": 1}}]',
      /: profile "x": at ttft\.max: max must be at least p99/,
    ],
    [
      'chance.json',
      `[{"name": "x", ${ok}, "stall": {"chance": 1, "median": 1}}]`,
      /: profile "x": at stall\.chance: chance must be less than 1/,
    ],
    [
      'burst.json',
      `[{"name": "x", ${ok}, "stall": {"chance": 0.5, "median": 1}, "burst": 0.6}]`,
      /: profile "x": at burst: burst and stall\.chance must add up to less than 1/,
    ],
    ['twice.json', `[{"name": "x", ${ok}}, {"name": "x", ${ok}}]`, /: profile "x": the file already has a profile of this name/],
  ])('%s is refused with one line', (name, content, pattern) => {
    expect(failure(write(name, content))).toMatch(pattern)
  })

  it('cannot read a missing file', () => {
    expect(failure(join(root, 'missing.yaml'))).toMatch(/cannot read it \(ENOENT\)/)
  })
})

describe('loadScenariosFile with the profiles of a server', () => {
  it('accepts a profile the server has, and refuses one it does not, listing them', () => {
    const file = write('s.yaml', '- text: x\n  profile: satellite\n')
    expect(loadScenariosFile(file, { profiles: ['fast', 'satellite'] })).toMatchObject([{ answers: [{ profile: 'satellite' }] }])
    expect(() => loadScenariosFile(file)).toThrow(ScenariosFileError)
    expect(() => loadScenariosFile(file)).toThrow(/the profiles are: instant, fast, typical, slow, reasoning, flaky/)
  })
})
