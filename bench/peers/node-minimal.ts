/**
 * Peer for the benchmark: the lean server a careful newcomer writes on node:http, a timer per stream that
 * re-arms after each write. Serves GET /stream?text=...&delay=MS&ttft=MS with the same events tokensim sends.
 */
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname !== '/stream') return res.writeHead(404).end()
  const chars = [...(url.searchParams.get('text') ?? '')]
  const delay = Number(url.searchParams.get('delay') ?? 20)
  const ttft = Number(url.searchParams.get('ttft') ?? 0)
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.write('retry: 1000\n\n')
  let i = 0
  let timer: NodeJS.Timeout
  const send = (): void => {
    if (i === chars.length) {
      res.end(`id: ${i}\nevent: done\ndata: ${JSON.stringify({ tokens: chars.length })}\n\n`)
      return
    }
    res.write(`id: ${i}\nevent: token\ndata: ${JSON.stringify({ text: chars[i], index: i, units: 1, t: ttft + i * delay })}\n\n`)
    i++
    timer = setTimeout(send, delay)
  }
  timer = setTimeout(send, ttft)
  res.on('close', () => clearTimeout(timer))
})
server.listen({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address()
  console.log(`serving http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
})
