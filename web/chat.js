/** The conversation's DOM: user and assistant messages, the notices and the footer of a reply. */
import { el } from './dom.js'

/**
 * @typedef {object} AssistantMessage
 * @property {HTMLElement} root     the <article>; `data-state` is waiting | streaming | done | stopped | error
 * @property {HTMLElement} content  where the reply renders
 * @property {HTMLElement} notices  reconnect and connection notices
 * @property {HTMLElement} footer   the summary line and actions, once the reply is over
 */

/**
 * @param {HTMLElement} log
 * @param {{ reply: string } | { text: string }} source
 */
export function addUserMessage(log, source) {
  const root = el('article', 'msg msg-user')
  root.setAttribute('aria-label', 'You')
  const bubble = el('div', 'bubble')
  if ('text' in source) {
    bubble.textContent = source.text
  } else {
    bubble.classList.add('bubble-canned')
    bubble.append(el('span', 'canned-tag', 'canned reply'), el('span', 'sr-only', ': '), el('span', 'canned-name', source.reply))
  }
  root.append(bubble)
  log.append(root)
  return root
}

/**
 * @param {HTMLElement} log
 * @param {string} label  what is being streamed, for the message's header
 * @returns {AssistantMessage}
 */
export function addAssistantMessage(log, label) {
  const root = el('article', 'msg msg-assistant')
  root.dataset.state = 'waiting'
  root.setAttribute('aria-busy', 'true')
  root.setAttribute('aria-label', 'tokensim')

  const avatar = el('div', 'avatar')
  avatar.setAttribute('aria-hidden', 'true')
  const body = el('div', 'msg-body')
  const head = el('div', 'msg-head')
  head.append(el('span', 'msg-author', 'tokensim'), el('span', 'msg-label', label))
  const bubble = el('div', 'bubble')
  const content = el('div', 'content md')
  const typing = el('div', 'typing')
  typing.append(el('i'), el('i'), el('i'), el('span', 'sr-only', 'Waiting for the first token'))
  const notices = el('ul', 'notices')
  const footer = el('div', 'msg-footer')
  bubble.append(typing, content)
  body.append(head, bubble, notices, footer)
  root.append(avatar, body)
  log.append(root)
  return { root, content, notices, footer }
}

/**
 * @param {AssistantMessage} msg
 * @param {string} text
 * @param {'resume' | 'warn' | 'buffer' | 'stall'} kind
 */
export function addNotice(msg, text, kind) {
  const item = el('li', `notice notice-${kind}`, text)
  msg.notices.append(item)
  return item
}

/**
 * What an error says besides its message: the HTTP status a refused request got (`429 Too Many Requests`),
 * when to retry (the `retry-after` header, in seconds), the error's type or code (`overloaded_error`).
 * @typedef {object} ErrorDetails
 * @property {string} [status]
 * @property {string} [retryAfter]
 * @property {string} [code]
 */

/**
 * Shows an error inside the assistant bubble: a title, chips for the status, retry-after and error code, and
 * the server's message.
 * @param {AssistantMessage} msg
 * @param {string} title
 * @param {string} message
 * @param {ErrorDetails} [details]
 */
export function showError(msg, title, message, details = {}) {
  const box = el('div', 'error-box')
  box.setAttribute('role', 'alert')
  const head = el('div', 'error-head')
  head.append(el('strong', 'error-title', title))
  if (details.status) head.append(el('span', 'error-chip error-status', `HTTP ${details.status}`))
  if (details.retryAfter) head.append(el('span', 'error-chip', `retry after ${details.retryAfter} s`))
  if (details.code) head.append(el('code', 'error-chip error-code', details.code))
  box.append(head, el('p', 'error-message', message))
  msg.content.after(box)
}

/**
 * The line under a finished reply: a summary and a Copy button for the raw text.
 * @param {AssistantMessage} msg
 * @param {string} text
 * @param {string} raw
 */
export function setFooter(msg, text, raw) {
  const copy = el('button', 'btn btn-tiny', 'Copy')
  copy.type = 'button'
  copy.title = 'Copy the raw reply text'
  const copyRaw = async () => {
    try {
      await navigator.clipboard.writeText(raw)
      copy.textContent = 'Copied'
    } catch {
      copy.textContent = 'Copy failed'
    }
    setTimeout(() => (copy.textContent = 'Copy'), 1500)
  }
  copy.addEventListener('click', () => void copyRaw())
  msg.footer.replaceChildren(el('span', 'msg-summary', text), ...(raw ? [copy] : []))
}
