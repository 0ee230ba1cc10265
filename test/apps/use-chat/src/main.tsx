/**
 * The app's entry: the chat id from the URL (a new one written into it on the first visit, so a reload keeps
 * it), the scope a test gives (`?scope=`, sent as `x-tokensim-scope`), then the chat. With `?mock=msw` the app
 * runs with no server: tokensim's MSW handlers answer its /api/chat in the page, with the options a test leaves
 * in `window.tokensimOptions` (scenarios, latency).
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { MswOptions } from 'tokensim/msw'
import { Chat } from './chat.js'

declare global {
  interface Window {
    tokensimOptions?: MswOptions
  }
}

const url = new URL(location.href)
let id = url.searchParams.get('chat')
if (id === null) {
  id = crypto.randomUUID()
  url.searchParams.set('chat', id)
  history.replaceState(null, '', url)
}
const scope = url.searchParams.get('scope')
const headers: Record<string, string> = scope === null ? {} : { 'x-tokensim-scope': scope }

if (url.searchParams.get('mock') === 'msw') {
  // MSW only in mock mode, loaded on demand: the app's own bundle does not carry it
  const { setupWorker } = await import('msw/browser')
  const { tokensimHandlers } = await import('tokensim/msw')
  const { handlers } = tokensimHandlers(window.tokensimOptions ?? {})
  await setupWorker(...handlers).start({ onUnhandledRequest: 'bypass' })
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Chat id={id} headers={headers} />
  </StrictMode>,
)
