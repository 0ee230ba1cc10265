/**
 * What one server takes at once: the size of a request body (`--max-body`), and the streams open in total
 * (`--max-streams`) and per client address (`--max-streams-per-client`). Beyond a limit a request is answered
 * at once in its route's error shape, never left hanging: 413 for a body, 503 (total) or 429 (per client) with
 * `retry-after: 1` for a stream, which the vendor SDKs retry as they retry the real APIs' (openai and
 * @anthropic-ai/sdk retry 429 and 5xx, honouring `retry-after`).
 */
import type { Context } from 'hono'
import { TokensimError } from '../core/errors.js'
import type { Deliver } from './deliver.js'
import type { PlayOptions } from './player.js'
import type { OpenStream, StreamRegistry } from './streams.js'

/** 4 MiB: room for the 1 MiB `text` of a vendor request JSON-escaped, and many turns of history. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024
export const MAX_STREAMS = 10_000
export const MAX_STREAMS_PER_CLIENT = 1000

export interface StreamCaps {
  readonly total: number
  readonly perClient: number
}

/** The message of a 413, naming the limit and the flag that raises it (in Google's words, which say the bytes). */
export function bodyTooLarge(maxBytes: number): TokensimError {
  return new TokensimError(
    'request_too_large',
    `Request payload size exceeds the limit: ${maxBytes} bytes. Start tokensim with a larger --max-body to send more.`,
  )
}

/**
 * `deliver`, refusing a stream beyond the caps before anything is written (the route's error handler renders
 * the TokensimError in its shape). `clientOf` names a request's client (its remote address on Node); where it
 * cannot (other runtimes, `app.request()`), only the total applies.
 *
 * The count is the registry's: a player adds itself when it starts and deletes itself when it stops, which it
 * does when its stream ends, is cancelled, or its client goes away (src/app/player.ts), so a cap is
 * released exactly when a stream is. The check and the add happen in one synchronous step (both delivery
 * paths start their player inside `deliver`), so concurrent requests cannot overshoot a cap.
 */
export function limitStreams(deliver: Deliver, caps: StreamCaps, clientOf?: (c: Context) => string | undefined): Deliver {
  const clients = new Map<string, ClientStreams>()
  return (c, frames, headers, options) => {
    if (options.registry.size >= caps.total) {
      throw new TokensimError(
        'server_busy',
        `tokensim has ${caps.total} streams open, as many as it serves at once (--max-streams); retry in a moment.`,
        null,
        { retryAfter: 1 },
      )
    }
    const client = clientOf?.(c)
    if (client === undefined) return deliver(c, frames, headers, options)
    const streams = clients.get(client) ?? new ClientStreams(client, clients)
    if (streams.size >= caps.perClient) {
      throw new TokensimError(
        'too_many_streams',
        `This client (${client}) has ${caps.perClient} streams open, as many as one client may (--max-streams-per-client); close one or retry in a moment.`,
        null,
        { retryAfter: 1 },
      )
    }
    return deliver(c, frames, headers, streams.options(options))
  }
}

/**
 * One client's open streams: a registry that counts them and passes each on to the app's. It is in `clients`
 * only while it has a stream open, so an address that has gone quiet holds no memory.
 */
class ClientStreams implements StreamRegistry {
  size = 0
  private inner: StreamRegistry | undefined
  /** The play options with this registry in them, one per options object the routes pass (mostly the app's context). */
  private readonly derived = new WeakMap<PlayOptions, PlayOptions>()

  constructor(
    private readonly client: string,
    private readonly clients: Map<string, ClientStreams>,
  ) {}

  options(options: PlayOptions): PlayOptions {
    this.inner = options.registry
    let mine = this.derived.get(options)
    if (mine === undefined) {
      mine = { clock: options.clock, heartbeat: options.heartbeat, registry: this }
      this.derived.set(options, mine)
    }
    return mine
  }

  add(stream: OpenStream): void {
    if (this.size++ === 0) this.clients.set(this.client, this)
    this.inner!.add(stream)
  }

  delete(stream: OpenStream): void {
    this.inner!.delete(stream)
    if (--this.size === 0) this.clients.delete(this.client)
  }

  endAll(reason: string): void {
    this.inner?.endAll(reason)
  }
}
