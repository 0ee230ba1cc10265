/** The open streams of one app, so that shutdown can end each cleanly and tests can see none is left behind. */
export interface OpenStream {
  /** Ends the stream now with a clean close (a final comment, so EventSource clients reconnect elsewhere). */
  end(reason: string): void
  /** How many of its frames it has sent. */
  readonly sent?: number
}

export interface StreamRegistry {
  /**
   * Adds a stream until `delete`. (No unregister function is handed back: a server holds one entry per open
   * stream, and a closure each would cost more than the entry.)
   */
  add(stream: OpenStream): void
  delete(stream: OpenStream): void
  readonly size: number
  /** Ends every open stream; the ones added later are not affected. */
  endAll(reason: string): void
}

export function createStreamRegistry(): StreamRegistry {
  const open = new Set<OpenStream>()
  return {
    add(stream) {
      open.add(stream)
    },
    delete(stream) {
      open.delete(stream)
    },
    get size() {
      return open.size
    },
    endAll(reason) {
      for (const stream of [...open]) stream.end(reason)
    },
  }
}
