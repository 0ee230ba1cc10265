/**
 * GET /v1/models: the model ids tokensim offers, one per latency profile (`tokensim-fast`, ...), in the OpenAI
 * list shape, which the Anthropic SDK's models.list() also reads (`data`, `has_more`, `first_id`, `last_id`).
 * Any other model id is accepted too and gets the server's default latency. The user's profiles (`--profiles`)
 * are models too.
 */
import type { Hono } from 'hono'
import { MODEL_PREFIX, type ProfileSet } from '../../core/profiles.js'
import type { AppContext } from '../context.js'
import { memoized } from '../memo.js'

/** A fixed creation time: these models never change. */
const CREATED = 1_735_689_600 // 2025-01-01T00:00:00Z

export function modelsRoute(app: Hono, context: AppContext): void {
  // Per profile set (a reload makes a new one).
  const listing = memoized(listModels)
  app.get('/v1/models', (c) => c.json(listing(context.profiles)))
}

function listModels(profiles: ProfileSet) {
  const data = profiles.list.map((profile) => ({
    id: `${MODEL_PREFIX}${profile.name}`,
    object: 'model',
    created: CREATED,
    owned_by: 'tokensim',
    type: 'model',
    display_name: `tokensim ${profile.name}`,
    created_at: new Date(CREATED * 1000).toISOString(),
    description: profile.description,
  }))
  return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
}
