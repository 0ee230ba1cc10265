/**
 * Peer for the benchmark: the naive Hono server a newcomer writes, with hono/streaming's streamSSE and a
 * sleep between events (a timer per stream, re-armed after each write, so every delay adds to the last).
 * Serves GET /stream?text=...&delay=MS&ttft=MS with the same events tokensim sends.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'

const app = new Hono()
app.get('/stream', (c) => {
  const text = c.req.query('text') ?? ''
  const delay = Number(c.req.query('delay') ?? 20)
  const ttft = Number(c.req.query('ttft') ?? 0)
  return streamSSE(c, async (stream) => {
    await stream.sleep(ttft)
    const chars = [...text]
    for (let i = 0; i < chars.length; i++) {
      if (i > 0) await stream.sleep(delay)
      await stream.writeSSE({
        id: String(i),
        event: 'token',
        data: JSON.stringify({ text: chars[i], index: i, units: 1, t: ttft + i * delay }),
      })
    }
    await stream.writeSSE({ id: String(chars.length), event: 'done', data: JSON.stringify({ tokens: chars.length }) })
  })
})

serve({ fetch: app.fetch, port: Number(process.env['PORT'] ?? 0), hostname: '127.0.0.1' }, (info) =>
  console.log(`serving http://127.0.0.1:${info.port}`),
)
