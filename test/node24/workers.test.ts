/**
 * `--workers` on Node 22.12 and later (here Node 24), on Linux: each worker listens on the port itself with
 * SO_REUSEPORT and the kernel spreads connections over them (src/node/cluster.ts), rather than the primary
 * accepting each and handing it over. Through the real CLI: two listening sockets on one port, `--port 0` still
 * one port, the streams spread over both workers, and a port another tokensim's workers hold refused as in use
 * rather than joined. That any worker resumes a chat another plays is test/server/chat-resume-workers.test.ts,
 * which this suite runs too.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { request, type ClientRequest } from 'node:http'
import { afterAll, expect, it } from 'vitest'
import { failureLine, killChildren, runCli, startCli } from '../helpers/cli.js'

afterAll(() => killChildren())

/** The sockets listening on `port` on IPv4 (/proc/net/tcp: state 0A is LISTEN; the local port is hex). */
function listeners(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const fields = line.trim().split(/\s+/)
      return fields[1]?.endsWith(`:${hex}`) === true && fields[3] === '0A'
    }).length
}

/** A GET whose response has begun; the request, to destroy when done. */
function openStream(url: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => res.once('data', () => resolve(req)))
    req.on('error', reject)
    req.end()
  })
}

/** The processes whose parent is `pid` (/proc/N/stat: the fourth field) that run tokensim (not tsx's esbuild). */
function workersOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        return parent === pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('cli.ts')
      } catch {
        return false // gone meanwhile
      }
    })
    .map(Number)
}

/** The established connections on local `port` among process `pid`'s open sockets (/proc/net/tcp state 01). */
function connectionsOf(pid: number, port: number): number {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]].filter((inode) => inode !== undefined)
      } catch {
        return []
      }
    }),
  )
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${hex}`) === true && fields[3] === '01' && inodes.has(fields[9]!)).length
}

/** Waits until `port` has `count` listening sockets (the second worker may start a moment after the first). */
async function listening(port: number, count: number): Promise<number> {
  const until = Date.now() + 15_000
  while (listeners(port) < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  return listeners(port)
}

it('two workers on --port 0 each listen on the one port, and the kernel gives each some of the streams', { timeout: 60_000 }, async () => {
  const { url, cli } = await startCli(['--workers', '2'])
  const port = Number(new URL(url).port)
  expect(await listening(port, 2)).toBe(2)
  // 20 slow streams, each on a connection of its own (the kernel picks a worker by the connection's addresses),
  // held open while each worker's connections are counted.
  const open = await Promise.all(
    Array.from({ length: 20 }, () => openStream(`${url}/stream?text=one+two+three+four+five&unit=word&delay=1000&ttft=0`)),
  )
  try {
    const workers = workersOf(cli.child.pid!)
    expect(workers).toHaveLength(2)
    const counts = workers.map((pid) => connectionsOf(pid, port))
    expect(counts[0]! + counts[1]!).toBe(20)
    expect(Math.min(...counts)).toBeGreaterThan(0)
  } finally {
    for (const req of open) req.destroy()
  }
  // Nothing on stderr: no warning from either worker (Node 24 warns of a timer set to a negative delay).
  expect(cli.stderr()).toBe('')
})

it('refuses a port another tokensim with workers serves, rather than share it', { timeout: 60_000 }, async () => {
  const { url } = await startCli(['--workers', '2'])
  const port = new URL(url).port
  const second = runCli(['--port', port, '--workers', '2'])
  expect(await failureLine(second)).toBe(`tokensim: port ${port} on 127.0.0.1 is in use: stop what serves it or pass another --port`)
  expect(listeners(Number(port))).toBe(2)
})
