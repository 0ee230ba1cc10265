/**
 * Reads a vendor route's JSON body against its schema. A body that is not JSON, or does not fit, is a
 * TokensimError naming the field at fault (`messages.0.content`), which each vendor route renders in its own
 * error shape; never a 500.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { TokensimError } from '../core/errors.js'

export async function readBody<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.output<Schema>> {
  let data: unknown
  try {
    data = JSON.parse(await c.req.text())
  } catch (error) {
    throw new TokensimError('invalid_param', `The request body is not valid JSON (${(error as Error).message}); send a JSON object.`, null)
  }
  const result = schema.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = issue?.path.map(String).join('.') ?? ''
    const where = path === '' ? 'The request body' : path
    throw new TokensimError('invalid_param', `${where}: ${issue?.message ?? 'does not fit the request schema'}`, path === '' ? null : path)
  }
  return result.data
}
