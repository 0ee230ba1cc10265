/** withHeaderKnobs and asHeaderError: GET /stream's knob headers merged under its query, and errors blamed on them. */
import { describe, expect, it } from 'vitest'
import { TokensimError } from '../../src/core/errors.js'
import { KNOB_HEADERS } from '../../src/core/knobs.js'
import { asHeaderError, withHeaderKnobs } from '../../src/app/params.js'

const reader = (headers: Record<string, string>) => (name: string) => headers[name]

describe('withHeaderKnobs', () => {
  it('gives the query itself back when no knob header is sent', () => {
    const query = { text: 'hi' }
    const merged = withHeaderKnobs(query, reader({ 'x-other': '1' }), KNOB_HEADERS)
    expect(merged.query).toBe(query)
    expect(merged.headers).toEqual({})
  })

  it.each([
    [{ text: 'hi' }, { 'x-tokensim-delay': '5' }, { text: 'hi', delay: '5' }, { 'x-tokensim-delay': 'delay' }],
    [{ delay: '1' }, { 'x-tokensim-delay': '5' }, { delay: '1' }, {}],
    [{ tps: '9' }, { 'x-tokensim-delay': '5' }, { tps: '9' }, {}],
    [{ delay: '1' }, { 'x-tokensim-tps': '5' }, { delay: '1' }, {}],
    [{ text: 'hi' }, { 'x-tokensim-reply': 'markdown' }, { text: 'hi' }, {}],
    [{ reply: 'code' }, { 'x-tokensim-reply': 'markdown' }, { reply: 'code' }, {}],
    [
      {},
      { 'x-tokensim-delay': '5', 'x-tokensim-tps': '5' },
      { delay: '5', tps: '5' },
      { 'x-tokensim-delay': 'delay', 'x-tokensim-tps': 'tps' },
    ],
    [
      { unit: 'word' },
      { 'x-tokensim-profile': 'slow', 'x-tokensim-unit': 'char' },
      { unit: 'word', profile: 'slow' },
      { 'x-tokensim-profile': 'profile' },
    ],
  ])('query %j with headers %j reads as %j, the headers %j', (query, headers, merged, from) => {
    const before = { ...query }
    const result = withHeaderKnobs(query, reader(headers), KNOB_HEADERS)
    expect(result.query).toEqual(merged)
    expect(result.headers).toEqual(from)
    expect(query).toEqual(before) // the caller's query is never written to
  })
})

describe('asHeaderError', () => {
  const fail = (error: unknown) => () => {
    throw error
  }

  it('renames an error on a parameter a header gave to that header, keeping its code and details', () => {
    const error = new TokensimError('invalid_param', 'delay must be a number', 'delay', { status: 400 })
    const thrown = (() => {
      try {
        return asHeaderError(fail(error), { 'x-tokensim-delay': 'delay' })
      } catch (e) {
        return e
      }
    })() as TokensimError
    expect(thrown).toBeInstanceOf(TokensimError)
    expect([thrown.code, thrown.param, thrown.message, thrown.details]).toEqual([
      'invalid_param',
      'x-tokensim-delay',
      'x-tokensim-delay: delay must be a number',
      { status: 400 },
    ])
  })

  it('rethrows any other error as it is, and returns what read returns', () => {
    const query = new TokensimError('invalid_param', 'unit must be one of', 'unit')
    expect(() => asHeaderError(fail(query), { 'x-tokensim-delay': 'delay' })).toThrow(query)
    const bug = new TypeError('boom')
    expect(() => asHeaderError(fail(bug), KNOB_HEADERS)).toThrow(bug)
    const none = new TokensimError('internal', 'x', null)
    expect(() => asHeaderError(fail(none), KNOB_HEADERS)).toThrow(none)
    expect(asHeaderError(() => 42, KNOB_HEADERS)).toBe(42)
  })
})
