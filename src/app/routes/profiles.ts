/**
 * GET /profiles: the latency profiles with their distributions as declared, and what those give, computed from
 * them (src/core/latency-stats.ts): the p50, p90 and p99 of the time to first token and of the gap (and of the
 * headers and first-byte moments, where a profile declares them), and the cap.
 */
import type { Hono } from 'hono'
import { latencyStats, type Quantiles } from '../../core/latency-stats.js'
import { MODEL_PREFIX, type ProfileSet } from '../../core/profiles.js'
import type { AppContext } from '../context.js'
import { memoized } from '../memo.js'

/** Tenths of a ms: finer than any timer, and it keeps the listing readable. */
const round = (ms: number): number => Math.round(ms * 10) / 10

const rounded = (q: Quantiles): Quantiles => ({ p50: round(q.p50), p90: round(q.p90), p99: round(q.p99), max: round(q.max) })

export function profilesRoute(app: Hono, context: AppContext): void {
  // Per profile set (a reload makes a new one).
  const listing = memoized(listProfiles)
  app.get('/profiles', (c) => c.json(listing(context.profiles)))
}

function listProfiles(profiles: ProfileSet) {
  return {
    profiles: profiles.list.map((profile) => {
      const { name, description, headers, firstByte, ttft, gap, stall, burst } = profile
      const stats = latencyStats(profile)
      return {
        name,
        model: `${MODEL_PREFIX}${name}`,
        description,
        ...(headers !== undefined ? { headers } : {}),
        ...(firstByte !== undefined ? { firstByte } : {}),
        ttft,
        gap,
        ...(stall !== undefined ? { stall } : {}),
        ...(burst !== undefined ? { burst } : {}),
        stats: {
          ...(stats.headers !== undefined ? { headers: rounded(stats.headers) } : {}),
          ...(stats.firstByte !== undefined ? { firstByte: rounded(stats.firstByte) } : {}),
          ttft: rounded(stats.ttft),
          gap: rounded(stats.gap),
        },
      }
    }),
  }
}
