/**
 * The floor: a program that only sends. Answers each connection with a minimal HTTP/1.1 head, then writes an
 * 80-byte event to every open socket each `delay` ms from one shared interval, with no parsing, no JSON and
 * no per-stream timer: what remains is about the kernel's cost of one small send on loopback, which the
 * benchmark reports every server as a multiple of.
 */
import { createServer, type Socket } from 'node:net'

// 80 bytes, or EVENT_BYTES (what a larger event costs the kernel: a chat completion chunk is about 230)
const EVENT = Buffer.from(`data: ${'x'.repeat(Math.max(0, Number(process.env['EVENT_BYTES'] ?? 80) - 8))}\n\n`)
const HEAD = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n')
const delay = Number(process.env['DELAY'] ?? 20)
const sockets = new Set<Socket>()

const server = createServer((socket) => {
  socket.once('data', () => {
    socket.write(HEAD)
    sockets.add(socket)
  })
  socket.on('close', () => sockets.delete(socket))
  socket.on('error', () => sockets.delete(socket))
})
setInterval(() => {
  for (const socket of sockets) socket.write(EVENT)
}, delay)
server.listen({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address()
  console.log(`serving http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
})
