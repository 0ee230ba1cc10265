/** Reads GET /metrics with an independent parser of Prometheus's text format, on a connection of its own. */
import { request } from 'node:http'
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format'

export interface Scrape {
  readonly families: readonly PromFamily[]
  /** A counter's or gauge's sample with exactly these labels, as a number; 0 when there is none. */
  value(name: string, labels?: Readonly<Record<string, string>>): number
  /** A histogram's buckets (bound -> cumulative count, by bound), count and sum. */
  histogram(name: string): { buckets: Array<[number, number]>; count: number; sum: number }
}

/** One scrape, on a new connection (with `--workers`, each may reach another process). */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const { status, type, text } = await get(`${url}/metrics`, headers)
  if (status !== 200) throw new Error(`GET /metrics: ${status} ${text}`)
  if (!type.startsWith('text/plain; version=0.0.4')) throw new Error(`GET /metrics: content-type ${type}`)
  return read(text)
}

function read(text: string): Scrape {
  const families = parsePrometheusTextFormat(text)
  const family = (name: string): PromFamily => {
    const found = families.find((f) => f.name === name)
    if (found === undefined) throw new Error(`no metric ${name} in:\n${text}`)
    return found
  }
  const same = (a: Readonly<Record<string, string>> = {}, b: Readonly<Record<string, string>>): boolean =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v)
  return {
    families,
    value(name, labels = {}) {
      const sample = family(name).metrics.find((m) => same(m.labels, labels))
      return sample === undefined ? 0 : Number(sample.value)
    },
    histogram(name) {
      const [sample] = family(name).metrics
      if (sample?.buckets === undefined) throw new Error(`${name} is not a histogram`)
      const buckets = Object.entries(sample.buckets)
        .map(([le, count]): [number, number] => [le === '+Inf' ? Infinity : Number(le), Number(count)])
        .sort((a, b) => a[0] - b[0])
      return { buckets, count: Number(sample.count), sum: Number(sample.sum) }
    },
  }
}

/** A GET (or HEAD) on a connection of its own: the status, content-type, headers and the whole body. */
export function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; type: string; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end()
  })
}
