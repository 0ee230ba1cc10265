/**
 * tokensim on a Workers runtime (workerd, Cloudflare Workers): the same Hono app, with streams delivered as web
 * streams. The page is not served here (it needs files); every API endpoint is. Build with
 * `npm run build:worker` (esbuild, one ES module) and deploy the output as a module Worker.
 */
import { createApp } from './server/app.js'

const app = createApp()

export default { fetch: app.fetch }
