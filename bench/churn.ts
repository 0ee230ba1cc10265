/**
 * Churn: streams opened and given up at random, seeded points, as real clients give them up (a tab closed
 * before the answer starts, a reload mid-stream, a proxy's reset, a client that half-closes, one that stops
 * reading), so that what a stream leaves behind when it goes away shows up as growth. One client for
 * test/server/churn.test.ts (a bounded count, in process) and for the `churn` series of `npm run bench`
 * (tens of thousands, against the CLI as a child process).
 *
 * Each stream is a raw HTTP/1.1 request on its own TCP socket (cheap, and the client decides exactly how the
 * connection ends), on one of three routes (GET /stream, POST /v1/chat/completions and POST /v1/messages with
 * `stream: true`), given up at one of these moments:
 *
 * | moment    | when the client gives up                                                                  |
 * | --------- | ----------------------------------------------------------------------------------------- |
 * | `request` | before the request is whole: half its headers, or (POST) half its body                   |
 * | `waiting` | while the server holds the head back (a `slow-headers:2000` fault)                         |
 * | `head`    | as soon as the head is in                                                                 |
 * | `mid`     | after a random number of frames                                                           |
 * | `stall`   | in a silence the server keeps (a `stall-after:1:2000` fault), after the first frames      |
 * | `unread`  | never having read a byte of a stream that is all due at once (the server waits for drain) |
 * | `end`     | never: it reads the stream to its end, which must carry the format's end marker          |
 *
 * and in one of three ways: `destroy` (FIN and close), `reset` (RST, `resetAndDestroy`) or `half-close`
 * (FIN, then reading on: the client still wants its answer, so the stream plays to its end marker and the
 * server then closes its side, within `timeout`).
 *
 * A FIN looks the same to the server whether the client half-closed or closed for good, so a closed client is
 * found out by a write, which it answers with a reset: a stream sends a `: ping` at the FIN and in any silence
 * over 1 s after it (src/app/player.ts), and a held head goes out when it is due; the held head and the
 * stall are 2 s, short enough for a destroyed client's connection to be gone while the test settles.
 *
 * Run as a script (bench/run.ts does) it prints one JSON line, the ChurnReport. `installProbe` is the other
 * half of the benchmark: bench/run.ts preloads it into the server process (`--import`), where it answers the
 * parent's IPC messages with the process's heap (after a forced GC when asked), RSS and active handles, which
 * tokensim does not report itself.
 */
import { subscribe } from 'node:diagnostics_channel'
import { connect, type Socket } from 'node:net'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createRandom, type Random } from '../src/core/random.js'

export const ROUTES = ['stream', 'chat', 'messages'] as const
export const MOMENTS = ['request', 'waiting', 'head', 'mid', 'stall', 'unread', 'end'] as const
export const CUTS = ['destroy', 'reset', 'half-close'] as const
export type Route = (typeof ROUTES)[number]
export type Moment = (typeof MOMENTS)[number]
export type Cut = (typeof CUTS)[number]

/** How often each moment is drawn, in percent. `unread` is rare: each such stream has the server write 4 MB. */
const MOMENT_WEIGHTS: Readonly<Record<Moment, number>> = { request: 10, waiting: 10, head: 15, mid: 31, stall: 15, unread: 2, end: 17 }

export interface ChurnOptions {
  readonly port: number
  readonly streams: number
  /** Streams open at once (default 200). Keep it under the server's --max-streams-per-client. */
  readonly concurrency?: number
  readonly seed?: number
  /** Longest a stream may take to close once the client has cut it or, for `end`, to complete (default 20 s). */
  readonly timeout?: number
}

export interface ChurnReport {
  readonly streams: number
  readonly ms: number
  /** Streams by `route moment cut`, e.g. `chat mid reset` (the moment `end` has no cut). */
  readonly endings: Record<string, number>
  /** Streams that did not go as planned: a status other than 200, a stream that ended early or without its end marker, a connection the server did not close in time. */
  readonly failed: number
  /** The first few failures, each a line naming the stream. */
  readonly failures: readonly string[]
}

/** How each format says its stream is whole: its last event. */
const END_MARKER: Readonly<Record<Route, string>> = {
  stream: '\nevent: done\n',
  chat: '\ndata: [DONE]\n\n',
  messages: '\nevent: message_stop\n',
}

/** 40 units a stream at 2 ms apart: each stream plays for about 80 ms unless it is cut. */
const TEXT = 'abcdefghij'.repeat(4)
/**
 * `unread`'s stream: 70,000 units due at once, about 5 MB of frames, more than the kernel takes on loopback
 * for a reader that never reads (about 4 MB here), so the server's socket fills and the player waits for
 * 'drain'. One stream, so the server's frame cache encodes it once.
 */
const UNREAD_QUERY = `text=${'x'.repeat(70_000)}&delay=0&ttft=0`
/** How long `waiting` holds the head and `stall` keeps silent, ms. */
const HELD_MS = 2000
/** Units sent before the stall of `stall` (stall-after:N is after unit N). */
const STALL_AFTER = 1

interface Plan {
  readonly index: number
  readonly route: Route
  readonly moment: Moment
  readonly cut: Cut
  /** `mid`: the frames to read first; `request`: which half of the request to send; others: ms to wait. */
  readonly at: number
}

function draw(random: Random, index: number): Plan {
  const route = ROUTES[Math.floor(random() * ROUTES.length)]!
  let roll = random() * 100
  let moment: Moment = 'end'
  for (const candidate of MOMENTS) {
    roll -= MOMENT_WEIGHTS[candidate]
    if (roll < 0) {
      moment = candidate
      break
    }
  }
  const cut = CUTS[Math.floor(random() * CUTS.length)]!
  // mid: 1 to 20 frames (the first is /stream's retry line, OpenAI's role chunk or Anthropic's message_start).
  const at = moment === 'mid' ? 1 + Math.floor(random() * 20) : Math.floor(random() * 30)
  // `unread` needs a stream longer than any reply a vendor route gives: GET /stream with a long text.
  return { index, route: moment === 'unread' ? 'stream' : route, moment, cut, at }
}

/** The request's bytes: the head, and the body for a POST. */
function request(plan: Plan): { head: string; body: string } {
  const fault =
    plan.moment === 'waiting' ? `slow-headers:${HELD_MS}` : plan.moment === 'stall' ? `stall-after:${STALL_AFTER}:${HELD_MS}` : undefined
  if (plan.route === 'stream') {
    // A handful of distinct streams, so the server's frame cache holds the same few entries however many run.
    const query =
      plan.moment === 'unread'
        ? UNREAD_QUERY
        : `text=${TEXT}&delay=2&ttft=0&seed=${plan.index % 4}${fault === undefined ? '' : `&fault=${fault}`}`
    return { head: `GET /stream?${query} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`, body: '' }
  }
  const user = [{ role: 'user', content: 'Hi' }]
  // A model that names no profile: the server's defaults, which the knob headers set (no header or first-byte moments).
  const body = JSON.stringify(
    plan.route === 'chat'
      ? { model: 'gpt-4o', stream: true, messages: user }
      : { model: 'claude-sonnet-4-5', max_tokens: 1024, stream: true, messages: user },
  )
  const path = plan.route === 'chat' ? '/v1/chat/completions' : '/v1/messages'
  const headers = [
    `POST ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'x-tokensim-delay: 2',
    'x-tokensim-ttft: 0',
    ...(fault === undefined ? [] : [`x-tokensim-fault: ${fault}`]),
  ]
  return { head: `${headers.join('\r\n')}\r\n\r\n`, body }
}

const nameOf = (plan: Plan): string => (plan.moment === 'end' ? `${plan.route} end` : `${plan.route} ${plan.moment} ${plan.cut}`)

/** Plays one stream as planned; resolves with what went wrong, or undefined. Never rejects. */
function play(port: number, plan: Plan, timeout: number): Promise<string | undefined> {
  return new Promise((done) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' })
    const { head, body } = request(plan)
    let received = ''
    let headEnd = -1
    let cutAt = false
    let failure: string | undefined
    let waiting: ReturnType<typeof setTimeout> | undefined
    const fail = (why: string): void => {
      failure ??= `stream ${plan.index} (${nameOf(plan)}): ${why}`
    }
    const deadline = setTimeout(() => {
      fail(cutAt ? `not closed ${timeout} ms after the ${plan.cut}` : `not ended in ${timeout} ms`)
      socket.destroy()
    }, timeout)

    const cut = (): void => {
      if (cutAt || socket.destroyed) return
      cutAt = true
      clearTimeout(waiting)
      if (plan.cut === 'destroy') socket.destroy()
      else if (plan.cut === 'reset') socket.resetAndDestroy()
      else {
        socket.end()
        // A client that half-closes still reads: what the server sends until it closes its side.
        if (plan.moment === 'unread') socket.resume()
      }
    }
    const later = (ms: number): void => {
      waiting = setTimeout(cut, ms)
    }

    socket.setNoDelay(true)
    socket.on('error', () => {}) // the resets are this client's own, or the server's answer to a cut request
    socket.once('close', () => {
      clearTimeout(deadline)
      clearTimeout(waiting)
      const ended = headEnd < 0 ? 'closed before any response' : undefined
      // A half-closed client of a whole request still reads its whole answer (`unread` reads it without looking).
      const whole = plan.moment === 'end' || (plan.cut === 'half-close' && plan.moment !== 'request' && plan.moment !== 'unread')
      if (whole && !received.includes(END_MARKER[plan.route])) fail(ended ?? `ended without ${JSON.stringify(END_MARKER[plan.route])}`)
      if (plan.moment !== 'end' && !cutAt) fail(ended ?? `closed by the server before the ${plan.moment} cut`)
      done(failure)
    })

    if (plan.moment === 'unread') socket.pause()
    else {
      socket.on('data', (chunk: Buffer) => {
        if (cutAt && plan.cut !== 'half-close') return
        received += chunk.toString('latin1')
        if (headEnd < 0) {
          headEnd = received.indexOf('\r\n\r\n')
          if (headEnd < 0) return
          // After a cut request any answer will do (node:http's 400 to a half-closed one).
          if (!cutAt && !received.startsWith('HTTP/1.1 200 ')) {
            fail(`got ${JSON.stringify(received.slice(0, received.indexOf('\r\n')))}`)
            return cut()
          }
          if (plan.moment === 'head') cut()
          else if (plan.moment === 'stall') later(10 + plan.at) // the first frames are out at once, then 2 s of nothing
        }
        if (plan.moment !== 'mid' || cutAt) return
        let frames = 0
        for (let at = received.indexOf('\n\n', headEnd + 4); at !== -1; at = received.indexOf('\n\n', at + 2)) frames++
        if (frames >= plan.at) cut()
      })
    }

    socket.once('connect', () => {
      if (plan.moment === 'request') {
        // Half the head, or for a POST the whole head and half the body: either way the request is not whole.
        const whole = head + body
        socket.write(whole.slice(0, body === '' ? head.length >> 1 : head.length + (body.length >> 1)))
        return later(plan.at % 10)
      }
      socket.write(head + body)
      if (plan.moment === 'waiting' || plan.moment === 'unread') later(1 + plan.at)
    })
  })
}

/** Opens `streams` streams, `concurrency` at a time, each given up as drawn from `seed`. */
export async function churn({ port, streams, concurrency = 200, seed = 1, timeout = 20_000 }: ChurnOptions): Promise<ChurnReport> {
  const random = createRandom(seed)
  const plans = Array.from({ length: streams }, (_, i) => draw(random, i))
  const endings: Record<string, number> = {}
  const failures: string[] = []
  let failed = 0
  let next = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (next < plans.length) {
      const plan = plans[next++]!
      const name = nameOf(plan)
      endings[name] = (endings[name] ?? 0) + 1
      const failure = await play(port, plan, timeout)
      if (failure === undefined) continue
      failed++
      if (failures.length < 10) failures.push(failure)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, streams) }, worker))
  return { streams, ms: performance.now() - started, endings, failed, failures }
}

/** What the probe reports of the server process. */
export interface ProbeReport {
  readonly heapUsed: number
  readonly rss: number
  /** process.getActiveResourcesInfo(), counted by type: `TCPSocketWrap` is the open connections. */
  readonly handles: Record<string, number>
  /** Server-side sockets accepted so far, and how many of them have been garbage-collected. */
  readonly sockets: number
  readonly collected: number
}

/**
 * Preloaded into the server (bench/run.ts starts it with `--expose-gc` and an IPC channel): answers `sample`
 * with the heap and handles as they are, and `settle` with them after full collections. It sees every
 * accepted socket through node:net's `net.server.socket` diagnostics channel and counts the ones collected
 * (a FinalizationRegistry holds no reference), so a stream that stays behind, holding its socket, shows as a
 * socket never collected, whatever holds it.
 */
export function installProbe(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  let sockets = 0
  let collected = 0
  const finalization = new FinalizationRegistry<void>(() => collected++)
  subscribe('net.server.socket', (message) => {
    sockets++
    finalization.register((message as { socket: object }).socket, undefined)
  })
  const report = (): ProbeReport => {
    const handles: Record<string, number> = {}
    for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1
    const { heapUsed, rss } = process.memoryUsage()
    return { heapUsed, rss, handles, sockets, collected }
  }
  process.on('message', (message) => {
    if (message === 'settle') {
      // Full collections a turn apart: finalizers and weak callbacks run between them.
      let rounds = 3
      const round = (): void => {
        gc?.()
        if (--rounds > 0) setImmediate(round)
        else setImmediate(() => process.send!(report()))
      }
      round()
    } else if (message === 'sample') process.send!(report())
  })
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      streams: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
    },
  })
  const report = await churn({
    port: Number(values.port),
    streams: Number(values.streams),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
  })
  console.log(JSON.stringify(report))
}
