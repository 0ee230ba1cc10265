import type { Reply } from '../types.js'

/** Mostly one fenced code block, with a sentence before and after it. */
export const code: Reply = {
  name: 'code',
  description: 'One fenced TypeScript code block between two sentences: tests code highlighting mid-stream.',
  text: `Here is a small, dependency-free retry helper with exponential backoff and jitter:

\`\`\`typescript
export interface RetryOptions {
  /** How many attempts in all, the first one included. */
  attempts?: number
  /** Delay before the second attempt, in milliseconds; it doubles after each failure. */
  baseDelayMs?: number
  /** Upper bound on any single delay, in milliseconds. */
  maxDelayMs?: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function retry<T>(task: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 5, baseDelayMs = 200, maxDelayMs = 5_000 } = options
  let lastError: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await task()
    } catch (error) {
      lastError = error
      if (attempt === attempts) break
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
      const delay = Math.random() * ceiling // "full jitter" spreads retries out
      console.warn(\`Attempt \${attempt} failed, retrying in \${Math.round(delay)} ms\`)
      await sleep(delay)
    }
  }
  throw lastError
}

// Usage:
const user = await retry(
  async () => {
    const response = await fetch('/api/users/42')
    if (!response.ok) throw new Error(\`HTTP \${response.status}\`)
    return response.json()
  },
  { attempts: 3 },
)
\`\`\`

The random "full jitter" keeps many clients that failed at the same moment from all retrying in lockstep and hammering the server again.`,
}
