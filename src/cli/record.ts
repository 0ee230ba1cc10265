/**
 * `tokensim record URL`: captures what any URL streams (tokensim's own or another server's) into the capture
 * format (src/core/capture.ts), one record per network read with the ms since the response headers arrived, so
 * `--captures` can replay it with its original content and timing. Records are written as they arrive, so
 * Ctrl-C (or a server that never ends) still leaves a complete capture of what came. Request headers are not
 * written to the file: they may hold API keys.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { parseArgs } from 'node:util'
import { CAPTURE_NAME, CAPTURE_NAME_RULE, countEvents, formatCaptureHeader, formatCaptureRead } from '../core/capture.js'

export const RECORD_HELP = `Usage: tokensim record URL [options] --out FILE

Captures what URL streams into FILE (JSON Lines: a header, then {"t":MS,"data":TEXT} per network read), for
tokensim --captures to replay with the same bytes and timing. Stops at the end of the stream, or on Ctrl-C
(what came is kept). Request headers are not written to FILE.

  --out FILE          where to write the capture (required)
  --method M          request method (default GET, or POST with --data)
  --header 'N: V'     a request header; repeat for more (--data implies content-type: application/json)
  --data BODY         the request body
  --name NAME         the capture's name (default: FILE's name without its extension)
  -h, --help          show this help`

/** A problem with how `record` was called: one line, exit code 2. */
export class RecordUsageError extends Error {}
/** The request failed (no connection, an error while reading): one line, exit code 1. */
export class RecordFailure extends Error {}

export async function record(argv: readonly string[]): Promise<void> {
  const { url, method, headers, body, name, out } = options(argv)
  if (url === undefined) return void console.log(RECORD_HELP)

  const controller = new AbortController()
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) process.exit(130) // a second Ctrl-C: do not wait
    interrupted = true
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    let response: Response
    try {
      response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: controller.signal })
    } catch (error) {
      if (interrupted) throw new RecordFailure(`record: stopped before ${url.href} answered; nothing written`)
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      throw new RecordFailure(`record: cannot reach ${url.href} (${cause?.code ?? cause?.message ?? (error as Error).message})`)
    }
    const start = performance.now()
    const fd = openFile(out)
    let bytes = 0
    let last = 0
    let text = ''
    try {
      writeSync(
        fd,
        formatCaptureHeader({
          name,
          status: response.status,
          contentType: response.headers.get('content-type') ?? 'application/octet-stream',
          method,
          path: url.pathname + url.search,
          recordedAt: new Date().toISOString(),
        }),
      )
      // Streaming decode: a read that ends inside a UTF-8 character holds it back for the next record.
      const decoder = new TextDecoder()
      const write = (data: string, t: number): void => {
        if (data === '') return
        writeSync(fd, formatCaptureRead({ t, data }))
        text += data
        last = t
      }
      const reader = response.body?.getReader()
      try {
        while (reader !== undefined) {
          const { done, value } = await reader.read()
          if (done) break
          bytes += value.length
          write(decoder.decode(value, { stream: true }), Math.round((performance.now() - start) * 10) / 10)
        }
      } catch (error) {
        if (!interrupted)
          throw new RecordFailure(
            `record: the stream from ${url.href} broke after ${bytes} bytes (${(error as Error).message}); ${out} holds what came`,
          )
      }
      write(decoder.decode(), last)
    } finally {
      closeSync(fd)
    }
    const how = interrupted ? ', stopped by Ctrl-C' : ''
    console.log(
      `tokensim: recorded ${name} to ${out}: ${countEvents(text)} events, ${bytes} bytes, ${Math.round(last)} ms (HTTP ${response.status}${how})`,
    )
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

function openFile(out: string): number {
  try {
    return openSync(out, 'w')
  } catch (error) {
    throw new RecordFailure(`record: cannot write ${out} (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
}

interface RecordOptions {
  readonly url: URL | undefined
  readonly method: string
  readonly headers: Headers
  readonly body: string | undefined
  readonly name: string
  readonly out: string
}

function options(argv: readonly string[]): RecordOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        method: { type: 'string' },
        header: { type: 'string', multiple: true },
        data: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new RecordUsageError(`record: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')} (see tokensim record --help)`)
  }
  const { values, positionals } = parsed
  const none = { url: undefined, method: '', headers: new Headers(), body: undefined, name: '', out: '' }
  if (values.help) return none
  if (positionals.length !== 1) throw new RecordUsageError(`record needs one URL; got ${positionals.length} (see tokensim record --help)`)
  let url: URL
  try {
    url = new URL(positionals[0]!)
  } catch {
    throw new RecordUsageError(`record: not a URL: ${JSON.stringify(positionals[0])}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RecordUsageError(`record: the URL must be http or https; got ${url.protocol}`)
  const out = values.out
  if (out === undefined || out === '') throw new RecordUsageError('record needs --out FILE: where to write the capture')
  const method = (values.method ?? (values.data !== undefined ? 'POST' : 'GET')).toUpperCase()
  if (!/^[A-Z]{1,16}$/.test(method))
    throw new RecordUsageError(`record: --method must be an HTTP method; got ${JSON.stringify(values.method)}`)
  const headers = new Headers()
  for (const header of values.header ?? []) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(header)
    if (match === null) throw new RecordUsageError(`record: --header must be "name: value"; got ${JSON.stringify(header)}`)
    headers.append(match[1]!, match[2]!)
  }
  if (values.data !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json')
  const name = values.name ?? basename(out, extname(out))
  if (!CAPTURE_NAME.test(name)) {
    const given = values.name !== undefined ? '--name' : `--out's file name`
    throw new RecordUsageError(`record: ${given} gives ${JSON.stringify(name)}, but ${CAPTURE_NAME_RULE}`)
  }
  return { url, method, headers, body: values.data, name, out }
}
