/**
 * The app's entry: the chat id from the URL (a new one written into it on the first visit, so a reload keeps
 * it), the scope a test gives (`?scope=`, sent as `x-tokensim-scope`), then the chat.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Chat } from './chat.js'

const url = new URL(location.href)
let id = url.searchParams.get('chat')
if (id === null) {
  id = crypto.randomUUID()
  url.searchParams.set('chat', id)
  history.replaceState(null, '', url)
}
const scope = url.searchParams.get('scope')
const headers: Record<string, string> = scope === null ? {} : { 'x-tokensim-scope': scope }

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Chat id={id} headers={headers} />
  </StrictMode>,
)
