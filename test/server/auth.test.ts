/**
 * --api-key against the real server: each route takes the key where its vendor's clients send it, and a
 * missing or wrong key is the vendor's 401, which each official SDK turns into its AuthenticationError. The
 * page's files and CORS preflights need no key; without --api-key any key (or none) is accepted. And --cors.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app/app.js'
import { presentedKeys } from '../../src/app/auth.js'
import { readSse } from '../helpers/sse.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const KEY = 'tk-test-0123456789'
const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const hi = [{ role: 'user' as const, content: 'hi' }]

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ apiKey: KEY })
})
afterAll(() => server.close())

describe('--api-key with the official SDKs', () => {
  it('openai: the key as Bearer streams; a wrong one is an AuthenticationError (invalid_api_key)', async () => {
    const good = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, defaultHeaders: fast, maxRetries: 0 })
    const stream = await good.chat.completions.create({ model: 'gpt-4o', messages: hi, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).not.toBe('')
    expect((await good.responses.create({ model: 'gpt-4o', input: 'hi' })).status).toBe('completed')

    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 })
    const error = await bad.chat.completions.create({ model: 'gpt-4o', messages: hi }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' })
    expect((error as Error).message).toMatch(/Incorrect API key provided.*--api-key.*Bearer/)
    await expect(bad.responses.create({ model: 'gpt-4o', input: 'hi' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    expect((await good.models.list()).data.length).toBeGreaterThan(0)
  })

  it('anthropic: x-api-key (or an authToken as Bearer) passes; a wrong key is an AuthenticationError', async () => {
    const good = new Anthropic({ baseURL: server.url, apiKey: KEY, defaultHeaders: fast, maxRetries: 0 })
    const message = await good.messages.stream({ model: 'claude-x', max_tokens: 100, messages: hi }).finalMessage()
    expect(message.content.length).toBeGreaterThan(0)
    const bearer = new Anthropic({ baseURL: server.url, apiKey: null, authToken: KEY, defaultHeaders: fast, maxRetries: 0 })
    expect((await bearer.messages.create({ model: 'claude-x', max_tokens: 100, messages: hi })).type).toBe('message')

    const bad = new Anthropic({ baseURL: server.url, apiKey: 'wrong', maxRetries: 0 })
    const error = await bad.messages.create({ model: 'claude-x', max_tokens: 100, messages: hi }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(error).toMatchObject({ status: 401, error: { type: 'error', error: { type: 'authentication_error' } } })
    expect((error as Error).message).toMatch(/x-api-key/)
  })

  it('gemini: x-goog-api-key passes; a wrong key is a 401 UNAUTHENTICATED ApiError', async () => {
    const good = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: server.url, headers: fast } })
    let text = ''
    for await (const chunk of await good.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' }))
      text += chunk.text ?? ''
    expect(text).not.toBe('')
    const bad = new GoogleGenAI({ apiKey: 'wrong', httpOptions: { baseUrl: server.url } })
    const error = await bad.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 401 })
    expect((error as Error).message).toMatch(/UNAUTHENTICATED/)
    // The API's other way: ?key=.
    const query = await fetch(`${server.url}/v1beta/models/g:generateContent?key=${KEY}`, {
      method: 'POST',
      headers: fast,
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    })
    expect(query.status).toBe(200)
  })
})

describe('--api-key on the other routes', () => {
  it('GET /stream takes Bearer or ?key= (EventSource cannot send headers)', async () => {
    const none = await fetch(`${server.url}/stream?text=hi`)
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error: { code: 'invalid_api_key', message: /No API key was sent.*key=KEY/ } })
    for (const [url, headers] of [
      [`${server.url}/stream?text=hi&delay=0&ttft=0&key=${KEY}`, {}],
      [`${server.url}/stream?text=hi&delay=0&ttft=0`, { authorization: `Bearer ${KEY}` }],
    ] as const) {
      const response = await fetch(url, { headers })
      expect(response.status).toBe(200)
      expect((await readSse(response)).events.at(-1)?.event).toBe('done')
    }
    // A key a vendor route takes that /stream does not look for.
    expect((await fetch(`${server.url}/stream?text=hi`, { headers: { 'x-api-key': KEY } })).status).toBe(401)
  })

  it('the AI SDK route takes Bearer', async () => {
    const body = JSON.stringify({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] })
    expect((await fetch(`${server.url}/api/chat`, { method: 'POST', body })).status).toBe(401)
    const ok = await fetch(`${server.url}/api/chat`, { method: 'POST', body, headers: { ...fast, authorization: `Bearer ${KEY}` } })
    expect(ok.status).toBe(200)
    await ok.text()
  })

  it('a capture request is checked before it is replayed, in the route shape', async () => {
    const response = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers: { 'x-tokensim-capture': 'any' }, body: '{}' })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })

  it('/replies, /profiles and /v1/models take any vendor way; the page and preflights need none', async () => {
    for (const path of ['/replies', '/profiles', '/v1/models']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401)
      expect((await fetch(`${server.url}${path}`, { headers: { 'x-api-key': KEY } })).status, path).toBe(200)
      expect((await fetch(`${server.url}${path}?key=${KEY}`)).status, path).toBe(200)
    }
    const page = await fetch(`${server.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/html/)
    const preflight = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    })
    expect(preflight.status).toBe(204)
  })

  it('the 401 carries the CORS headers, so a page on another origin can read it', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173' },
      body: '{}',
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('without --api-key any key, or none, is accepted', async () => {
    const app = createApp()
    expect((await app.request('/replies')).status).toBe(200)
    expect((await app.request('/replies', { headers: { authorization: 'Bearer whatever' } })).status).toBe(200)
  })

  it('reads each scheme where its vendor puts the key', () => {
    // A stand-in for Hono's Context: the schemes only read the request's headers and query.
    const c = (headers: Record<string, string>, url = 'http://x/p') =>
      ({
        req: { header: (name: string) => headers[name], query: (name: string) => new URL(url).searchParams.get(name) ?? undefined },
      }) as never
    const all = c({ authorization: 'Bearer a', 'x-api-key': 'b', 'x-goog-api-key': 'c' }, 'http://x/p?key=d')
    expect(presentedKeys(all, 'bearer')).toEqual(['a'])
    expect(presentedKeys(all, 'anthropic')).toEqual(['a', 'b'])
    expect(presentedKeys(all, 'google')).toEqual(['c', 'd'])
    expect(presentedKeys(all, 'stream')).toEqual(['a', 'd'])
    expect(presentedKeys(all, 'any')).toEqual(['a', 'b', 'c', 'd'])
    expect(presentedKeys(c({ authorization: 'Basic a' }), 'bearer')).toEqual([])
  })
})

describe('--cors', () => {
  it('a list of origins: those get their origin back, others no allow-origin header', async () => {
    const app = createApp({ corsOrigins: ['http://localhost:5173', 'https://app.example'] })
    const allowed = await app.request('/replies', { headers: { origin: 'https://app.example' } })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const other = await app.request('/replies', { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect(other.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('* by default', async () => {
    const response = await createApp().request('/replies', { headers: { origin: 'https://anywhere.example' } })
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
  })
})
