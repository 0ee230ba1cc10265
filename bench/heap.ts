/**
 * npm run bench:heap: what an open stream keeps on the server's heap, by route. The server runs in this process
 * (the real Node server, src/node/server.ts) with `--expose-gc`; a client in a child process opens N streams of
 * the `long` reply on each route, with the first token a minute away so that nothing is sent meanwhile; the
 * heap after a forced collection, before and with the streams open, gives the bytes each one keeps. RSS moves
 * with the heap's headroom and garbage not yet collected, which is why the cadence and vendor series' RSS per
 * stream runs high for routes that make their frames as they play; this is the figure that does not.
 *
 *   npm run bench:heap                 # 2,000 streams a route
 *   npm run bench:heap -- --streams 5000 --reply greeting
 */
import { fork } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { streams: { type: 'string', default: '2000' }, reply: { type: 'string', default: 'long' }, client: { type: 'string' } },
})

const user = 'Explain how streaming works.'
const knobs = `x-tokensim-reply: ${values.reply}\r\nx-tokensim-unit: token\r\nx-tokensim-delay: 20\r\nx-tokensim-ttft: 60000\r\n`
const post = (path: string, body: unknown): string => {
  const json = JSON.stringify(body)
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${knobs}content-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`
}
const ROUTES: Record<string, string> = {
  'GET /stream': `GET /stream?reply=${values.reply}&unit=token&delay=20&ttft=60000 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`,
  'chat completions': post('/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: user }] }),
  responses: post('/v1/responses', { model: 'gpt-4o', stream: true, input: user }),
  'anthropic messages': post('/v1/messages', {
    model: 'claude-sonnet-4-5',
    max_tokens: 8192,
    stream: true,
    messages: [{ role: 'user', content: user }],
  }),
  gemini: post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: user }] }] }),
  'ai sdk /api/chat': post('/api/chat', { messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: user }] }] }),
}

if (values.client !== undefined) {
  // The client: opens the streams it is told to, reports when each has its head, and holds them until told.
  const [port, route, count] = values.client.split(',')
  const sockets: Socket[] = []
  let headed = 0
  for (let i = 0; i < Number(count); i++) {
    const socket = connect({ port: Number(port), host: '127.0.0.1' })
    socket.once('data', () => ++headed === Number(count) && process.send!('open'))
    socket.write(ROUTES[route!]!)
    sockets.push(socket)
  }
  process.on('message', () => {
    for (const socket of sockets) socket.destroy()
    process.exit(0)
  })
} else {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench:heap does)')
  const { createServer } = await import('../src/node/server.js')
  const server = createServer({ maxStreams: 1_000_000, maxStreamsPerClient: 1_000_000 })
  await server.listen({ port: 0, host: '127.0.0.1' })
  const port = (server.http.address() as { port: number }).port
  const heap = async (): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 200))
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  const open = async (route: string, count: number) => {
    const client = fork(fileURLToPath(import.meta.url), ['--client', `${port},${route},${count}`, '--reply', values.reply], {
      execArgv: process.execArgv.filter((a) => a !== '--expose-gc'),
    })
    await new Promise((resolve) => client.once('message', resolve))
    return async () => {
      client.send('close')
      await new Promise((resolve) => client.once('exit', resolve))
      while (server.registry.size > 0) await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const streams = Number(values.streams)
  console.log(`node ${process.version}: the server's heap after a forced GC, ${streams} open streams of the ${values.reply} reply a route`)
  console.log('| route | heap KB/stream | x /stream |')
  console.log('| --- | --- | --- |')
  let native = 0
  for (const route of Object.keys(ROUTES)) {
    await (
      await open(route, 50)
    )() // warm: caches, plans, code
    const before = await heap()
    const close = await open(route, streams)
    const kb = ((await heap()) - before) / streams / 1024
    await close()
    if (route === 'GET /stream') native = kb
    console.log(`| ${route} | ${kb.toFixed(2)} | ${(kb / native).toFixed(2)} |`)
  }
  await server.close()
}
