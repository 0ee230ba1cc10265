/**
 * The API key (`--api-key`, env TOKENSIM_API_KEY): each route reads it where its vendor's clients send it, and
 * a request without it, or with another, is a 401 in the route's shape. Without a key, any key (or none) is
 * accepted, as tokensim always did.
 *
 * - OpenAI and the AI SDK route: `authorization: Bearer KEY` (https://platform.openai.com/docs/api-reference/authentication).
 * - Anthropic: `x-api-key: KEY` (https://docs.anthropic.com/en/api/overview#authentication), or Bearer, which
 *   the SDK sends for an `authToken`.
 * - Gemini: `x-goog-api-key: KEY`, what @google/genai sends, or `?key=KEY` (https://ai.google.dev/api#authentication).
 * - GET /stream: Bearer, or `?key=KEY`, since EventSource cannot send headers.
 * - Every other route (/replies, /profiles, /v1/models, /captures): any of these.
 */
import type { Context } from 'hono'
import { TokensimError } from '../core/errors.js'

/** Where a route's clients put the key. */
export type KeyScheme = 'bearer' | 'anthropic' | 'google' | 'stream' | 'any'

const HOW: Record<KeyScheme, string> = {
  bearer: 'an "authorization: Bearer KEY" header',
  anthropic: 'an "x-api-key: KEY" header',
  google: 'an "x-goog-api-key: KEY" header or a key=KEY query parameter',
  stream: 'an "authorization: Bearer KEY" header or a key=KEY query parameter',
  any: 'an "authorization: Bearer KEY", "x-api-key" or "x-goog-api-key" header, or a key=KEY query parameter',
}

/** The keys a request presents, where its scheme looks for them. */
export function presentedKeys(c: Context, scheme: KeyScheme): string[] {
  const keys: Array<string | undefined> = []
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1]
  if (scheme !== 'google') keys.push(bearer)
  if (scheme === 'anthropic' || scheme === 'any') keys.push(c.req.header('x-api-key'))
  if (scheme === 'google' || scheme === 'any') keys.push(c.req.header('x-goog-api-key'))
  if (scheme === 'google' || scheme === 'stream' || scheme === 'any') keys.push(c.req.query('key'))
  return keys.filter((key): key is string => key !== undefined && key !== '')
}

/** Checks requests against one key; `check` throws the 401 (as a TokensimError) for a request without it. */
export interface KeyCheck {
  check(c: Context, scheme: KeyScheme): Promise<void>
}

export function createKeyCheck(apiKey: string): KeyCheck {
  // Digests of equal length, compared without an early exit: the time taken says nothing about how much of
  // a guess was right (nor, through the digest, about the key's length).
  const expected = digest(apiKey)
  const matches = async (key: string): Promise<boolean> => {
    const [a, b] = await Promise.all([expected, digest(key)])
    let diff = 0
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
    return diff === 0
  }
  return {
    async check(c, scheme) {
      const keys = presentedKeys(c, scheme)
      let ok = false
      for (const key of keys) if (await matches(key)) ok = true
      if (ok) return
      const what = keys.length === 0 ? 'No API key was sent' : 'Incorrect API key provided'
      // The 401 each vendor answers: OpenAI invalid_api_key, Anthropic authentication_error, Google UNAUTHENTICATED.
      throw new TokensimError('invalid_api_key', `${what}. tokensim was started with --api-key; send the key in ${HOW[scheme]}.`)
    },
  }
}

const encoder = new TextEncoder()

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}
