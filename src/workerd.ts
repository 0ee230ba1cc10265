/**
 * tokensim on a Workers runtime (workerd, Cloudflare Workers): the same Hono app, with streams delivered as web
 * streams. The page is not served here (it needs files); every API endpoint is. Build with
 * `npm run build:worker` (esbuild, one ES module) and deploy the output as a module Worker.
 *
 * Settings come from the Worker's environment (vars and secrets), read on the first request, as a Worker has
 * no command line: `TOKENSIM_API_KEY` (as --api-key; set it as a secret) and `TOKENSIM_CORS` (as --cors).
 */
import type { Hono } from 'hono'
import { createApp } from './app/app.js'
import { parseOrigins } from './app/origins.js'

export interface WorkerEnv {
  readonly TOKENSIM_API_KEY?: string
  readonly TOKENSIM_CORS?: string
}

let app: Hono | undefined

export default {
  fetch(request: Request, env: WorkerEnv = {}, context?: unknown): Response | Promise<Response> {
    app ??= createApp({
      apiKey: env.TOKENSIM_API_KEY || undefined,
      corsOrigins: env.TOKENSIM_CORS === undefined ? '*' : parseOrigins(env.TOKENSIM_CORS),
    })
    return app.fetch(request, env, context as never)
  },
}
