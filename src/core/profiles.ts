/**
 * Named latency profiles: a Timing with a name and a line on what it feels like. They are the page's presets
 * and the model names tokensim offers (`tokensim-NAME`), so a client that can only choose a model can still
 * choose a latency.
 */
import type { Timing } from './types.js'

export interface Profile extends Timing {
  readonly name: string
  readonly description: string
}

export const PROFILES: readonly Profile[] = [
  { name: 'instant', description: 'no latency at all: the whole reply at once', ttft: 0, delay: 0, jitter: 0 },
  { name: 'fast', description: 'a small, fast model: 150 ms to first token, about 125 tokens/s', ttft: 150, delay: 8, jitter: 0.3 },
  { name: 'typical', description: 'a typical chat model: 450 ms to first token, about 40 tokens/s', ttft: 450, delay: 25, jitter: 0.4 },
  { name: 'slow', description: 'a slow reasoning model: 3 s to first token, about 16 tokens/s', ttft: 3000, delay: 60, jitter: 0.5 },
]

/** The prefix that makes a model name a profile: `tokensim-fast` is the `fast` profile. */
export const MODEL_PREFIX = 'tokensim-'

/** The profile of that name, if any. */
export function profileNamed(name: string): Profile | undefined {
  return PROFILES.find((p) => p.name === name)
}

/** The profile a `tokensim-NAME` model id names; any other model id (`gpt-4o`, `claude-...`) names none. */
export function profileOfModel(model: string): Profile | undefined {
  return model.startsWith(MODEL_PREFIX) ? profileNamed(model.slice(MODEL_PREFIX.length)) : undefined
}
