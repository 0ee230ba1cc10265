/**
 * GET /stream's query, read strictly: every name and value must be percent-encoded UTF-8, and each parameter
 * may be given once. Hono's own reader keeps an undecodable value as its literal escapes (so `text=%FF` would
 * stream `%FF`) and the first of two values (so `delay=0&delay=5000` would silently ignore the second); both are
 * the client's mistake, and a 400 naming the parameter says so.
 */
import { TokensimError } from '../core/errors.js'

export function readQuery(url: string): Record<string, string> {
  const start = url.indexOf('?')
  const query: Record<string, string> = {}
  if (start === -1) return query
  const end = url.indexOf('#', start)
  const search = url.slice(start + 1, end === -1 ? undefined : end)
  if (search === '') return query
  for (const pair of search.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const rawName = equals === -1 ? pair : pair.slice(0, equals)
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1)
    const name = decode(rawName, rawName)
    const value = decode(rawValue, name)
    if (Object.hasOwn(query, name)) throw new TokensimError('invalid_param', `${name} is given more than once; give it once`, name)
    query[name] = value
  }
  return query
}

/** A form-encoded component (`+` is a space), or a 400 naming `param` if it is not percent-encoded UTF-8. */
function decode(raw: string, param: string): string {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    const shown = raw.length > 64 ? `${raw.slice(0, 64)}…` : raw
    throw new TokensimError(
      'invalid_param',
      `${param} is not percent-encoded UTF-8 (got ${JSON.stringify(shown)}); encode it as encodeURIComponent does`,
      param,
    )
  }
}
