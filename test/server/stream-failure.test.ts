/**
 * A failure inside tokensim while a stream plays (a bug, not a fault): that stream ends with its format's
 * in-stream error, the error is logged, and the process and every other stream go on. The failure is real: the
 * server's own delivery (deliverNode, the player, the shared clock) is given frames whose bytes throw when
 * read after a few events, as a bug in an encoder would; only requests marked `x-test-poison` get them.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Deliver } from '../../src/app/deliver.js'
import { deliverNode } from '../../src/node/deliver-node.js'
import { isLazy, isShared, type Frames } from '../../src/app/encoded-frames.js'
import { INTERNAL_STREAM_MESSAGE } from '../../src/app/respond.js'
import { readSse, until } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const POISON_AFTER = 3

/** The frames, except that reading frame POISON_AFTER's bytes (or, made as they play, making it) throws. */
function poisoned(frames: Frames): Frames {
  if (isLazy(frames)) {
    let pulled = 0
    const inner = frames.lazy
    const lazy = {
      next: () => {
        if (pulled++ === POISON_AFTER) throw new TypeError('a bug in an encoder (test)')
        return inner.next()
      },
    }
    return { ...frames, lazy }
  }
  if (isShared(frames)) {
    const shared = new Proxy(frames.template.frames as unknown[], {
      get(target, key, receiver) {
        if (key === String(POISON_AFTER)) throw new TypeError('a bug in an encoder (test)')
        return Reflect.get(target, key, receiver) as unknown
      },
    }) as typeof frames.template.frames
    return { ...frames, template: { ...frames.template, frames: shared } }
  }
  const bytes = new Proxy(frames.bytes as Uint8Array[], {
    get(target, key, receiver) {
      if (key === String(POISON_AFTER)) throw new TypeError('a bug in an encoder (test)')
      return Reflect.get(target, key, receiver) as unknown
    },
  })
  return { ...frames, bytes }
}

const deliver: Deliver = (c, frames, headers, options) =>
  deliverNode(c, c.req.header('x-test-poison') === undefined ? frames : poisoned(frames), headers, options)

const fast = { 'x-tokensim-delay': '5', 'x-tokensim-ttft': '0', 'x-tokensim-unit': 'word' }
const poison = { ...fast, 'x-test-poison': '1' }

let server: RunningServer
let logged: unknown[][]
beforeAll(async () => {
  server = await startServer({ deliver })
})
afterAll(() => server.close())
afterEach(() => vi.restoreAllMocks())

function watchLog(): void {
  logged = []
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args))
}

describe('a stream that fails inside tokensim', { timeout: 20_000 }, () => {
  it('native: ends with event: error, code internal, after the events before it; logged; others complete', async () => {
    watchLog()
    const healthy = fetch(`${server.url}/stream?reply=greeting&unit=word&delay=5&ttft=0`).then(readSse)
    const failed = await readSse(await fetch(`${server.url}/stream?reply=greeting&unit=word&delay=5&ttft=0`, { headers: poison }))
    const error = failed.events.find((e) => e.event === 'error')
    expect(JSON.parse(error?.data ?? '{}')).toEqual({ message: INTERNAL_STREAM_MESSAGE, code: 'internal' })
    expect(failed.events.at(-1)?.event).toBe('error')
    expect(failed.done).toBeUndefined()
    // The retry line and the first token events went out before the failure.
    expect(failed.tokens.length).toBeGreaterThan(0)
    expect(failed.tokens.length).toBeLessThan(POISON_AFTER)
    const ok = await healthy
    expect(ok.done).toBeDefined()
    expect(ok.text.startsWith('Hi there!')).toBe(true)
    expect(logged.some((args) => String(args[1]).includes('a bug in an encoder'))).toBe(true)
    await until(() => server.server.registry.size === 0, 'no stream left open')
  })

  it('openai: the SDK throws an APIError with the message, mid-stream; the next request streams', async () => {
    watchLog()
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { headers: poison },
    )
    const seen: string[] = []
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '')
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toContain(INTERNAL_STREAM_MESSAGE)
    expect(seen.length).toBeGreaterThan(0)
    const text = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { headers: fast })
    expect(text.choices[0]?.message.content).toMatch(/^Hi there!/)
  })

  it('openai, an answer asked for again (its frames shared by its responses): the same APIError, the others stream', async () => {
    watchLog()
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'any', maxRetries: 0 })
    const request = { model: 'gpt-4o-shared', stream: true as const, messages: [{ role: 'user' as const, content: 'hi' }] }
    const read = async (headers: Record<string, string>): Promise<{ text: string; error: unknown }> => {
      let text = ''
      const error = await (async () => {
        for await (const chunk of await client.chat.completions.create(request, { headers })) text += chunk.choices[0]?.delta.content ?? ''
      })().catch((e: unknown) => e)
      return { text, error }
    }
    // The first response plays as it is made, the second makes the shared frames, the third plays them.
    for (let i = 0; i < 2; i++) expect((await read(fast)).text).toMatch(/^Hi there!/)
    const failed = await read(poison)
    expect(failed.error).toBeInstanceOf(OpenAI.APIError)
    expect((failed.error as Error).message).toContain(INTERNAL_STREAM_MESSAGE)
    expect(failed.text.length).toBeGreaterThan(0)
    expect(logged.some((args) => String(args[1]).includes('a bug in an encoder'))).toBe(true)
    expect((await read(fast)).text).toMatch(/^Hi there!/)
  })

  it("anthropic: the SDK throws the event's api_error", async () => {
    watchLog()
    const client = new Anthropic({ baseURL: server.url, apiKey: 'any', maxRetries: 0 })
    const stream = client.messages.stream(
      { model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] },
      { headers: poison },
    )
    const error = await stream.finalMessage().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect(error).toMatchObject({ error: { type: 'error', error: { type: 'api_error', message: INTERNAL_STREAM_MESSAGE } } })
  })

  it('a hundred failing streams among a hundred healthy ones: every healthy one completes, the server lives', async () => {
    watchLog()
    const url = `${server.url}/stream?reply=greeting&unit=word&delay=2&ttft=0`
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => fetch(url, { headers: i % 2 === 0 ? poison : {} }).then(readSse)),
    )
    results.forEach((result, i) => {
      if (i % 2 === 0) expect(result.events.at(-1)?.event, `stream ${i}`).toBe('error')
      else expect(result.done, `stream ${i}`).toBeDefined()
    })
    expect(logged.length).toBeGreaterThanOrEqual(100)
    await until(() => server.server.registry.size === 0, 'no stream left open')
    expect((await fetch(`${server.url}/replies`)).status).toBe(200)
  })
})
