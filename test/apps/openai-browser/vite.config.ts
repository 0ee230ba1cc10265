/**
 * The page's Vite config: `tokensim/msw` is this repository's source, where an app that installs tokensim imports
 * the package's. MSW's mockServiceWorker.js is served beside the build by the test's static server.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  resolve: { alias: { 'tokensim/msw': fileURLToPath(new URL('../../../src/msw.ts', import.meta.url)) } },
  // tokensim/msw carries the o200k_base tokenizer's tables (about 2.5 MB).
  build: { chunkSizeWarningLimit: 4000 },
})
