/** parseFaults and planFaults: the one fault vocabulary, its errors, and which faults a resumed stream has already met. */
import { describe, expect, it } from 'vitest'
import { TokensimError } from '../../src/core/errors.js'
import { parseFaults, planFaults } from '../../src/core/faults.js'

describe('parseFaults', () => {
  it('reads every fault, with spaces and empty items ignored', () => {
    expect(parseFaults(' status:429:2, error-after:3,drop-after:0 ,stall-after:5:1500,slow-headers:200,truncate-after:9,', 'f')).toEqual([
      { kind: 'status', status: 429, retryAfter: 2 },
      { kind: 'error-after', after: 3 },
      { kind: 'drop-after', after: 0 },
      { kind: 'stall-after', after: 5, ms: 1500 },
      { kind: 'slow-headers', ms: 200 },
      { kind: 'truncate-after', after: 9 },
    ])
    expect(parseFaults('status:503', 'f')).toEqual([{ kind: 'status', status: 503 }])
    expect(parseFaults('coalesce:250', 'f')).toEqual([{ kind: 'coalesce', ms: 250 }])
    expect(planFaults(parseFaults('coalesce:250,coalesce:9', 'f'))).toMatchObject({ coalesce: 250 })
    expect(parseFaults('', 'f')).toEqual([])
  })

  it('reads split with its default of 4 pieces, or at most N, and keeps the first', () => {
    expect(parseFaults('split,split:2,split:16', 'f')).toEqual([
      { kind: 'split', pieces: 4 },
      { kind: 'split', pieces: 2 },
      { kind: 'split', pieces: 16 },
    ])
    expect(planFaults(parseFaults('split:9,split,error-after:3', 'f'))).toEqual({
      headersDelay: 0,
      stalls: [],
      split: 9,
      cut: { after: 3, how: 'error' },
    })
    // Not spent by a resume: every frame of every connection is split.
    expect(planFaults(parseFaults('split', 'f'), 40)).toMatchObject({ split: 4 })
  })

  it.each([
    ['status', /takes a status code/],
    ['status:200', /an HTTP status from 400 to 599/],
    ['status:429:-1', /retry-after/],
    ['error-after', /takes 1 value/],
    ['error-after:x', /a number of units/],
    ['stall-after:3', /takes 2 values/],
    ['stall-after:3:9999999', /ms from 0 to 600000/],
    ['slow-headers:1:2', /takes 1 value/],
    ['explode:1', /is not a fault/],
    ['split:1', /a number of pieces from 2 to 16/],
    ['split:17', /a number of pieces from 2 to 16/],
    ['split:', /a number of pieces from 2 to 16/],
    ['split:4:2', /takes at most 1 value/],
    ['refusal:1', /takes no value/],
    ['bad-jsons', /is not a fault/],
  ])('refuses %j, naming the parameter and the vocabulary', (spec, pattern) => {
    let error: unknown
    try {
      parseFaults(spec, 'x-tokensim-fault')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TokensimError)
    expect(error).toMatchObject({ code: 'invalid_param', param: 'x-tokensim-fault' })
    expect((error as Error).message).toMatch(pattern)
    expect((error as Error).message).toMatch(/^x-tokensim-fault: .*a fault is status:CODE.*split\[:N\] or one of bad-json.*reasoning-only$/)
  })
})

describe('misbehaving models', () => {
  it('reads each misbehaviour by its name, and plans each once, in the order asked', () => {
    const names = 'bad-json,bad-args,unknown-tool,dup-call-id,cut-in-tool,refusal,content-filter,empty,reasoning-only'
    const faults = parseFaults(names, 'f')
    expect(faults.map((f) => (f.kind === 'misbehave' ? f.misbehaviour : f.kind))).toEqual(names.split(','))
    expect(planFaults(parseFaults('refusal, bad-json,refusal,stall-after:2:5', 'f'))).toEqual({
      headersDelay: 0,
      stalls: [{ after: 2, ms: 5 }],
      misbehave: ['refusal', 'bad-json'],
    })
    // Not spent by a resume: the vendor routes, which have them, are never resumed.
    expect(planFaults(parseFaults('empty', 'f'), 40)).toMatchObject({ misbehave: ['empty'] })
    expect(planFaults(parseFaults('status:500', 'f'))).not.toHaveProperty('misbehave')
  })
})

describe('planFaults', () => {
  it('keeps the first status, adds header delays, sorts stalls and keeps the earliest cut', () => {
    const faults = parseFaults(
      'stall-after:9:10,status:500,truncate-after:7,slow-headers:5,error-after:4,status:429,stall-after:2:20,drop-after:6,slow-headers:5',
      'f',
    )
    expect(planFaults(faults)).toEqual({
      status: { status: 500 },
      headersDelay: 10,
      stalls: [
        { after: 2, ms: 20 },
        { after: 9, ms: 10 },
      ],
      cut: { after: 4, how: 'error' },
    })
  })

  it('spends a fault at or before the last unit a resumed client has, so its reconnect gets the rest', () => {
    const faults = parseFaults('drop-after:5,stall-after:5:100,stall-after:8:100,error-after:9', 'f')
    expect(planFaults(faults, 4)).toMatchObject({ cut: { after: 5, how: 'drop' }, stalls: [{ after: 5 }, { after: 8 }] })
    expect(planFaults(faults, 5)).toMatchObject({ cut: { after: 9, how: 'error' }, stalls: [{ after: 8 }] })
    expect(planFaults(faults, 9)).toEqual({ headersDelay: 0, stalls: [] })
    expect(planFaults(parseFaults('drop-after:0', 'f'))).toMatchObject({ cut: { after: 0, how: 'drop' } })
  })
})
