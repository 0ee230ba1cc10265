/**
 * Reads a vendor route's JSON body against its schema. A body that is not JSON, nests deeper than
 * MAX_JSON_DEPTH, or does not fit, is a TokensimError naming the field at fault (`messages.0.content`), which
 * each vendor route renders in its own error shape; never a 500.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { TokensimError } from '../core/errors.js'
import { MAX_JSON_DEPTH, nestsDeeperThan, yamlNestsDeeperThan } from '../core/json-depth.js'
import { LARGE_TEXT, nextTurn } from './slices.js'

export async function readBody<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.output<Schema>> {
  let data: unknown
  const text = await c.req.text()
  // A large body: a turn of the loop between the passes over it (src/app/slices.ts).
  const large = text.length > LARGE_TEXT
  if (large) await nextTurn()
  checkDepth(text, 'The request body')
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TokensimError('invalid_param', `The request body is not valid JSON (${(error as Error).message}); send a JSON object.`, null)
  }
  if (large) await nextTurn()
  const result = schema.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = issue?.path.map(String).join('.') ?? ''
    const where = path === '' ? 'The request body' : path
    throw new TokensimError('invalid_param', `${where}: ${issue?.message ?? 'does not fit the request schema'}`, path === '' ? null : path)
  }
  return result.data
}

/** Refuses JSON (or YAML) nested deeper than MAX_JSON_DEPTH before it is parsed (src/core/json-depth.ts says why). */
export function checkDepth(text: string, what: string, param: string | null = null, yaml = false): void {
  if (!(yaml ? yamlNestsDeeperThan : nestsDeeperThan)(text, MAX_JSON_DEPTH)) return
  throw new TokensimError(
    'invalid_param',
    `${what} nests more than ${MAX_JSON_DEPTH} levels deep (objects and arrays, or YAML's collections and indentation), tokensim's limit for a request body; send a flatter one.`,
    param,
  )
}
