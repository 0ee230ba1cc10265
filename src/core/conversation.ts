/**
 * A conversation as tokensim reads it, whatever vendor format it came in: system text, user text, the model's
 * earlier answers (text and tool calls) and the tool results sent back. Each vendor route turns its body into
 * these messages; everything that decides an answer (scenario rules, sequences, templates, the default after
 * tool results) reads only this, so it is the same on every route and needs no state kept between requests.
 */
import { spanTokens } from './tokens.js'
import type { Answer } from './types.js'

/** A tool call of an earlier answer: its id, the tool's name and its arguments as sent (JSON text, or a value). */
export interface ToolCall {
  readonly id: string
  readonly name: string
  readonly arguments: unknown
}

/** A tool's result as the app sent it back: its text (JSON text when the tool returned an object). */
export interface ToolResult {
  /** The id of the call it answers ('' when the format carries none, as Gemini's may not). */
  readonly id: string
  /** The tool's name: sent with the result (Gemini, the AI SDK), else that of the call with the same id ('' if none). */
  readonly name: string
  readonly content: string
  /** The app reported a failure (Anthropic `is_error`, an AI SDK `output-error`). */
  readonly isError: boolean
}

export type Message =
  | { readonly role: 'system'; readonly text: string }
  | { readonly role: 'user'; readonly text: string }
  | { readonly role: 'assistant'; readonly text: string; readonly toolCalls: readonly ToolCall[] }
  | { readonly role: 'tool'; readonly results: readonly ToolResult[] }

/** What every vendor body comes down to. */
export interface Conversation {
  readonly model: string
  /** In order; system text wherever the format puts it (a `system` field comes first). */
  readonly messages: readonly Message[]
  /** The names of the tools the request offers. */
  readonly tools: readonly string[]
  /** The offered tools' parameter schemas by name, where the format carries them (the bad-args fault reads them). */
  readonly toolSchemas?: ReadonlyMap<string, unknown> | undefined
  /** The request's output token limit, if it set one: the answer stops there with finish reason `length`. */
  readonly maxTokens?: number | undefined
}

/** Whom the model answers now: the user's text, or the results of the tools it called. */
export type Step = 'user' | 'tool_results'

/** What the rules, templates and defaults read of a conversation. */
export interface ConversationState {
  readonly model: string
  /** The last user message's text ('' when there is none). */
  readonly user: string
  /** The system text, all of it joined. */
  readonly system: string
  /** How many user messages there are: the first question is turn 1. */
  readonly turn: number
  readonly step: Step
  /** The tool results the model answers now (those after its last answer); none for a user step. */
  readonly results: readonly ToolResult[]
  /** Every tool call of the conversation, oldest first (templates read the newest of each name). */
  readonly calls: readonly ToolCall[]
  /** Every tool result of the conversation, oldest first. */
  readonly allResults: readonly ToolResult[]
  readonly tools: readonly string[]
}

/**
 * Fills in the names of results that carry only a call id, from the calls before them, and merges what a format
 * splits (consecutive assistant items of one Responses answer, tool messages one per result as OpenAI sends them).
 */
export function normalize(messages: readonly Message[]): Message[] {
  const names = new Map<string, string>()
  const out: Message[] = []
  for (const message of messages) {
    const previous = out.at(-1)
    if (message.role === 'assistant') {
      for (const call of message.toolCalls) if (call.id !== '') names.set(call.id, call.name)
      if (previous?.role === 'assistant') {
        out[out.length - 1] = {
          role: 'assistant',
          text: previous.text + message.text,
          toolCalls: [...previous.toolCalls, ...message.toolCalls],
        }
        continue
      }
    } else if (message.role === 'tool') {
      const results = message.results.map((r) => (r.name === '' ? { ...r, name: names.get(r.id) ?? '' } : r))
      if (previous?.role === 'tool') {
        out[out.length - 1] = { role: 'tool', results: [...previous.results, ...results] }
        continue
      }
      out.push({ role: 'tool', results })
      continue
    }
    out.push(message)
  }
  return out
}

/** Reads a conversation's state as of its end. */
export function readConversation(conversation: Conversation): ConversationState {
  return stateOf(conversation.messages, conversation)
}

/**
 * The state as of each earlier request of the conversation: before each of the model's answers. With the
 * current state last, they say which rule answered each step, so a sequence knows its place without a store.
 */
export function earlierStates(conversation: Conversation): ConversationState[] {
  const states: ConversationState[] = []
  conversation.messages.forEach((message, index) => {
    if (message.role === 'assistant' && index > 0) states.push(stateOf(conversation.messages.slice(0, index), conversation))
  })
  return states
}

function stateOf(messages: readonly Message[], { model, tools }: Pick<Conversation, 'model' | 'tools'>): ConversationState {
  let user = ''
  let turn = 0
  const system: string[] = []
  const calls: ToolCall[] = []
  const allResults: ToolResult[] = []
  let sinceAnswer: ToolResult[] = []
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(message.text)
        break
      case 'user':
        user = message.text
        turn++
        sinceAnswer = []
        break
      case 'assistant':
        calls.push(...message.toolCalls)
        sinceAnswer = []
        break
      case 'tool':
        allResults.push(...message.results)
        sinceAnswer.push(...message.results)
    }
  }
  const last = messages.at(-1)
  const step: Step = last?.role === 'tool' ? 'tool_results' : 'user'
  return {
    model,
    user,
    system: system.join('\n'),
    turn,
    step,
    results: step === 'tool_results' ? sinceAnswer : [],
    calls,
    allResults,
    tools,
  }
}

/** The prompt's o200k_base tokens: what usage reports as input and the token-counting endpoints return. */
export function promptTokens(conversation: Conversation): number {
  let tokens = 0
  for (const count of promptTokenSpans(conversation)) tokens += count
  return tokens
}

/** promptTokens a span at a time (see spanTokens), for a caller that counts in slices. */
export function* promptTokenSpans(conversation: Conversation): Generator<number> {
  for (const message of conversation.messages) yield* spanTokens(promptText(message))
}

/** An answer as the message a later request carries back: its text, and its tool calls with the ids `callId` gives them. */
export function answerMessage(answer: Answer, callId: (id: string) => string): Message {
  let text = ''
  const toolCalls: ToolCall[] = []
  for (const part of answer.parts) {
    if (part.kind === 'text') text += part.text
    else if (part.kind === 'tool_call') toolCalls.push({ id: callId(part.id), name: part.name, arguments: part.arguments })
  }
  return { role: 'assistant', text, toolCalls }
}

/** The text a message adds to the prompt. */
export function promptText(message: Message): string {
  switch (message.role) {
    case 'tool':
      return message.results.map((r) => r.content).join('')
    case 'assistant':
      return message.text + message.toolCalls.map((c) => c.name + argumentsText(c.arguments)).join('')
    default:
      return message.text
  }
}

/** A call's arguments as JSON text: as sent when they came as text, else serialised. */
export function argumentsText(args: unknown): string {
  return typeof args === 'string' ? args : (JSON.stringify(args) ?? '')
}

/** A result's content as text: a string as it is, anything else as JSON. */
export function resultText(content: unknown): string {
  if (typeof content === 'string') return content
  return JSON.stringify(content) ?? ''
}

/**
 * The answer when no rule covers a tool-results step: a text that reports each result, so an agent loop ends
 * with an answer built on what its tools returned, never with the same calls again.
 */
export function defaultToolAnswer(results: readonly ToolResult[]): string {
  const lines = results.map((result) => {
    const who = result.name === '' ? 'The tool' : result.name
    return `${who} ${result.isError ? 'failed' : 'returned'}: ${result.content}`
  })
  return lines.join('\n')
}
