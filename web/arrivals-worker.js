/**
 * The arrivals worker: a dedicated worker that reads the page's streams (arrival-reader.js) and posts each
 * event to the page with the moment it arrived, taken on this thread, which nothing else keeps busy.
 */
import { createReader } from './arrival-reader.js'

const read = createReader((report) => postMessage(report))
addEventListener('message', (event) => read(event.data))
postMessage({ kind: 'ready' })
