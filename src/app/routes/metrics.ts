/**
 * GET /metrics: the server's figures in Prometheus's text format (src/app/prometheus-text.ts), for a load
 * test to scrape next to the gateway it measures. With `--workers`, every process's figures added up: each
 * process keeps its own (its requests, its streams, its clock), and the one scraped asks the others through the
 * primary, as /journal does; a process that does not answer in time (src/node/cluster.ts) is missing from that scrape.
 */
import type { Hono } from 'hono'
import type { AppContext } from '../context.js'
import { mergeSnapshots, type MetricsSnapshot } from '../metrics.js'
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../prometheus-text.js'

const METRICS_READ = 'metrics-read'

export function metricsRoute(app: Hono, context: AppContext): void {
  const { metrics, clock, peers } = context
  const local = (): MetricsSnapshot => metrics.snapshot(clock.lateness?.())
  peers?.on(METRICS_READ, local)

  app.get('/metrics', async (c) => {
    const snapshots = [local()]
    for (const answer of (await peers?.ask(METRICS_READ, null)) ?? []) if (answer != null) snapshots.push(answer as MetricsSnapshot)
    // A scrape must not be cached: every one is a new reading.
    return c.body(renderPrometheus(mergeSnapshots(snapshots)), 200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'cache-control': 'no-store',
    })
  })
}
