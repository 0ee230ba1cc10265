/**
 * The composer: a canned reply (from GET /replies) or the user's own text, what it will send, and the
 * suggestion cards of the empty conversation.
 */
import { $, el } from './dom.js'

/** @typedef {{ name: string, description: string, chars?: number, words?: number, tokens?: number }} ReplyInfo */
/** @typedef {{ reply: string } | { text: string }} Source */

const replySelect = /** @type {HTMLSelectElement} */ ($('reply'))
const replyDescription = $('reply-description')
const textInput = /** @type {HTMLTextAreaElement} */ ($('text'))
const textMode = /** @type {HTMLInputElement} */ ($('mode-text'))
const cannedMode = /** @type {HTMLInputElement} */ ($('mode-canned'))
const hint = $('composer-hint')

/** @type {ReplyInfo[]} */
let replies = []

/** @type {(name: string) => void} */
let pickSuggestion = () => {}

/** @param {{ onChange: () => void, onPick: () => void }} handlers  onPick: a suggestion card was clicked */
export function initComposer({ onChange, onPick }) {
  $('composer').addEventListener('change', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.name === 'mode') {
      showMode()
      ;(textMode.checked ? textInput : replySelect).focus()
    }
  })
  replySelect.addEventListener('change', () => {
    describeReply()
    onChange()
  })
  pickSuggestion = (name) => {
    cannedMode.checked = true
    showMode()
    replySelect.value = name
    describeReply()
    onChange()
    onPick()
  }
  showMode()
}

function showMode() {
  $('text-field').hidden = !textMode.checked
  $('canned-field').hidden = textMode.checked
}

function describeReply() {
  replyDescription.textContent = replies.find((r) => r.name === replySelect.value)?.description ?? ''
}

/**
 * Fetches the canned replies and fills the picker and the suggestion cards.
 * @param {string | null} wanted  the reply to select, if it exists
 */
export async function loadReplies(wanted) {
  try {
    const response = await fetch('/replies', { headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const body = await response.json()
    replies = Array.isArray(body?.replies) ? body.replies.filter((/** @type {ReplyInfo} */ r) => typeof r?.name === 'string') : []
  } catch {
    replies = []
  }
  replySelect.replaceChildren(...replies.map((r) => new Option(r.name, r.name)))
  if (replies.length === 0) {
    replySelect.append(new Option('(no canned replies: is the server running?)', ''))
    textMode.checked = true
    showMode()
  }
  if (wanted && replies.some((r) => r.name === wanted)) replySelect.value = wanted
  describeReply()
  $('suggestions').replaceChildren(
    ...replies.map((r) => {
      const card = el('button', 'suggestion')
      card.type = 'button'
      card.append(el('span', 'suggestion-name', r.name), el('span', 'suggestion-text', r.description))
      card.addEventListener('click', () => pickSuggestion(r.name))
      return card
    }),
  )
}

/** What Send would stream, or null (with a hint shown) when there is nothing to send. @returns {Source | null} */
export function currentSource() {
  if (textMode.checked) {
    if (textInput.value.trim() !== '') return { text: textInput.value }
    flashHint('Type the text the model should reply with first.')
    textInput.focus()
    return null
  }
  if (replySelect.value !== '') return { reply: replySelect.value }
  flashHint('No canned replies to pick from: type your own text instead.')
  return null
}

/**
 * The reply's length in units before it streams, when /replies counts that unit (it counts words and
 * tokens; its `chars` are UTF-16 code units, not the grapheme clusters `char` streams).
 * @param {Source} source
 * @param {string} unit
 * @returns {number | null}
 */
export function knownTotal(source, unit) {
  if (!('reply' in source)) return null
  const info = replies.find((r) => r.name === source.reply)
  const total = unit === 'token' ? info?.tokens : unit === 'word' ? info?.words : undefined
  return typeof total === 'number' && Number.isInteger(total) ? total : null
}

/** The picked reply when it is not the first (default) one: worth keeping in the page URL. */
export function chosenReply() {
  return replySelect.value !== '' && replySelect.value !== replies[0]?.name ? replySelect.value : null
}

/** @param {string} text */
function flashHint(text) {
  hint.textContent = text
  hint.classList.add('visible')
  setTimeout(() => hint.classList.remove('visible'), 3000)
}
