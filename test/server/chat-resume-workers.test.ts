/**
 * useChat's resume with `--workers 2`: a chat's answer plays in one process, and `GET /api/chat/{id}/stream`
 * may reach either. Each resume comes on a connection of its own (so the two processes take turns), and every
 * one gets the answer, the same bytes as the first stream from its start, while it plays; 204 once it has ended.
 */
import { request } from 'node:http'
import { afterAll, expect, it } from 'vitest'
import { killChildren, startCli } from '../helpers/cli.js'

afterAll(() => killChildren())

/** A request on a connection of its own; resolves with the status and the whole body. */
function send(url: string, method: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { connection: 'close', 'content-type': 'application/json', 'x-tokensim-delay': '40', 'x-tokensim-ttft': '0' }
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

it('resumes a playing chat from whichever process a resume reaches', { timeout: 60_000 }, async () => {
  const { url } = await startCli(['--workers', '2'])
  const body = JSON.stringify({ id: 'chat-workers', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] })
  // The greeting in o200k tokens, 40 ms apart: about two seconds of answer.
  const first = send(`${url}/api/chat`, 'POST', body)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const resumes = await Promise.all(Array.from({ length: 6 }, () => send(`${url}/api/chat/chat-workers/stream`, 'GET')))
  const whole = await first
  expect(whole.status).toBe(200)
  expect(whole.text).toContain('data: [DONE]')
  for (const resumed of resumes) {
    expect(resumed.status).toBe(200)
    expect(resumed.text).toBe(whole.text)
  }
  // Over: every process says so.
  const after = await Promise.all(Array.from({ length: 4 }, () => send(`${url}/api/chat/chat-workers/stream`, 'GET')))
  expect(after.map((r) => r.status)).toEqual([204, 204, 204, 204])
})
