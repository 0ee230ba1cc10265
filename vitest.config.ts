import { defineConfig } from 'vitest/config'

export default defineConfig({
  // `tokensim/vitest` and the other subpaths as tsconfig.json's paths name them: the package's sources, unbuilt.
  resolve: { tsconfigPaths: true },
  test: {
    include: ['test/**/*.test.ts'],
    // The current-majors SDK suite runs under Node 24 on its own (npm run test:current).
    exclude: ['test/node24/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: the browser and CLI tests spawn processes of their own.
    maxWorkers: 2,
  },
})
