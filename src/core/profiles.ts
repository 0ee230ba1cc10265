/**
 * Named latency profiles: distributions of the time to first token and of the gaps (and, optionally, of when the
 * headers and the first byte go out), with a name and a line on what they feel like. They are the model names
 * tokensim offers (`tokensim-NAME`), so a client that can only choose a model can still choose a latency, and
 * `profile=NAME` on /stream. Users add or replace them with `--profiles PATH` (src/node/profiles-file.ts).
 */
import { withMedian } from './distribution.js'
import type { LatencyShape, Timing } from './types.js'

export interface Profile extends LatencyShape {
  readonly name: string
  readonly description: string
}

/** The built-in profiles, in the order /v1/models and GET /profiles list them. All figures are ms. */
export const PROFILES: readonly Profile[] = [
  // Point masses at 0: the whole reply at once, for tests that want no waiting at all.
  { name: 'instant', description: 'no latency at all: the whole reply at once', ttft: { median: 0, p99: 0 }, gap: { median: 0, p99: 0 } },
  // A small hosted model on a good connection (a "mini" or "flash" tier).
  {
    name: 'fast',
    description: 'a small, fast model: 150 ms to first token (p99 400 ms), about 125 tokens/s',
    headers: { median: 40, p99: 120 },
    firstByte: { median: 120, p99: 350 },
    ttft: { median: 150, p99: 400 },
    gap: { median: 8, p99: 20 },
  },
  // A mainstream chat model at ordinary load: the first token in under half a second, reading speed and then some.
  // The gateway answers in about 100 ms; the first frame (the role chunk) comes shortly before the first token.
  {
    name: 'typical',
    description: 'a typical chat model: headers in 100 ms, 450 ms to first token (p99 1.4 s), about 40 tokens/s',
    headers: { median: 100, p99: 300 },
    firstByte: { median: 400, p99: 1200 },
    ttft: { median: 450, p99: 1400 },
    gap: { median: 25, p99: 70 },
  },
  // A large model under load: a long wait, then slow, uneven tokens.
  {
    name: 'slow',
    description: 'a large, busy model: 3 s to first token (p99 8 s), about 16 tokens/s',
    headers: { median: 150, p99: 600 },
    firstByte: { median: 2800, p99: 7500 },
    ttft: { median: 3000, p99: 8000 },
    gap: { median: 60, p99: 180 },
  },
  // A reasoning model that thinks before it answers: the headers and the first frame at once, then nothing
  // visible for seconds, then a quick stream: the case where "time to first token" means three different things.
  // Capped at 40 s so a test never waits for the far tail.
  {
    name: 'reasoning',
    description:
      'a reasoning model: headers and first byte in under 200 ms, then 8 s of thinking before the first token (p99 25 s), then about 200 tokens/s',
    headers: { median: 80, p99: 250 },
    firstByte: { median: 150, p99: 400 },
    ttft: { median: 8000, p99: 25_000, max: 40_000 },
    gap: { median: 5, p99: 12 },
  },
  // A bad connection or an overloaded provider: a fifth of the units arrive in bursts with the one before, and
  // one gap in 30 is a stall of a second or more, the cases a UI's spinner and timeouts must survive.
  {
    name: 'flaky',
    description: 'a flaky connection: uneven time to first token (p99 5 s), bursts, and a stall of 1.5 s (up to 10 s) every ~30 units',
    headers: { median: 250, p99: 2500 },
    ttft: { median: 700, p99: 5000 },
    gap: { median: 30, p99: 150 },
    stall: { chance: 1 / 30, median: 1500, p99: 6000, max: 10_000 },
    burst: 0.2,
  },
]

/** The prefix that makes a model name a profile: `tokensim-fast` is the `fast` profile. */
export const MODEL_PREFIX = 'tokensim-'

/** The profiles of one server: the built-in ones, replaced or added to by the user's. */
export interface ProfileSet {
  /** Built-ins first (a user's profile of the same name in its place), then the user's new ones. */
  readonly list: readonly Profile[]
  readonly names: readonly string[]
  get(name: string): Profile | undefined
  /** The profile a `tokensim-NAME` model id names; any other model id (`gpt-4o`, `claude-...`) names none. */
  ofModel(model: string): Profile | undefined
}

export function createProfileSet(user: readonly Profile[] = [], builtins: readonly Profile[] = PROFILES): ProfileSet {
  const byName = new Map<string, Profile>()
  for (const profile of [...builtins, ...user]) byName.set(profile.name, profile) // a Map keeps the first insertion's place
  const list = [...byName.values()]
  const get = (name: string): Profile | undefined => byName.get(name)
  return {
    list,
    names: list.map((p) => p.name),
    get,
    ofModel: (model) => (model.startsWith(MODEL_PREFIX) ? get(model.slice(MODEL_PREFIX.length)) : undefined),
  }
}

/** The built-in profiles alone. */
export const BUILTIN_PROFILES: ProfileSet = createProfileSet()

/** The uniform knobs a request gave along with a profile. */
export interface Knobs {
  readonly ttft?: number | undefined
  readonly delay?: number | undefined
  readonly jitter?: number | undefined
}

/**
 * A profile's timing with a request's knobs applied. `ttft` and `delay` set the median of the ttft and gap
 * distributions, keeping their spread (p99 and max scale by the same factor; a profile's median of 0 becomes a
 * constant); stalls, bursts and the headers and first-byte distributions stay (their draws are clamped to the
 * first unit, src/core/latency.ts). `jitter` asks for the uniform model instead, which has no start moments: ttft
 * and delay are the knobs given, else the profile's medians, spread by that jitter.
 */
export function profileTiming(profile: Profile, { ttft, delay, jitter }: Knobs): Timing {
  if (jitter !== undefined) return { ttft: ttft ?? profile.ttft.median, delay: delay ?? profile.gap.median, jitter }
  return {
    kind: 'profile',
    name: profile.name,
    ttft: ttft === undefined ? profile.ttft : withMedian(profile.ttft, ttft),
    gap: delay === undefined ? profile.gap : withMedian(profile.gap, delay),
    ...(profile.headers !== undefined ? { headers: profile.headers } : {}),
    ...(profile.firstByte !== undefined ? { firstByte: profile.firstByte } : {}),
    ...(profile.stall !== undefined ? { stall: profile.stall } : {}),
    ...(profile.burst !== undefined ? { burst: profile.burst } : {}),
  }
}
