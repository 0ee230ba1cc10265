/**
 * The chat app's Vite config, as a frontend project has it: React, and the app's /api proxied to tokensim in
 * development and in `vite preview` (the app calls its own /api/chat, which tokensim answers). The MSW mode's
 * Service Worker script, mockServiceWorker.js, is copied from the msw package into the build's root (where
 * `npx msw init public` would put it), and `tokensim/msw` is this repository's source, where an app that installs
 * tokensim imports the package's.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

/** Emits msw's own mockServiceWorker.js at the root of the build, where setupWorker().start() registers it. */
function mockServiceWorker(): Plugin {
  return {
    name: 'mock-service-worker',
    apply: 'build',
    generateBundle() {
      const file = createRequire(import.meta.url).resolve('msw/mockServiceWorker.js')
      this.emitFile({ type: 'asset', fileName: 'mockServiceWorker.js', source: readFileSync(file, 'utf8') })
    },
  }
}

export default defineConfig({
  plugins: [react(), mockServiceWorker()],
  resolve: { alias: { 'tokensim/msw': fileURLToPath(new URL('../../../src/msw.ts', import.meta.url)) } },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
  preview: { proxy: { '/api': 'http://127.0.0.1:8787' } },
  // tokensim/msw carries the o200k_base tokenizer's tables (about 2.5 MB), in a chunk only the mock mode loads
  build: { chunkSizeWarningLimit: 3000 },
})
