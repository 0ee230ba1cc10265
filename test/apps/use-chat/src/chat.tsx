/**
 * The chat: useChat over the app's own /api/chat, what a frontend developer writes. Each message shows its
 * parts (text, reasoning, tool calls with their state), the status line shows useChat's `status` (and "Stopped"
 * after Stop), the error line useChat's `error`. The chat id lives in the URL and the messages in sessionStorage,
 * so a reload keeps the conversation, and `resume: true` reconnects to an answer that is still playing. The
 * `get_weather` tool runs here, in the browser, and its result goes back on its own.
 */
import { useChat } from '@ai-sdk/react'
import { DefaultChatTransport, getToolName, isToolUIPart, lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from 'ai'
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'

export interface ChatProps {
  /** the chat's id, kept across reloads */
  readonly id: string
  /** the headers every request of the chat carries (a test's `x-tokensim-scope`) */
  readonly headers: Record<string, string>
}

/** A client-side tool: the temperature of a few cities, in °C. */
const TEMPERATURES: Readonly<Record<string, number>> = { Paris: 21, Oslo: 9, Lisbon: 26 }

function getWeather(input: unknown): { city: string; temp: number | null } {
  const city = typeof input === 'object' && input !== null && 'city' in input ? String(input.city) : ''
  return { city, temp: TEMPERATURES[city] ?? null }
}

const storageKey = (id: string): string => `chat:${id}`

function savedMessages(id: string): UIMessage[] {
  const saved = sessionStorage.getItem(storageKey(id))
  return saved === null ? [] : (JSON.parse(saved) as UIMessage[])
}

export function Chat({ id, headers }: ChatProps): ReactNode {
  const [stopped, setStopped] = useState(false)
  const { messages, sendMessage, status, error, stop, addToolOutput } = useChat({
    id,
    messages: savedMessages(id),
    resume: true, // after a reload, reconnects to an answer that is still playing
    transport: new DefaultChatTransport({ api: '/api/chat', headers }),
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    onToolCall({ toolCall }) {
      if (!toolCall.dynamic && toolCall.toolName === 'get_weather') {
        void addToolOutput({ tool: 'get_weather', toolCallId: toolCall.toolCallId, output: getWeather(toolCall.input) })
      }
    },
    onFinish: ({ isAbort }) => setStopped(isAbort),
  })

  useEffect(() => sessionStorage.setItem(storageKey(id), JSON.stringify(messages)), [id, messages])

  const busy = status === 'submitted' || status === 'streaming'
  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault()
    const input = event.currentTarget.elements.namedItem('prompt') as HTMLInputElement
    if (input.value.trim() === '' || busy) return
    setStopped(false)
    void sendMessage({ text: input.value })
    input.value = ''
  }

  return (
    <main>
      <ol className="messages">
        {messages.map((message) => (
          <li key={message.id} className={`message ${message.role}`}>
            {message.parts.map((part, index) => (
              <MessagePart key={index} part={part} />
            ))}
          </li>
        ))}
      </ol>
      <p className="status" data-status={status}>
        {stopped && status === 'ready' ? 'Stopped' : STATUS[status]}
      </p>
      {error !== undefined && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <form onSubmit={submit}>
        <input name="prompt" aria-label="Message" autoComplete="off" />
        <button type="submit" disabled={busy}>
          Send
        </button>
        <button type="button" disabled={!busy} onClick={() => void stop()}>
          Stop
        </button>
      </form>
    </main>
  )
}

const STATUS: Readonly<Record<ReturnType<typeof useChat>['status'], string>> = {
  submitted: 'Waiting for the answer…',
  streaming: 'Answering…',
  ready: 'Ready',
  error: 'Something went wrong',
}

function MessagePart({ part }: { part: UIMessage['parts'][number] }): ReactNode {
  if (part.type === 'text') return <p className="text">{part.text}</p>
  if (part.type === 'reasoning') return <p className="reasoning">{part.text}</p>
  if (isToolUIPart(part)) {
    return (
      <div className="tool" data-tool={getToolName(part)} data-state={part.state}>
        <code>{getToolName(part)}</code> <code className="input">{JSON.stringify(part.input)}</code>
        {part.state === 'output-available' && <code className="output">{JSON.stringify(part.output)}</code>}
        {part.state === 'output-error' && <span className="tool-error">{part.errorText}</span>}
      </div>
    )
  }
  return null
}
