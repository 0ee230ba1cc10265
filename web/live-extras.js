/**
 * What one stream shows besides its text: its reasoning in a Thinking block (thinking.js), its tool calls as
 * cards (tool-cards.js), and its stalls as they happen (stall-indicator.js). The page hands it every event's
 * reading (formats.js) and every text event; reasoning, a tool call's arguments and text all count as arrivals
 * for the stall indicator, and the answer's first text or tool call ends the Thinking block.
 */
import { stallLine, StallIndicator } from './stall-indicator.js'
import { ThinkingView } from './thinking.js'
import { ToolCards } from './tool-cards.js'

export class LaneExtras {
  /**
   * @param {object} options
   * @param {import('./chat.js').AssistantMessage} options.msg
   * @param {number} options.sentAt          performance.now() at Send
   * @param {string} options.unit            'token', 'word' or 'char'
   * @param {number} options.unitsPerEvent   the `chunk` setting
   * @param {number} [options.expectedGap]   ms between events the stream is meant to take
   * @param {HTMLElement[]} options.figures  the figures that follow this stream: each gets a stall line after it
   */
  constructor({ msg, sentAt, unit, unitsPerEvent, expectedGap, figures }) {
    this.unitsPerEvent = unitsPerEvent
    this.thinking = new ThinkingView({ msg, sentAt, unit, unitsPerEvent })
    this.tools = new ToolCards({ msg, sentAt })
    this.stall = new StallIndicator({ lines: figures.map(stallLine), msg, unit, ...(expectedGap ? { expectedGap } : {}) })
  }

  /**
   * One event of a vendor stream, as its format reads it (its text comes through `text`).
   * @param {import('./formats.js').Reading} reading
   * @param {number} at
   */
  reading(reading, at) {
    if (reading.reasoning) {
      this.thinking.push(reading.reasoning, at)
      this.stall.arrive(at, this.unitsPerEvent)
    }
    if (reading.tools && reading.tools.length > 0) {
      this.thinking.end(at)
      this.tools.apply(reading.tools, at)
      const pieces = reading.tools.filter((piece) => piece.args || (piece.key === null && piece.input !== undefined)).length
      if (pieces > 0) this.stall.arrive(at, pieces * this.unitsPerEvent)
    }
    if (reading.toolsDone) this.tools.finish()
  }

  /**
   * A text event arrived: the answer has started.
   * @param {number} at
   * @param {number} units
   */
  text(at, units) {
    this.thinking.end(at)
    this.stall.arrive(at, units)
  }

  /** The stream is over (done, stopped or failed). */
  end() {
    this.thinking.end(performance.now(), false)
    this.tools.finish()
    this.stall.end()
  }
}
