/**
 * `tokensim record` end to end, as child processes: record tokensim's own /v1/chat/completions stream, replay
 * it with --captures, and compare the bytes exactly and the timing within generous bounds; Ctrl-C keeps what
 * came; bad arguments and unreachable servers are one line. Also the start-up errors of a broken --captures.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { countEvents } from '../../src/core/capture.js'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { loadCaptureFile } from '../../src/node/captures-file.js'
import { failureLine, killChildren, runCli, startCli } from '../helpers/cli.js'
import { parseInPieces, until } from '../helpers/sse.js'
import { freePort } from '../helpers/ports.js'

const TEST_MS = 60_000
const dir = mkdtempSync(join(tmpdir(), 'tokensim-record-'))
afterEach(killChildren)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const CHAT = JSON.stringify({ model: 'tokensim-fast', stream: true, messages: [{ role: 'user', content: 'Hi' }] })

describe('tokensim record', () => {
  it('records tokensim, and --captures replays the same bytes with the same timing', { timeout: TEST_MS }, async () => {
    const { url } = await startCli()
    const out = join(dir, 'chat.jsonl')
    const recorder = runCli([
      'record',
      `${url}/v1/chat/completions`,
      '--header',
      'x-tokensim-reply: greeting',
      '--data',
      CHAT,
      '--name',
      'chat',
      '--out',
      out,
    ])
    expect(await recorder.exited, recorder.stderr()).toBe(0)
    const summary = /^tokensim: recorded chat to (.+): (\d+) events, (\d+) bytes, (\d+) ms \(HTTP 200\)\n$/.exec(recorder.stdout())
    expect(summary, recorder.stdout()).not.toBeNull()
    expect(summary![1]).toBe(out)

    const capture = loadCaptureFile(out)
    const recorded = capture.reads.map((r) => r.data).join('')
    expect(capture).toMatchObject({ name: 'chat', status: 200, method: 'POST', path: '/v1/chat/completions', timed: true })
    expect(Number(summary![2])).toBe(countEvents(recorded))
    expect(Number(summary![3])).toBe(Buffer.byteLength(recorded))
    const duration = capture.reads.at(-1)!.t
    // tokensim-fast: 150 ms median to the first token, then 39 tokens about 8 ms apart.
    expect(duration).toBeGreaterThan(100)
    expect(duration).toBeLessThan(5000)
    const text = parseInPieces(recorded)
      .filter((e) => e.data !== '[DONE]')
      .map((e) => (JSON.parse(e.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
      .join('')
    expect(text).toBe(BUILTIN_REPLIES.find((r) => r.name === 'greeting')!.text)

    const replayer = await startCli(['--captures', out])
    const started = performance.now()
    const response = await fetch(`${replayer.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-tokensim-capture': 'chat' },
      body: CHAT,
    })
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let replayed = ''
    let firstAt: number | undefined
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      firstAt ??= performance.now() - started
      replayed += decoder.decode(value, { stream: true })
    }
    const elapsed = performance.now() - started
    expect(replayed).toBe(recorded)
    expect(elapsed).toBeGreaterThanOrEqual(duration - 20)
    expect(elapsed).toBeLessThan(duration + 3000)
    expect(firstAt!).toBeGreaterThanOrEqual(capture.reads[0]!.t - 20)
  })

  it('Ctrl-C stops it and keeps what was captured', { timeout: TEST_MS }, async () => {
    const { url } = await startCli()
    const out = join(dir, 'slow.jsonl')
    const recorder = runCli([
      'record',
      `${url}/stream?text=${encodeURIComponent('one two three four five six seven eight')}&unit=word&delay=400&ttft=0`,
      '--out',
      out,
    ])
    await until(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 3, 'two records', 15_000)
    recorder.child.kill('SIGINT')
    expect(await recorder.exited).toBe(0)
    expect(recorder.stdout()).toMatch(/^tokensim: recorded slow to .*: \d+ events, \d+ bytes, \d+ ms \(HTTP 200, stopped by Ctrl-C\)\n$/)
    const capture = loadCaptureFile(out)
    expect(capture.reads.length).toBeGreaterThanOrEqual(2)
    expect(capture.reads.map((r) => r.data).join('')).toMatch(/event: token/)
  })

  it('--help prints its usage', { timeout: TEST_MS }, async () => {
    const cli = runCli(['record', '--help'])
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/Usage: tokensim record URL/)
    for (const flag of ['--out', '--method', '--header', '--data', '--name']) expect(cli.stdout()).toContain(flag)
  })

  const refusals: ReadonlyArray<readonly [string, readonly string[], number, RegExp]> = [
    ['no --out', ['http://127.0.0.1:9/x'], 2, /record needs --out FILE/],
    ['no URL', ['--out', join(dir, 'x.jsonl')], 2, /record needs one URL; got 0/],
    [
      'a bad header',
      ['http://127.0.0.1:9/x', '--header', 'no colon', '--out', join(dir, 'x.jsonl')],
      2,
      /--header must be "name: value"; got "no colon"/,
    ],
    ['a bad name', ['http://127.0.0.1:9/x', '--name', 'a b', '--out', join(dir, 'x.jsonl')], 2, /--name gives "a b"/],
    ['an unknown flag', ['http://127.0.0.1:9/x', '--frob'], 2, /--frob/],
    [
      'a server that is not there',
      ['http://127.0.0.1:FREE/x', '--out', join(dir, 'x.jsonl')],
      1,
      /record: cannot reach http:\/\/127\.0\.0\.1:\d+\/x \(ECONNREFUSED\)/,
    ],
  ]
  it.each(refusals)('refuses %s with one line', { timeout: TEST_MS }, async (_, args, code, message) => {
    const port = String(await freePort())
    expect(await failureLine(runCli(['record', ...args.map((arg) => arg.replace('FREE', port))]), code)).toMatch(message)
  })
})

describe('tokensim --captures refuses a broken capture at start-up', () => {
  const broken = join(dir, 'broken.jsonl')
  writeFileSync(
    broken,
    '{"tokensim_capture":1,"status":200,"content_type":"text/event-stream","method":"GET","path":"/stream"}\n{"t":5,"data":"data: a\\n\\n"}\n{"t":2,"data":"data: b\\n\\n"}\n',
  )
  const twins = mkdtempSync(join(dir, 'twins-'))
  writeFileSync(join(twins, 'a.sse'), 'data: a\n\n')
  writeFileSync(
    join(twins, 'b.jsonl'),
    '{"tokensim_capture":1,"name":"a","status":200,"content_type":"text/event-stream","method":"GET","path":"/stream"}\n',
  )
  const empty = mkdtempSync(join(dir, 'empty-'))

  const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
    [
      'a record out of order',
      broken,
      new RegExp(`^tokensim: --captures ${escape(broken)}: line 3: t 2 is earlier than the record before it`),
    ],
    ['a missing file', join(dir, 'nope.jsonl'), /--captures .*nope\.jsonl: cannot read it \(ENOENT\)/],
    [
      'two captures of one name',
      twins,
      new RegExp(`${escape(join(twins, 'b.jsonl'))}: the capture name "a" is taken by ${escape(join(twins, 'a.sse'))}`),
    ],
    ['a folder with none', empty, /the folder holds no captures \(\.jsonl or \.sse files\)/],
  ]
  it.each(cases)('%s', { timeout: TEST_MS }, async (_, path, message) => {
    expect(await failureLine(runCli(['--port', '0', '--captures', path]))).toMatch(message)
  })

  it('serves the shipped fixtures folder', { timeout: TEST_MS }, async () => {
    const { url } = await startCli(['--captures', 'test/fixtures/captures'])
    const listed = (await (await fetch(`${url}/captures`)).json()) as { captures: { name: string }[] }
    expect(listed.captures.map((c) => c.name)).toEqual(['anthropic-thinking', 'native-flaky', 'openai-chat-markdown'])
  })
})
