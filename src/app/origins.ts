/** The origins that may read the responses (`--cors`, or `TOKENSIM_CORS` on a Workers runtime), as given in text. */
import { TokensimError } from '../core/errors.js'

/**
 * `*`, or a comma-separated list of origins as a browser sends them in its Origin header: scheme, host and
 * port, no path. Throws a TokensimError naming the first one that is not an origin.
 */
export function parseOrigins(value: string): '*' | string[] {
  if (value.trim() === '*') return '*'
  const origins = value.split(',').map((origin) => origin.trim())
  for (const origin of origins) {
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {
      // not a URL: refused below
    }
    if (parsed === undefined || parsed.origin !== origin)
      throw new TokensimError(
        'invalid_param',
        `must be * or a comma-separated list of origins like http://localhost:5173 (no path, no trailing slash); got ${JSON.stringify(origin)}`,
        'cors',
      )
  }
  return origins
}
