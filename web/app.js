/**
 * The page: runs one stream at a time from the composer and the settings, into a new assistant message, and
 * keeps the figures and the timeline up to date. Rendering happens in one requestAnimationFrame loop while a
 * stream runs, so a burst of events costs at most one render per frame.
 */
import { addAssistantMessage, addNotice, addUserMessage, setFooter, showError } from './chat.js'
import { chosenReply, currentSource, initComposer, knownTotal, loadReplies } from './composer.js'
import { $ } from './dom.js'
import { clearFieldErrors, initPanel, markFieldError, syncPanel } from './panel.js'
import { ReplyView } from './reply.js'
import { loadFromUrl, readSettings, saveToUrl, streamUrl } from './settings.js'
import { StreamStats, renderFigures, summary } from './stats.js'
import { openStream } from './stream.js'
import { Timeline } from './timeline.js'

const app = $('app')
const log = $('log')
const empty = $('empty')
const sendButton = /** @type {HTMLButtonElement} */ ($('send'))
const stopButton = /** @type {HTMLButtonElement} */ ($('stop'))
const boundaries = /** @type {HTMLInputElement} */ ($('boundaries'))
const status = $('status')
const figures = $('figures')
const timeline = new Timeline(/** @type {HTMLCanvasElement} */ ($('timeline')))

/** @type {ReplyView[]} every reply in the conversation, to re-render them all when the display mode changes */
const views = []

/**
 * The stream in progress (or the last one, whose figures stay on show).
 * @typedef {object} Run
 * @property {boolean} active
 * @property {ReplyView} view
 * @property {StreamStats} stats
 * @property {import('./chat.js').AssistantMessage} msg
 * @property {string} unit
 * @property {boolean} resumed   the next token is the first after a reconnect
 * @property {boolean} warned    the "cannot reach the server" notice is shown
 * @property {{ close(): void } | null} handle
 */
/** @type {Run | null} */
let run = null

// ---- the frame loop --------------------------------------------------------------------------------------

let frameId = 0
let stickToBottom = true

function requestFrame() {
  if (frameId === 0) frameId = requestAnimationFrame(frame)
}

/** @param {number} now */
function frame(now) {
  frameId = 0
  let changed = false
  for (const view of views) changed = view.render(now) || changed
  if (run) renderFigures(figures, run.stats.snapshot(performance.now()))
  timeline.flush()
  if (changed && stickToBottom) log.scrollTop = log.scrollHeight
  if (run?.active || views.some((view) => view.dirty)) requestFrame()
}

log.addEventListener('scroll', () => {
  stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48
})

// ---- sending and stopping --------------------------------------------------------------------------------

function send() {
  if (run?.active) return
  const source = currentSource()
  if (source === null) return
  clearFieldErrors()
  const settings = readSettings()
  const unit = settings.unit || 'token'

  empty.hidden = true
  addUserMessage(log, source)
  const chunk = settings.chunk !== '' && settings.chunk !== '1' ? ` × ${settings.chunk}` : ''
  const msg = addAssistantMessage(log, `${'text' in source ? 'your text' : source.reply} · ${unit}${chunk}`)
  const view = new ReplyView(msg.content, msg.root, boundaries.checked)
  views.push(view)
  const stats = new StreamStats(performance.now())
  stats.total = knownTotal(source, unit)
  timeline.reset(Number(settings.delay) * (Number(settings.chunk) || 1)) // the mean gap between events
  setUnitLabels(unit)

  /** @type {Run} */
  const current = { active: true, view, stats, msg, unit, resumed: false, warned: false, handle: null }
  run = current
  stickToBottom = true
  log.scrollTop = log.scrollHeight
  setStatus('waiting', 'Waiting')
  setBusy(true)
  const live = () => run === current && current.active

  current.handle = openStream(streamUrl(source, settings), {
    onToken(data, at) {
      if (!live()) return
      if (stats.events === 0) {
        msg.root.dataset.state = 'streaming'
        setStatus('streaming', 'Streaming')
      }
      const gap = stats.token(data.units, at)
      timeline.push(gap, stats.events === 1 ? 'first' : current.resumed ? 'resume' : 'gap')
      current.resumed = false
      view.append(data.text, data.index, data.units)
      requestFrame()
    },
    onDone(data) {
      if (!live()) return
      if (Number.isInteger(data.tokens)) stats.total = data.tokens
      finish(current, 'done')
    },
    onResume(lastId) {
      if (!live()) return
      stats.reconnects += 1
      current.resumed = true
      addNotice(msg, `Connection dropped — resumed after unit ${lastId === '' ? 'none' : lastId}`, 'resume')
      setStatus('streaming', 'Streaming')
      requestFrame()
    },
    onDrop() {
      if (live()) setStatus('reconnecting', 'Reconnecting')
    },
    onUnreachable() {
      if (!live() || current.warned) return
      current.warned = true
      addNotice(msg, 'Cannot reach the server yet; the browser keeps retrying. Press Stop to give up.', 'warn')
      setStatus('reconnecting', 'Connecting')
    },
    onError(failure) {
      if (!live()) return
      finish(current, 'error')
      showError(msg, stats.events === 0 ? 'The stream could not start' : 'The stream broke off', failure.message)
      markFieldError(failure.param)
    },
  })
  requestFrame()
}

function stop() {
  if (!run?.active) return
  run.handle?.close()
  finish(run, 'stopped')
}

/**
 * @param {Run} current
 * @param {'done' | 'stopped' | 'error'} state
 */
function finish(current, state) {
  const now = performance.now()
  current.active = false
  current.stats.end(now)
  current.view.setStreaming(false)
  current.view.render(now, true)
  current.msg.root.dataset.state = state
  current.msg.root.setAttribute('aria-busy', 'false')
  const snapshot = current.stats.snapshot(now)
  renderFigures(figures, snapshot)
  timeline.flush()
  setStatus(state, { done: 'Done', stopped: 'Stopped', error: 'Error' }[state])
  if (state !== 'error' || snapshot.units > 0) {
    const prefix = state === 'stopped' ? `Stopped after ${snapshot.units}${snapshot.total === null ? '' : ` of ${snapshot.total}`} · ` : ''
    setFooter(current.msg, prefix + summary(snapshot, current.unit), current.view.raw)
  }
  setBusy(false)
  if (stickToBottom) log.scrollTop = log.scrollHeight
}

/** @param {boolean} busy */
function setBusy(busy) {
  sendButton.disabled = busy
  stopButton.disabled = !busy
  log.setAttribute('aria-busy', String(busy))
}

/** @param {string} state @param {string} label */
function setStatus(state, label) {
  status.dataset.state = state
  status.textContent = label
}

/** "Tokens / s" and "Tokens", or words, or chars. @param {string} unit */
function setUnitLabels(unit) {
  const plural = `${unit.charAt(0).toUpperCase()}${unit.slice(1)}s`
  for (const [name, text] of [
    ['tps', `${plural} / s`],
    ['count', plural],
  ]) {
    const label = figures.querySelector(`[data-figure-label="${name}"]`)
    if (label) label.textContent = text
  }
}

function newChat() {
  stop()
  for (const node of [...log.children]) if (node !== empty) node.remove()
  views.length = 0
  run = null
  empty.hidden = false
  renderFigures(figures, null)
  setStatus('idle', 'Idle')
  timeline.reset(0)
}

function persist() {
  saveToUrl({ reply: chosenReply(), boundaries: boundaries.checked })
}

// ---- wiring ------------------------------------------------------------------------------------------------

$('composer').addEventListener('submit', (event) => {
  event.preventDefault()
  send()
})
stopButton.addEventListener('click', stop)
$('new-chat').addEventListener('click', newChat)

document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault()
    send()
  } else if (event.key === 'Escape' && run?.active) {
    event.preventDefault()
    stop()
  }
})

boundaries.addEventListener('change', () => {
  for (const view of views) view.setBoundaries(boundaries.checked)
  persist()
  requestFrame()
})

const initial = loadFromUrl()
boundaries.checked = initial.boundaries
initPanel(persist)
initComposer({ onChange: persist, onPick: send })
syncPanel()
timeline.reset(0)
loadReplies(initial.reply).then(() => {
  persist()
  app.dataset.ready = 'true'
})
