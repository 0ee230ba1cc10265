/**
 * The request journal: every request the server got (the page's files and CORS preflights aside), so that a
 * test can assert what its app sent and what came back. An entry holds the route, the scope, the model and the
 * conversation as tokensim read it, the knobs and faults that applied, the rule that chose the answer, the
 * status, the answer's scheduled moments, and, for a stream, when it ended, how many bytes it sent and whether
 * it played to the end. Bounded (`--journal N` entries, and a total of conversation text): the oldest go first.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { Conversation, ConversationState, Message } from '../core/conversation.js'
import type { Choice } from '../core/scenarios.js'
import type { TurnPlan } from '../core/types.js'
import type { Deliver } from './deliver.js'
import type { StreamRegistry } from './streams.js'

export interface JournalEntry {
  readonly id: string
  /** When the request came, ms since the Unix epoch. */
  readonly at: number
  readonly method: string
  readonly path: string
  /** What answered it: `openai-chat`, `anthropic-messages`, `stream`, `scenarios`, ... */
  readonly route: string
  readonly scope: string | null
  status?: number
  /** A vendor request's model, its conversation as read, and the tools it offered. */
  model?: string
  conversation?: readonly JournalMessage[]
  tools?: readonly string[]
  step?: string
  turn?: number
  /** The scenario rule that chose the answer and the how-manyth time it did in this conversation; null: none did. */
  rule?: { readonly name: string; readonly time: number } | null
  /** The x-tokensim-* headers (or /stream's query) as sent. */
  knobs?: Readonly<Record<string, string>>
  /** The fault specs that applied, by where they came from. */
  faults?: Readonly<Record<string, string>>
  stream?: boolean
  /** The answer's moments as scheduled, ms after the request: headers, first byte, first text (first unit), end. */
  scheduled?: { readonly headers_ms: number; readonly first_byte_ms: number; readonly first_text_ms: number; readonly end_ms: number }
  /** A stream: ms after the request when it ended, bytes and frames sent, and how it ended. */
  ended_ms?: number
  bytes?: number
  frames?: number
  outcome?: 'complete' | 'stopped'
}

/** A message of the conversation as the journal shows it (the core's names in the wire style of the rest). */
type JournalMessage =
  | { readonly role: 'system' | 'user'; readonly text: string }
  | { readonly role: 'assistant'; readonly text: string; readonly tool_calls: readonly { id: string; name: string; arguments: unknown }[] }
  | { readonly role: 'tool'; readonly results: readonly { id: string; name: string; content: string; is_error: boolean }[] }

export interface JournalFilter {
  readonly route?: string | undefined
  /** Exactly this scope ('' : requests with none). */
  readonly scope?: string | undefined
  /** Entries at or after this moment, ms since the Unix epoch. */
  readonly since?: number | undefined
}

export interface Journal {
  readonly limit: number
  /** A new entry, kept (the oldest dropped past the limit); the caller fills it in as the request goes on. */
  open(fields: Pick<JournalEntry, 'method' | 'path' | 'route' | 'scope'>): JournalEntry
  /** Counts the text an entry's conversation added, for the bound on the total. */
  sized(entry: JournalEntry, chars: number): void
  list(filter?: JournalFilter): JournalEntry[]
  /** Removes the entries that fit; how many. */
  clear(filter?: JournalFilter): number
}

/** Conversation text the journal holds at most, in all, characters. */
const MAX_CHARS = 16 * 1024 * 1024

export function createJournal(limit: number, newId: () => string): Journal {
  const entries = new Map<JournalEntry, number>()
  let chars = 0
  const drop = (entry: JournalEntry): void => {
    chars -= entries.get(entry) ?? 0
    entries.delete(entry)
  }
  const trim = (): void => {
    for (const oldest of entries.keys()) {
      if (entries.size <= limit && chars <= MAX_CHARS) break
      drop(oldest)
    }
  }
  const fits = (entry: JournalEntry, { route, scope, since }: JournalFilter): boolean =>
    (route === undefined || entry.route === route) &&
    (scope === undefined || (entry.scope ?? '') === scope) &&
    (since === undefined || entry.at >= since)
  const journal: Journal = {
    limit,
    open(fields) {
      const entry: JournalEntry = { id: newId(), at: Date.now(), ...fields }
      if (limit === 0) return entry
      entries.set(entry, 0)
      journalOf.set(entry, journal)
      trim()
      return entry
    },
    sized(entry, size) {
      if (!entries.has(entry)) return
      entries.set(entry, size)
      chars += size
      trim()
    },
    list: (filter = {}) => [...entries.keys()].filter((entry) => fits(entry, filter)),
    clear(filter = {}) {
      let count = 0
      for (const entry of [...entries.keys()])
        if (fits(entry, filter)) {
          drop(entry)
          count++
        }
      return count
    },
  }
  return journal
}

/** The journal an entry is in, so whoever fills it in can count its size. */
const journalOf = new WeakMap<JournalEntry, Journal>()

/** A conversation as the journal shows it, and its size in characters. */
function journalConversation(messages: readonly Message[]): { conversation: JournalMessage[]; chars: number } {
  let chars = 0
  const conversation = messages.map((message): JournalMessage => {
    switch (message.role) {
      case 'assistant':
        chars += message.text.length
        return {
          role: 'assistant',
          text: message.text,
          tool_calls: message.toolCalls.map(({ id, name, arguments: args }) => {
            chars += JSON.stringify(args)?.length ?? 0
            return { id, name, arguments: args }
          }),
        }
      case 'tool':
        return {
          role: 'tool',
          results: message.results.map(({ id, name, content, isError }) => {
            chars += content.length
            return { id, name, content, is_error: isError }
          }),
        }
      default:
        chars += message.text.length
        return { role: message.role, text: message.text }
    }
  })
  return { conversation, chars }
}

const entryOf = new WeakMap<Context, JournalEntry>()

/** The journal entry of the request `c` is answering, if it is journaled. */
export const journalEntry = (c: Context): JournalEntry | undefined => entryOf.get(c)

/** What answers a path, as the journal names it (and its `route` filter takes). */
export function routeName(path: string): string {
  if (path === '/stream') return 'stream'
  if (path === '/v1/chat/completions') return 'openai-chat'
  if (path === '/v1/responses') return 'openai-responses'
  if (path === '/v1/messages') return 'anthropic-messages'
  if (path === '/v1/messages/count_tokens') return 'anthropic-count-tokens'
  if (/^\/v1(beta)?\/models\/[^/]+:countTokens$/.test(path)) return 'gemini-count-tokens'
  if (/^\/v1(beta)?\/models\/[^/]+:/.test(path)) return 'gemini'
  if (path === '/api/chat') return 'ai-sdk-ui'
  if (/^\/api\/chat\/[^/]+\/stream$/.test(path)) return 'ai-sdk-ui-resume'
  if (path === '/captures' || path.startsWith('/captures/')) return 'captures'
  if (path === '/scenarios') return 'scenarios'
  if (path === '/replies' || path === '/profiles' || path === '/v1/models') return path.slice(path.lastIndexOf('/') + 1)
  return 'other'
}

/**
 * Opens an entry for every request but the journal's own, the page's files and CORS preflights, and records
 * its status once answered.
 */
export function journalRequests(journal: Journal, isStatic: (path: string) => boolean, scopeHeader: string): MiddlewareHandler {
  return async function journalRequests(c, next) {
    const { method, path } = c.req
    if (journal.limit === 0 || method === 'OPTIONS' || path === '/journal' || ((method === 'GET' || method === 'HEAD') && isStatic(path))) {
      return next()
    }
    const scope = c.req.header(scopeHeader)
    const entry = journal.open({ method, path, route: routeName(path), scope: scope === undefined || scope === '' ? null : scope })
    entryOf.set(c, entry)
    await next()
    entry.status = c.res.status
  }
}

/**
 * `deliver`, recording in the request's entry when its stream ended, the frames and bytes it sent, and whether
 * it played to the end. Only the opening of a stream does more work (a registry of its own); playing does none.
 */
export function journalStreams(deliver: Deliver): Deliver {
  return (c, frames, headers, options) => {
    const entry = entryOf.get(c)
    if (entry === undefined) return deliver(c, frames, headers, options)
    entry.status = 200
    const inner = options.registry
    const registry: StreamRegistry = {
      add: (stream) => inner.add(stream),
      delete(stream) {
        inner.delete(stream)
        entry.ended_ms = Date.now() - entry.at
        entry.frames = stream.sent ?? 0
        entry.bytes = stream.sentBytes ?? 0
        entry.outcome = stream.complete === true ? 'complete' : 'stopped'
      },
      get size() {
        return inner.size
      },
      endAll: (reason) => inner.endAll(reason),
    }
    return deliver(c, frames, headers, { ...options, registry })
  }
}

/** What the journal reads of a resolved vendor request (src/app/vendor-turn.ts ResolvedTurn). */
export interface JournaledTurn {
  readonly conversation: Conversation
  readonly state: ConversationState
  readonly choice?: Choice | undefined
  readonly knobs: Readonly<Record<string, string>>
  readonly faults: { readonly applied: Readonly<Record<string, string>> }
  readonly plan: TurnPlan
}

/** What a vendor request's answer was chosen from and how it was sent, into its journal entry. */
export function noteTurn(entry: JournalEntry, turn: JournaledTurn, stream: boolean): void {
  const { conversation, state, choice, knobs, faults, plan } = turn
  const { conversation: messages, chars } = journalConversation(conversation.messages)
  entry.model = conversation.model
  entry.conversation = messages
  entry.tools = conversation.tools
  entry.step = state.step
  entry.turn = state.turn
  entry.rule = choice === undefined ? null : { name: choice.scenario.name, time: choice.time }
  entry.knobs = knobs
  entry.faults = faults.applied
  entry.stream = stream
  // Ms after the request's start; an unstreamed answer has none (it keeps no latency).
  if (stream) entry.scheduled = moments(plan.headersAt, plan.firstByteAt, plan.start, plan.end)
  journalOf.get(entry)?.sized(entry, chars)
}

/** A stream's scheduled moments, ms after its start: each as the plan has it, or where the stream puts it. */
function moments(headersAt: number | undefined, firstByteAt: number | undefined, firstText: number, end: number) {
  const headers = headersAt ?? 0
  return { headers_ms: headers, first_byte_ms: firstByteAt ?? headers, first_text_ms: firstText, end_ms: end }
}
