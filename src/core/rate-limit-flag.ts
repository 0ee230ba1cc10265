/**
 * The `--rate-limit` flag read into a RateLimitConfig (src/core/rate-limit.ts has the buckets): apart from them,
 * as the buckets are what errors.ts describes a refusal with, and this is what throws one of its errors.
 */
import { TokensimError } from './errors.js'
import { MAX_LIMIT, MAX_WINDOW_MS, MIN_WINDOW_MS, MINUTE_MS, type RateLimitConfig } from './rate-limit.js'

/**
 * `--rate-limit rpm=N,tpm=N,window=D`: either limit or both, and the window (`60s`, `1m`, `500ms`; default a
 * minute). Throws a TokensimError naming the part at fault.
 */
export function parseRateLimit(spec: string): RateLimitConfig {
  const seen = new Map<string, string>()
  for (const part of spec.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*(\S*)\s*$/.exec(part)
    if (match === null) throw bad(`${JSON.stringify(part)} is not NAME=VALUE (e.g. rpm=60,tpm=40000)`)
    const [, name, value] = match as unknown as [string, string, string]
    if (!['rpm', 'tpm', 'window'].includes(name)) throw bad(`unknown limit ${JSON.stringify(name)}: the names are rpm, tpm and window`)
    if (seen.has(name)) throw bad(`${name} is given twice`)
    seen.set(name, value)
  }
  const count = (name: string): number | undefined => {
    const value = seen.get(name)
    if (value === undefined) return undefined
    const n = /^\d+$/.test(value) ? Number(value) : NaN
    if (!(n >= 1 && n <= MAX_LIMIT)) throw bad(`${name} must be a whole number from 1 to ${MAX_LIMIT}; got ${JSON.stringify(value)}`)
    return n
  }
  const rpm = count('rpm')
  const tpm = count('tpm')
  if (rpm === undefined && tpm === undefined) throw bad('give rpm=N, tpm=N or both (e.g. rpm=60,tpm=40000)')
  const window = seen.get('window')
  const windowMs = window === undefined ? MINUTE_MS : durationMs(window)
  return { ...(rpm === undefined ? {} : { rpm }), ...(tpm === undefined ? {} : { tpm }), windowMs }
}

function durationMs(value: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(value)
  const ms = match === null ? NaN : Number(match[1]) * { ms: 1, s: 1000, m: MINUTE_MS }[match[2] as 'ms' | 's' | 'm']
  if (!(ms >= MIN_WINDOW_MS && ms <= MAX_WINDOW_MS))
    throw bad(`window must be a duration from ${MIN_WINDOW_MS}ms to 60m, such as 60s, 1m or 500ms; got ${JSON.stringify(value)}`)
  return ms
}

const bad = (message: string): TokensimError => new TokensimError('invalid_param', message, 'rate-limit')
