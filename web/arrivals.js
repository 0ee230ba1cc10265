/**
 * The page's side of the arrivals worker (arrivals-worker.js): opens a stream there and hands each of its
 * reports (arrival-reader.js) to the stream's handler with `at` turned to the page's own clock (ms since its
 * performance.timeOrigin, as performance.now()). The page may be busy when a report comes in (a frame, a
 * Markdown render): the report waits, but its `at` is when the event arrived, not when the page got to it.
 *
 * One worker serves every stream of the page. Should it fail to start (no module workers, or its script
 * cannot load), the page reads its streams itself, with the same reader: they still work, and their arrivals
 * are taken as soon as the page's own thread gets to them.
 */
import { createReader } from './arrival-reader.js'

/** @typedef {import('./arrival-reader.js').Report} Report */
/** @typedef {import('./arrival-reader.js').Command} Command */
/** @typedef {Command extends infer C ? C extends { type: 'close' } ? never : Omit<C, 'id'> : never} OpenCommand */

/** @type {Worker | null} */
let worker = null
/** The worker said it runs: from then on it is trusted with every stream. */
let ready = false
/** @type {((command: Command) => void) | null} the page's own reader, once the worker failed */
let local = null
let nextId = 1
/** @type {Map<number, (report: Report) => void>} */
const handlers = new Map()
/** @type {Map<number, Command>} the streams opened before the worker said it runs, to read here should it fail */
const early = new Map()

/** @param {Report} report */
function deliver(report) {
  const handler = handlers.get(report.id)
  if (handler === undefined) return
  handler({ ...report, at: report.at - performance.timeOrigin })
}

/** Starts the worker, if it is not running yet: at load, so that it is ready by the first Send. */
export function startArrivals() {
  if (worker !== null || local !== null) return
  try {
    worker = new Worker(new URL('./arrivals-worker.js', import.meta.url), { type: 'module', name: 'arrivals' })
  } catch {
    return readHere()
  }
  worker.addEventListener('message', (event) => {
    const report = /** @type {Report | { kind: 'ready' }} */ (event.data)
    if (report.kind === 'ready') {
      ready = true
      early.clear()
    } else deliver(report)
  })
  worker.addEventListener('error', (event) => {
    if (ready) return
    event.preventDefault()
    readHere()
  })
}

/** The worker failed before it ran: the page reads its streams itself, those already asked for included. */
function readHere() {
  worker?.terminate()
  worker = null
  local = createReader(deliver)
  for (const command of early.values()) local(command)
  early.clear()
}

/** @param {Command} command */
function send(command) {
  if (local === null && worker === null) startArrivals() // (which may find no worker, and read here)
  if (local !== null) return local(command)
  if (!ready) {
    if (command.type === 'close') early.delete(command.id)
    else early.set(command.id, command)
  }
  ;/** @type {Worker} */ (worker).postMessage(command)
}

/**
 * Opens a stream; `onReport` gets its reports, `at` in the page's performance.now() ms, until it is closed.
 * @param {OpenCommand} command
 * @param {(report: Report) => void} onReport
 * @returns {{ close(): void }}
 */
export function openArrivals(command, onReport) {
  const id = nextId++
  handlers.set(id, onReport)
  send(/** @type {Command} */ ({ ...command, id }))
  return {
    close() {
      if (!handlers.delete(id)) return
      send({ type: 'close', id })
    },
  }
}
