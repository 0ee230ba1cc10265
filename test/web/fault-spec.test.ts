/**
 * The page's fault list (web/fault-spec.js) in Node, built from the real server's grammar (GET /faults): the
 * toggles it offers, the lists they make (each one the server's parser takes as the fault it names), and the
 * toggles a list in the page URL turns back on. test/e2e/page-faults.test.ts checks the toggles in a browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseFaults } from '../../src/core/faults.js'
import { FAULT_WORDS, faultKinds, faultSpec, parseFaultSpec, type FaultState, type ListedFault } from '../../web/fault-spec.js'
import { FAULT_SPEC_CASES } from '../helpers/fault-cases.js'
import { startServer, type RunningServer } from '../helpers/server.js'

let server: RunningServer
let listed: ListedFault[]

beforeAll(async () => {
  server = await startServer()
  listed = ((await (await fetch(`${server.url}/faults`)).json()) as { faults: ListedFault[] }).faults
})

afterAll(async () => {
  await server?.close()
})

/** The toggles on, with their fields. */
const on = (faults: Record<string, Record<string, string>>): FaultState =>
  Object.fromEntries(Object.entries(faults).map(([id, values]) => [id, { on: true, values }]))

describe("the page's fault list", () => {
  it("offers a toggle for each fault it has words for that the server lists for every route, in the page's order", () => {
    const kinds = faultKinds(listed)
    expect(kinds.map((k) => k.id)).toEqual(FAULT_WORDS.map(([id]) => id))
    for (const kind of kinds) {
      const fault = listed.find((f) => f.name === kind.id)!
      expect(fault.vendorOnly).toBe(false)
      expect(kind.note).toBe(fault.description)
      expect(kind.args.map((a) => [a.key, a.min, a.max, a.optional])).toEqual(fault.args.map((a) => [a.name, a.min, a.max, a.optional]))
    }
    // a fault the server does not list gets no toggle; a value the page has no words for shows by its label
    const other = listed
      .filter((f) => f.name !== 'coalesce')
      .map((f) => (f.name === 'drop-after' ? { ...f, args: [...f.args, { name: 'z', label: 'Z', min: 2, max: 3, optional: true }] } : f))
    const changed = faultKinds(other)
    expect(changed.some((k) => k.id === 'coalesce')).toBe(false)
    expect(changed.find((k) => k.id === 'drop-after')?.args.at(-1)).toEqual({
      key: 'z',
      before: 'Z',
      after: '',
      value: '2',
      min: 2,
      max: 3,
      optional: true,
    })
  })

  it('makes the lists the toggles made before, each one the server takes as the faults it names', () => {
    const kinds = faultKinds(listed)
    const cases: ReadonlyArray<readonly [Record<string, Record<string, string>>, string]> = [
      [{}, ''],
      [{ status: { code: ' 429 ', retry: ' 2 ' } }, 'status:429:2'],
      ...FAULT_SPEC_CASES,
    ]
    for (const [faults, spec] of cases) {
      expect(faultSpec(kinds, on(faults)), spec).toBe(spec)
      expect(parseFaults(spec, 'fault'), spec).toHaveLength(Object.keys(faults).length)
    }
    // a toggle off is left out; a required value left empty goes as typed, for the server to refuse
    expect(faultSpec(kinds, { ...on({ 'error-after': { n: '5' } }), status: { on: false, values: { code: '500' } } })).toBe('error-after:5')
    expect(faultSpec(kinds, on({ 'error-after': { n: '' } }))).toBe('error-after:')
    expect(() => parseFaults('error-after:', 'fault')).toThrow(/needs a number of units/)
  })

  it('turns the toggles of a list back on, ignoring the faults it has none for', () => {
    const kinds = faultKinds(listed)
    const state = parseFaultSpec(kinds, 'error-after:40, status:503 ,split:3,refusal,nonsense')
    expect(state).toEqual({
      'error-after': { on: true, values: { n: '40' } },
      status: { on: true, values: { code: '503', retry: '' } },
    })
    const spec = 'status:429:1,error-after:5,stall-after:1:20,coalesce:30'
    expect(faultSpec(kinds, parseFaultSpec(kinds, spec))).toBe(spec)
    expect(parseFaultSpec(kinds, '')).toEqual({})
  })
})
