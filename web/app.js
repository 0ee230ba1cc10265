/**
 * The page: runs the streams of a Send from the composer and the settings, in the chosen wire format (native
 * /stream through EventSource, a vendor format through fetch), with the chosen latency (a server profile, or
 * the latency fields) and faults: one stream into a new assistant message, or, in the compare view, one per
 * pane, started together, each with its own latency and figures. It keeps the figures, the measured
 * distribution, the timeline and the wire pane up to date (for the first pane in the compare view) and watches
 * the native stream for buffering. The streams are read in a worker (arrivals.js), which takes each event's
 * arrival as it comes, so what the page measures does not wait on what the page draws; rendering happens in
 * one requestAnimationFrame loop while a stream runs, so a burst of events costs at most one render per frame.
 */
import { startArrivals } from './arrivals.js'
import { createBufferingDetector, describeBurst } from './buffering.js'
import { addAssistantMessage, addNotice, addUserMessage, setFooter, showError } from './chat.js'
import { compareOn, comparePanes, initCompare } from './compare-panel.js'
import { addCompareMessage } from './compare-view.js'
import { chosenReply, currentSource, initComposer, knownTotal, loadReplies } from './composer.js'
import { afterDemoSet, demoHeaders, describeDemo, initDemos } from './demos.js'
import { createDistribution, renderMeasured } from './distribution.js'
import { $, el } from './dom.js'
import { downloadRecord, runRecord } from './export.js'
import { chosenFaults, initFaults, markFaults, setFaultTransport, unmarkFaults } from './fault-toggles.js'
import { initLatencyPicker, latencyInUrl, pickedProfile } from './latency-picker.js'
import { LaneExtras } from './live-extras.js'
import { chosenFormat, clearFieldErrors, initPanel, markFieldError, syncPanel } from './panel.js'
import { measure } from './percentiles.js'
import { latencyExtras } from './profiles.js'
import { ReplyView } from './reply.js'
import { loadFromUrl, readSettings, saveToUrl, streamHeaders, streamUrl } from './settings.js'
import { clearStallLine } from './stall-indicator.js'
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
const compareToggle = /** @type {HTMLInputElement} */ ($('compare'))
const status = $('status')
const figures = $('figures')
const figuresOf = $('figures-of')
const figuresDistribution = $('figures-distribution')
const timeline = new Timeline(/** @type {HTMLCanvasElement} */ ($('timeline')))
const wire = new WirePane()

/** A random id for the AI SDK's chat and message ids (getRandomValues works outside secure contexts too). */
const newId = () => Array.from(crypto.getRandomValues(new Uint32Array(3)), (n) => n.toString(36)).join('')

/** The conversation's id, as useChat keeps one per chat. */
let chatId = newId()

/** @type {ReplyView[]} every reply in the conversation, to re-render them all when the display mode changes */
const views = []

/**
 * One stream of a Send, into one reply: the conversation's new message, or one pane of the compare view.
 * @typedef {object} Lane
 * @property {boolean} active
 * @property {ReplyView} view
 * @property {StreamStats} stats
 * @property {import('./chat.js').AssistantMessage} msg
 * @property {HTMLElement | null} figures   a pane's own figures (the panel's show the first lane's)
 * @property {HTMLElement | null} scroller  a pane's scrolling body, kept at its end unless scrolled up
 * @property {HTMLProgressElement | null} bar  a pane's progress bar
 * @property {HTMLElement[]} distributions  the tables of its declared and measured distribution (a pane's, the panel's)
 * @property {{ events: number, at: number }} measured  when the measured distribution was last written
 * @property {boolean} stick
 * @property {boolean} resumed   the next token is the first after a reconnect
 * @property {boolean} warned    the "cannot reach the server" notice is shown
 * @property {ReturnType<typeof createBufferingDetector>} buffering
 * @property {LaneExtras} live   its Thinking block, tool cards and stall indicator (live-extras.js)
 * @property {import('./formats.js').Format['read']} read   what one of its events means (its format's reader)
 * @property {HTMLElement | null} bufferNotice
 * @property {'done' | 'stopped' | 'error' | null} outcome
 * @property {import('./stream.js').StreamHandle | null} handle
 * @property {import('./export.js').RunInfo} info   what its export says of it besides its figures
 */

/**
 * The streams of the Send in progress (or of the last one, whose figures stay on show).
 * @typedef {object} Run
 * @property {boolean} active   some lane still streams
 * @property {Lane[]} lanes
 * @property {string} unit
 * @property {HTMLElement | null} compare   the compare view's message, when there is one
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
  if (run) {
    const at = performance.now()
    run.lanes.forEach((lane, i) => {
      if (!lane.active) return
      const snapshot = lane.stats.snapshot(at)
      if (i === 0) renderFigures(figures, snapshot)
      if (lane.figures) renderFigures(lane.figures, snapshot)
      if (lane.bar) setProgress(lane.bar, snapshot)
      showMeasured(lane, at)
      if (lane.scroller && lane.stick) lane.scroller.scrollTop = lane.scroller.scrollHeight
    })
  }
  timeline.flush()
  wire.flush()
  if (changed && stickToBottom) log.scrollTop = log.scrollHeight
  if (run?.active || views.some((view) => view.dirty)) requestFrame()
}

log.addEventListener('scroll', () => {
  stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48
})

// ---- sending and stopping --------------------------------------------------------------------------------

/**
 * Where one lane streams to, and with what.
 * @typedef {object} Target
 * @property {import('./chat.js').AssistantMessage} msg
 * @property {HTMLElement | null} figures
 * @property {HTMLElement | null} scroller
 * @property {HTMLProgressElement | null} bar
 * @property {HTMLElement | null} distribution  a pane's distribution table
 * @property {import('./settings.js').StreamExtras} extras
 * @property {number} gap   the mean gap between units, ms
 * @property {import('./profiles.js').ProfileStats | undefined} declared  its profile's quantiles (GET /profiles)
 * @property {string | null} name   its profile's name, null for Custom
 */

function send() {
  if (run?.active) return
  if (afterDemoSet(send)) return // the server is being given the picked demo's rule
  const source = currentSource()
  if (source === null) return
  for (const lane of run?.lanes ?? []) lane.handle?.close() // a finished vendor stream may still be reading what trails its end event
  clearFieldErrors()
  unmarkFaults()
  const settings = readSettings()
  const unit = settings.unit || 'token'
  const format = chosenFormat()
  const fault = chosenFaults()
  const panes = comparePanes()
  const profile = panes.length === 0 ? pickedProfile() : null

  empty.hidden = true
  addUserMessage(log, source)
  const chunk = settings.chunk !== '' && settings.chunk !== '1' ? ` × ${settings.chunk}` : ''
  const via = format.id === 'native' ? '' : ` · ${format.id}`
  const latency = profile ? ` · profile ${profile.name}` : ''
  const label = `${'text' in source ? 'your text' : source.reply} · ${unit}${chunk}${via}${latency}${fault === '' ? '' : ` · fault ${fault}`}`
  wire.show(format, true)

  /** @type {Target[]} */
  let targets
  /** @type {HTMLElement | null} */
  let compare = null
  if (panes.length === 0) {
    const msg = addAssistantMessage(log, label)
    msg.root.dataset.format = format.id
    targets = [
      {
        msg,
        figures: null,
        scroller: null,
        bar: null,
        distribution: null,
        extras: profile ? latencyExtras(profile, fault) : { fault },
        gap: profile ? profile.gap : Number(settings.delay),
        declared: profile?.stats,
        name: profile?.name ?? null,
      },
    ]
    figuresOf.textContent = profile ? `· ${profile.name}` : ''
    figuresOf.title = profile ? `Streamed with the ${profile.name} profile` : ''
    figuresOf.hidden = profile === null
  } else {
    const view = addCompareMessage(log, label, panes)
    view.root.dataset.format = format.id
    view.root.dataset.state = 'waiting'
    compare = view.root
    targets = view.panes.map((pane, i) => {
      const choice = /** @type {import('./profiles.js').LatencyChoice} */ (panes[i])
      return {
        msg: pane,
        figures: pane.figures,
        scroller: pane.scroller,
        bar: pane.bar,
        distribution: pane.distribution,
        extras: latencyExtras(choice, fault),
        gap: choice.gap,
        declared: choice.stats,
        name: choice.name,
      }
    })
    const firstName = panes[0]?.name ?? ''
    figuresOf.textContent = `· ${firstName}`
    figuresOf.title = `The figures of pane 1 (${firstName}); each pane shows its own`
    figuresOf.hidden = false
    wire.label.textContent = `${format.label} · pane 1, ${firstName}`
  }

  // the panel's distribution follows the first lane, as its figures do
  const panelDistribution = createDistribution(targets[0]?.declared)
  figuresDistribution.replaceChildren(panelDistribution)
  figuresDistribution.hidden = false

  const sentAt = performance.now()
  const startedAt = new Date()
  const total = knownTotal(source, unit)
  /** @type {Run} */
  const current = {
    active: true,
    unit,
    compare,
    lanes: targets.map(({ msg, figures, scroller, bar, distribution }, i) => {
      const view = new ReplyView(msg.content, msg.root, boundaries.checked)
      views.push(view)
      const stats = new StreamStats(sentAt)
      stats.total = total
      return {
        active: true,
        view,
        stats,
        msg,
        figures,
        scroller,
        bar,
        distributions: [...(distribution ? [distribution] : []), ...(i === 0 ? [panelDistribution] : [])],
        measured: { events: -1, at: 0 },
        stick: true,
        resumed: false,
        warned: false,
        buffering: createBufferingDetector(sentAt),
        bufferNotice: null,
        outcome: null,
        handle: null,
        live: new LaneExtras({
          msg,
          sentAt,
          unit,
          unitsPerEvent: Number(settings.chunk) || 1,
          expectedGap: (targets[i]?.gap ?? 0) * (Number(settings.chunk) || 1),
          // a stall shows in the figures that follow the lane: its pane's, and the panel's for the first
          figures: [
            ...(figures ? [/** @type {HTMLElement | null} */ (figures.querySelector('.pane-figures')) ?? figures] : []),
            ...(i === 0 ? [$('figures')] : []),
          ],
        }),
        read: format.read,
        info: {
          reply: 'text' in source ? null : source.reply,
          format: format.id,
          unit,
          latency: targets[i]?.name ?? null,
          pane: compare ? i + 1 : null,
          fault,
          declared: targets[i]?.declared,
          startedAt,
          request: null,
        },
      }
    }),
  }
  timeline.reset((targets[0]?.gap ?? 0) * (Number(settings.chunk) || 1)) // the mean gap between events
  setUnitLabels(unit, compare)
  run = current
  stickToBottom = true
  log.scrollTop = log.scrollHeight
  setStatus('waiting', 'Waiting')
  setBusy(true)

  const chunkSize = Number(settings.chunk)
  current.lanes.forEach((lane, i) => {
    const { extras } = /** @type {Target} */ (targets[i])
    lane.scroller?.addEventListener('scroll', () => {
      const box = /** @type {HTMLElement} */ (lane.scroller)
      lane.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 24
    })
    const handlers = laneHandlers(current, lane, i === 0)
    if (format.request === null) {
      lane.handle = openStream(streamUrl(source, settings, extras), handlers)
    } else {
      lane.handle = openVendorStream(
        {
          format,
          input: { text: 'text' in source ? source.text : source.reply, chatId, messageId: newId() },
          headers: { ...streamHeaders(source, settings, extras), ...demoHeaders() },
          unitsPerEvent: Number.isInteger(chunkSize) && chunkSize >= 1 ? chunkSize : 1,
          total: lane.stats.total,
        },
        handlers,
      )
    }
    lane.info.request = lane.handle.request
    // its distribution tables' Export buttons download this lane's run (export.js)
    for (const table of lane.distributions)
      table.addEventListener('click', (event) => {
        const button = /** @type {HTMLElement} */ (event.target).closest('[data-export]')
        const kind = button instanceof HTMLElement ? button.dataset.export : undefined
        if (kind === 'json' || kind === 'csv') downloadRecord(runRecord(lane.info, lane.stats, lane.outcome, performance.now()), kind)
      })
  })
  requestFrame()
}

/**
 * What one lane does with its stream's events; the first lane also feeds the timeline and the wire pane.
 * @param {Run} current
 * @param {Lane} lane
 * @param {boolean} first
 * @returns {import('./stream.js').StreamHandlers}
 */
function laneHandlers(current, lane, first) {
  const { msg, stats, view } = lane
  const live = () => run === current && lane.active
  return {
    onOpen(at) {
      if (live()) stats.opened(at)
    },
    onToken(data, at) {
      if (!live()) return
      if (stats.events === 0) {
        msg.root.dataset.state = 'streaming'
        setStatus('streaming', 'Streaming')
      }
      const gap = stats.token(data.units, at, lane.resumed, data.index, data.t)
      if (first) timeline.push(gap, stats.events === 1 ? 'first' : lane.resumed ? 'resume' : 'gap')
      lane.resumed = false
      lane.live.text(at, data.units)
      view.append(data.text, data.index, data.units)
      watchBuffering(lane, data.t, at)
      requestFrame()
    },
    onDone(data, at) {
      if (!live()) return
      if (Number.isInteger(data.tokens)) stats.total = data.tokens
      finishLane(current, lane, 'done', at)
    },
    onResume(lastId, at) {
      if (!live()) return
      stats.reconnects += 1
      lane.resumed = true
      lane.buffering.reset(at) // the new connection's `t` values count from its own start
      if (first) wire.note(`reconnected with Last-Event-ID: ${lastId === '' ? '(none)' : lastId}`, at - stats.sentAt)
      addNotice(msg, `Connection dropped — resumed after unit ${lastId === '' ? 'none' : lastId}`, 'resume')
      setStatus('streaming', 'Streaming')
      requestFrame()
    },
    onDrop() {
      if (live()) setStatus('reconnecting', 'Reconnecting')
    },
    onUnreachable() {
      if (!live() || lane.warned) return
      lane.warned = true
      addNotice(msg, 'Cannot reach the server yet; the browser keeps retrying. Press Stop to give up.', 'warn')
      setStatus('reconnecting', 'Connecting')
    },
    onError(failure) {
      if (!live()) return
      const units = stats.units
      finishLane(current, lane, 'error')
      const title =
        stats.events === 0 ? 'The stream could not start' : `The stream broke off after ${units} ${current.unit}${units === 1 ? '' : 's'}`
      /** @type {import('./chat.js').ErrorDetails} */
      const details = {}
      if (failure.status !== undefined) details.status = `${failure.status} ${failure.statusText ?? ''}`.trim()
      if (failure.retryAfter) details.retryAfter = failure.retryAfter
      if (failure.code) details.code = failure.code
      showError(msg, title, failure.message, details)
      if (first && details.status) {
        const retry = details.retryAfter ? ` (retry-after: ${details.retryAfter})` : ''
        wire.note(`HTTP ${details.status}${retry}: no event stream`, performance.now() - stats.sentAt, 'error')
        wire.flush()
      }
      if (failure.param === 'fault') markFaults()
      else markFieldError(failure.param)
    },
    onWire(message, at, text) {
      if (live()) stats.byte(at) // every lane's first event of any kind, an empty role or start chunk included
      if (live()) {
        const reading = lane.read(message)
        lane.live.reading(reading, at) // its reasoning and tool calls (its text comes as a token)
        // Reasoning before any text: the model is thinking, not waiting (the first text says Streaming).
        if (first && reading.reasoning && stats.events === 0) setStatus('streaming', 'Thinking')
      }
      if (!first || run !== current) return // events that trail a finished reply still show, until the next Send
      wire.push(message, at - stats.sentAt, text)
      requestFrame()
    },
  }
}

/**
 * Writes what the lane measured (its ttft, the p50, p90, p99 and max of its gaps) into its distribution
 * tables: at most every 100 ms while it streams (a sort of every gap so far), and once more at its end.
 * @param {Lane} lane
 * @param {number} now
 * @param {boolean} [final]
 */
function showMeasured(lane, now, final = false) {
  const { stats, measured } = lane
  if (stats.events === measured.events || (!final && now - measured.at < 100)) return
  measured.events = stats.events
  measured.at = now
  const ttft = stats.firstAt === null ? null : stats.firstAt - stats.sentAt
  const gaps = measure(stats.gaps)
  for (const root of lane.distributions) renderMeasured(root, ttft, gaps)
}

/**
 * Feeds a native token event to the lane's buffering detector, and says so under the reply when a burst of
 * held-back events arrives (vendor events carry no scheduled offset: their `t` is NaN, and nothing is said).
 * @param {Lane} lane
 * @param {number} t
 * @param {number} at
 */
function watchBuffering(lane, t, at) {
  const burst = lane.buffering.push(t, at)
  if (burst === null) return
  const text = describeBurst(burst)
  if (lane.bufferNotice === null) {
    const notice = addNotice(lane.msg, '', 'buffer')
    notice.setAttribute('role', 'status')
    lane.bufferNotice = el('span', 'notice-text', text)
    notice.append(el('strong', 'notice-title', 'Buffering detected'), ' ', lane.bufferNotice)
    lane.msg.root.dataset.buffered = 'true'
  } else if (lane.bufferNotice.textContent !== text) lane.bufferNotice.textContent = text
}

function stop() {
  if (!run?.active) return
  const current = run
  for (const lane of current.lanes) {
    if (!lane.active) continue
    lane.handle?.close()
    finishLane(current, lane, 'stopped')
  }
}

/**
 * @param {Run} current
 * @param {Lane} lane
 * @param {'done' | 'stopped' | 'error'} state
 * @param {number} [endedAt]  when its end event arrived (else now)
 */
function finishLane(current, lane, state, endedAt) {
  const now = performance.now()
  lane.active = false
  lane.outcome = state
  lane.stats.end(Math.min(endedAt ?? now, now))
  lane.live.end()
  lane.view.setStreaming(false)
  lane.view.render(now, true)
  lane.msg.root.dataset.state = state
  lane.msg.root.setAttribute('aria-busy', 'false')
  const snapshot = lane.stats.snapshot(now)
  if (lane.figures) renderFigures(lane.figures, snapshot)
  if (lane.bar) setProgress(lane.bar, snapshot)
  showMeasured(lane, now, true)
  if (lane === current.lanes[0]) {
    renderFigures(figures, snapshot)
    timeline.flush()
    wire.flush()
  }
  if (state !== 'error' || snapshot.units > 0) {
    const prefix = state === 'stopped' ? `Stopped after ${snapshot.units}${snapshot.total === null ? '' : ` of ${snapshot.total}`} · ` : ''
    setFooter(lane.msg, prefix + summary(snapshot, current.unit), lane.view.raw)
  }
  if (current.lanes.some((l) => l.active)) return
  // the last lane is over: so is the Send
  current.active = false
  const outcomes = current.lanes.map((l) => l.outcome)
  const overall = outcomes.includes('error') ? 'error' : outcomes.includes('stopped') ? 'stopped' : 'done'
  if (current.compare) current.compare.dataset.state = overall
  setStatus(overall, { done: 'Done', stopped: 'Stopped', error: 'Error' }[overall])
  setBusy(false)
  if (stickToBottom) log.scrollTop = log.scrollHeight
}

/**
 * A pane's bar: the share of the reply received, when its length is known (else full once anything came).
 * @param {HTMLProgressElement} bar
 * @param {import('./stats.js').Snapshot} snapshot
 */
function setProgress(bar, { units, total }) {
  const max = total ?? Math.max(units, 1)
  if (bar.max !== max) bar.max = max
  if (bar.value !== units) bar.value = units
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

/**
 * "Tokens / s" and "Tokens", or words, or chars, in the panel's figures and in the compare view's panes.
 * @param {string} unit
 * @param {HTMLElement | null} compare
 */
function setUnitLabels(unit, compare) {
  const plural = `${unit.charAt(0).toUpperCase()}${unit.slice(1)}s`
  for (const [name, text] of /** @type {const} */ ([
    ['tps', `${plural} / s`],
    ['count', plural],
  ])) {
    const label = figures.querySelector(`[data-figure-label="${name}"]`)
    if (label) label.textContent = text
  }
  if (compare === null) return
  const short = { token: 'Tok', word: 'Words', char: 'Chars' }[unit] ?? plural
  for (const label of compare.querySelectorAll('[data-figure-label="tps"]')) label.textContent = `${short}/s`
  for (const label of compare.querySelectorAll('[data-figure-label="count"]')) label.textContent = plural
}

function newChat() {
  stop()
  for (const lane of run?.lanes ?? []) lane.handle?.close()
  for (const node of [...log.children]) if (node !== empty) node.remove()
  views.length = 0
  run = null
  empty.hidden = false
  renderFigures(figures, null)
  clearStallLine(figures)
  figuresOf.hidden = true
  figuresDistribution.replaceChildren()
  figuresDistribution.hidden = true
  setStatus('idle', 'Idle')
  timeline.reset(0)
  wire.clear(chosenFormat())
  chatId = newId()
}

function persist() {
  saveToUrl({
    reply: chosenReply(),
    boundaries: boundaries.checked,
    format: chosenFormat().id,
    latency: latencyInUrl(),
    compare: compareOn() ? comparePanes().map((pane) => pane.name) : [],
    fault: chosenFaults(),
  })
}

/** A setting changed: into the URL, and the wire pane names the new format while it shows nothing else. */
function settingsChanged() {
  persist()
  wire.show(chosenFormat(), false)
  setFaultTransport(chosenFormat().request === null)
  describeDemo(chosenFormat())
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

// the compare view wants the room side by side: the wire pane (which shows the first pane's events) closes
compareToggle.addEventListener('change', () => {
  if (compareToggle.checked) wire.setOpen(false)
})

startArrivals() // the worker that reads the streams, ready before the first Send
const initial = loadFromUrl()
boundaries.checked = initial.boundaries
// before the panel's own field listeners: typing a latency picks Custom before the URL is written
const picking = initLatencyPicker(persist, initial.latency)
initPanel(settingsChanged, initial.format)
wire.show(chosenFormat(), false)
const faulting = initFaults(persist, initial.fault)
setFaultTransport(chosenFormat().request === null)
initComposer({ onChange: persist, onPick: send })
syncPanel()
timeline.reset(0)
const comparing = initCompare(persist, initial.compare)
if (initial.compare.length >= 2) wire.setOpen(false)
const demoing = initDemos(persist)
describeDemo(chosenFormat())
void Promise.all([loadReplies(initial.reply), comparing, picking, demoing, faulting]).then(() => {
  syncPanel() // the latency fields the picked profile filled
  persist()
  app.dataset.ready = 'true'
})
