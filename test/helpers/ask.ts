/** A one-line chat completion against a running tokensim, and polling for an answer that changes (a reload). */
import { expect } from 'vitest'

/** The text of a non-streamed chat completion of `content`, at once (no latency). */
export async function ask(url: string, content: string): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
  })
  return ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content
}

/** Polls `read` until it gives `expected` (a reload is seen within a second or so), or fails after `ms`. */
export async function eventually(read: () => Promise<string>, expected: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  let last = ''
  while (Date.now() < until) {
    if ((last = await read()) === expected) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  expect(last).toBe(expected)
}
