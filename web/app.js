/**
 * The page: runs one stream at a time from the composer and the settings, in the chosen wire format (native
 * /stream through EventSource, a vendor format through fetch), into a new assistant message, and keeps the
 * figures, the timeline and the wire pane up to date. Rendering happens in one requestAnimationFrame loop while
 * a stream runs, so a burst of events costs at most one render per frame.
 */
import { addAssistantMessage, addNotice, addUserMessage, setFooter, showError } from './chat.js'
import { chosenReply, currentSource, initComposer, knownTotal, loadReplies } from './composer.js'
import { $ } from './dom.js'
import { chosenFormat, clearFieldErrors, initPanel, markFieldError, syncPanel } from './panel.js'
import { ReplyView } from './reply.js'
import { loadFromUrl, readSettings, saveToUrl, streamHeaders, streamUrl } from './settings.js'
import { StreamStats, renderFigures, summary } from './stats.js'
import { openStream } from './stream.js'
import { Timeline } from './timeline.js'
import { openVendorStream } from './vendor-stream.js'
import { WirePane } from './wire.js'

const app = $('app')
const log = $('log')
const empty = $('empty')
const sendButton = /** @type {HTMLButtonElement} */ ($('send'))
const stopButton = /** @type {HTMLButtonElement} */ ($('stop'))
const boundaries = /** @type {HTMLInputElement} */ ($('boundaries'))
const status = $('status')
const figures = $('figures')
const timeline = new Timeline(/** @type {HTMLCanvasElement} */ ($('timeline')))
const wire = new WirePane()

/** A random id for the AI SDK's chat and message ids (getRandomValues works outside secure contexts too). */
const newId = () => Array.from(crypto.getRandomValues(new Uint32Array(3)), (n) => n.toString(36)).join('')

/** The conversation's id, as useChat keeps one per chat. */
let chatId = newId()

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
  wire.flush()
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
  run?.handle?.close() // a finished vendor stream may still be reading what trails its end event
  clearFieldErrors()
  const settings = readSettings()
  const unit = settings.unit || 'token'
  const format = chosenFormat()

  empty.hidden = true
  addUserMessage(log, source)
  const chunk = settings.chunk !== '' && settings.chunk !== '1' ? ` × ${settings.chunk}` : ''
  const via = format.id === 'native' ? '' : ` · ${format.id}`
  const msg = addAssistantMessage(log, `${'text' in source ? 'your text' : source.reply} · ${unit}${chunk}${via}`)
  msg.root.dataset.format = format.id
  wire.show(format, true)
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

  /** @type {import('./stream.js').StreamHandlers} */
  const handlers = {
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
      wire.note(`reconnected with Last-Event-ID: ${lastId === '' ? '(none)' : lastId}`, performance.now() - stats.sentAt)
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
    onWire(message, at, text) {
      if (run !== current) return // events that trail a finished reply still show, until the next Send
      wire.push(message, at - stats.sentAt, text)
      requestFrame()
    },
  }
  if (format.request === null) {
    current.handle = openStream(streamUrl(source, settings), handlers)
  } else {
    const chunkSize = Number(settings.chunk)
    current.handle = openVendorStream(
      {
        format,
        input: { text: 'text' in source ? source.text : source.reply, chatId, messageId: newId() },
        headers: streamHeaders(source, settings),
        unitsPerEvent: Number.isInteger(chunkSize) && chunkSize >= 1 ? chunkSize : 1,
        total: stats.total,
      },
      handlers,
    )
  }
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
  wire.flush()
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
  run?.handle?.close()
  for (const node of [...log.children]) if (node !== empty) node.remove()
  views.length = 0
  run = null
  empty.hidden = false
  renderFigures(figures, null)
  setStatus('idle', 'Idle')
  timeline.reset(0)
  wire.clear(chosenFormat())
  chatId = newId()
}

function persist() {
  saveToUrl({ reply: chosenReply(), boundaries: boundaries.checked, format: chosenFormat().id })
}

/** A setting changed: into the URL, and the wire pane names the new format while it shows nothing else. */
function settingsChanged() {
  persist()
  wire.show(chosenFormat(), false)
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
initPanel(settingsChanged, initial.format)
wire.show(chosenFormat(), false)
initComposer({ onChange: persist, onPick: send })
syncPanel()
timeline.reset(0)
loadReplies(initial.reply).then(() => {
  persist()
  app.dataset.ready = 'true'
})
