/**
 * The request body limit (`--max-body`): a declared length over the limit is refused before any byte is read;
 * a body without one (chunked, as Node's `req.write()`, `fetch` with a stream body, Go's io.Reader and Python's
 * generators send it) is counted as it arrives and refused as soon as it passes the limit. A body read here is
 * handed on as a fresh Request with the bytes in hand. Hono's own bodyLimit re-wraps the request with
 * `new Request(c.req.raw, …)`, which @hono/node-server's lazy request object cannot be copied by (a 500 on
 * every chunked body, and on a body-less POST or DELETE), so tokensim keeps its own.
 */
import type { Context, MiddlewareHandler } from 'hono'

export function limitBody(maxBytes: number, refuse: (c: Context) => Response): MiddlewareHandler {
  return async function limitBody(c, next) {
    const raw = c.req.raw
    const declared = raw.headers.get('content-length')
    if (declared !== null && !raw.headers.has('transfer-encoding')) {
      return Number(declared) > maxBytes ? refuse(c) : next()
    }
    if (raw.body === null) return next()
    const chunks: Uint8Array[] = []
    let size = 0
    const reader = raw.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        void reader.cancel().catch(() => undefined)
        return refuse(c)
      }
      chunks.push(value)
    }
    const body = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.byteLength
    }
    const headers = new Headers(raw.headers)
    headers.delete('transfer-encoding')
    headers.set('content-length', String(size))
    c.req.raw = new Request(raw.url, { method: raw.method, headers, body: size === 0 ? null : body })
    return next()
  }
}
