/**
 * HEAD on every route: the head the GET would get, with no body and no stream (RFC 9110, section 9.3.2). Hono
 * routes a HEAD as a GET and sends the head of the Response it gets back without its body; two things are left
 * to tokensim: a stream must not be played at all, and a body's length is still worth telling.
 */
import type { MiddlewareHandler } from 'hono'
import type { Deliver } from './deliver.js'

/**
 * A stream's HEAD: the head only, after the same checks and waits as the GET (a held head, slow-headers), and
 * nothing played. Without it, a stream delivered straight to the socket (src/node/deliver-node.ts) would send
 * its body, which Hono never sees, and one in a web stream would play unread to its end; either way holding a
 * place under --max-streams. Inside the stream caps (a HEAD at a cap gets the GET's 503 or 429) and outside the
 * journal's stream bookkeeping, as nothing plays.
 */
export function answerHead(deliver: Deliver): Deliver {
  return (c, frames, headers, options) => (c.req.method === 'HEAD' ? new Response(null, { headers }) : deliver(c, frames, headers, options))
}

/**
 * The content-length a GET's whole body would have, on the HEAD of a route that answers with one (JSON, the
 * page's files): node:http leaves it out of a HEAD, which the RFC allows, but `curl -I` and caches read it. A
 * stream has none (its body ends with the connection), and neither does its HEAD.
 */
export const headLength: MiddlewareHandler = async function headLength(c, next) {
  await next()
  if (c.req.method !== 'HEAD' || c.res.body === null || c.res.headers.has('content-length')) return
  const length = (await c.res.clone().arrayBuffer()).byteLength
  c.res.headers.set('content-length', String(length))
}
