/**
 * Peer for the benchmark's vendor series: aimock (@copilotkit/aimock, a mock of the vendor APIs for tests) on
 * its OpenAI chat completions route, with a fixture that answers the series' request
 * (`Explain how streaming works.`) with tokensim's `long` reply, one chunk per o200k token as tokensim sends it.
 *
 * aimock cuts a fixture's text into chunks of `chunkSize` characters; a fixture of ordered text `blocks` is cut
 * block by block, so one block per token, each shorter than `chunkSize`, gives one chunk per token. It paces
 * chunks by a delay before each (`recordedTimings`, as its recorder captures them, or a `streamingProfile`), a
 * `setTimeout` after the previous write: no delay before the first chunk (the role chunk: the head goes out at
 * once, as tokensim's does), TTFT ms before the first token, then DELAY ms before each of the others and before
 * the finish chunk.
 *
 * PORT (0: any), DELAY (ms, default 20), `--ttft MS` (default 0); prints `serving http://127.0.0.1:PORT`.
 */
import { LLMock } from '@copilotkit/aimock'
import { parseArgs } from 'node:util'
import { long } from '../../src/core/replies/long.js'
import { split } from '../../src/core/split.js'

const { values } = parseArgs({ options: { ttft: { type: 'string', default: '0' } } })
const delay = Number(process.env['DELAY'] ?? 20)
const ttft = Number(values.ttft)
const tokens = split(long.text, 'token')

const mock = new LLMock({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1', logLevel: 'silent' })
mock.on(
  { userMessage: 'Explain how streaming works.' },
  { blocks: tokens.map((text) => ({ type: 'text' as const, text })) },
  {
    // Longer than any token (15 characters at most in this reply): one chunk per block.
    chunkSize: 1_000_000,
    // Delays before each chunk: the role chunk, the tokens, the finish chunk ([DONE] follows it at once).
    recordedTimings: {
      ttftMs: 0,
      interChunkDelaysMs: [ttft, ...tokens.slice(1).map(() => delay), delay],
      totalDurationMs: ttft + tokens.length * delay,
    },
  },
)
await mock.start()
console.log(`serving http://127.0.0.1:${mock.port}`)
