/**
 * Presenter mode and the share link.
 *
 * Presenter mode (the Present button, the P key outside a text field, or `presenter=1` in the page URL) shows
 * only the replies and the figures that matter to a room, in large type: in the compare view each pane's name,
 * time to first token, units per second, measured gap p50 / p99, reading pace and stall indicator; for a single
 * reply, the same figures from the panel. The wire pane, the settings and the rest of the figures are hidden
 * (style.css, `.app[data-presenter='on']`), and come back as they were when it is left. It is kept in the page
 * URL, so a link opens in it.
 *
 * The share link (the Share link button) copies the page URL, which the page keeps in step with its settings
 * (settings.js: the reply, the latency or the compare view's panes, unit, chunk, seed, faults, format, token
 * boundaries, and presenter mode): opened elsewhere, it sets up the same demo.
 */
import { $ } from './dom.js'
import { presenterInUrl, savePresenterToUrl } from './settings.js'

const app = $('app')
const toggle = $('toggle-presenter')
const share = $('share-link')
const shareLabel = $('share-link-label')
const shareField = /** @type {HTMLInputElement} */ ($('share-link-field'))

/** The key that turns presenter mode on and off (outside a text field, without a modifier). */
export const PRESENTER_KEY = 'p'

/** Whether presenter mode is on. */
export const presenting = () => app.dataset.presenter === 'on'

/** @param {boolean} on */
export function setPresenter(on) {
  app.dataset.presenter = on ? 'on' : 'off'
  toggle.setAttribute('aria-pressed', String(on))
  savePresenterToUrl(on)
}

/** Whether a key press belongs to a field being typed in (a text input, a text area, a select, an editable). @param {EventTarget | null} target */
function typing(target) {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'submit', 'reset'].includes(target.type)
}

toggle.addEventListener('click', () => setPresenter(!presenting()))

document.addEventListener('keydown', (event) => {
  if (event.key.toLowerCase() !== PRESENTER_KEY || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return
  if (typing(event.target)) return
  event.preventDefault()
  setPresenter(!presenting())
})

/** @type {number | undefined} */
let shareTimer

/** Copies the page's link, or shows it selected where there is no clipboard. */
async function shareLink() {
  const link = location.href
  let copied = false
  try {
    await navigator.clipboard.writeText(link)
    copied = true
  } catch {
    // no clipboard here (a page served over plain http from another host is not a secure context): the link
    // shows, selected, for Ctrl+C
  }
  shareField.value = link
  shareField.hidden = copied
  if (!copied) {
    shareField.focus()
    shareField.select()
  }
  share.dataset.copied = String(copied)
  shareLabel.textContent = copied ? 'Link copied' : 'Copy the link'
  window.clearTimeout(shareTimer)
  shareTimer = window.setTimeout(() => {
    shareLabel.textContent = 'Share link'
    delete share.dataset.copied
  }, 2500)
}
share.addEventListener('click', () => void shareLink())

shareField.addEventListener('blur', () => {
  shareField.hidden = true
})

setPresenter(presenterInUrl())
