/**
 * Lateness as the benchmark reports it, one definition for the load client's sampler (bench/load.ts) and the
 * server's probe (bench/lateness-probe.ts), so that the two figures compare: of each event, (seen - t) less the
 * smallest such difference on its stream, since neither side knows the moment the server started the stream.
 */

/** The lateness of every event of every stream (each stream's `seen - t` offsets; a stream needs two). */
export function anchoredLateness(streams: Iterable<readonly number[]>): number[] {
  const lateness: number[] = []
  for (const offsets of streams) {
    if (offsets.length < 2) continue
    let anchor = Infinity
    for (const offset of offsets) anchor = Math.min(anchor, offset)
    for (const offset of offsets) lateness.push(offset - anchor)
  }
  return lateness.sort((a, b) => a - b)
}

/** The `p` quantile of sorted `xs` by nearest rank; null when there is none. */
export function percentile(xs: readonly number[], p: number): number | null {
  return xs.length === 0 ? null : xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
}
