/** The AI SDK's AbstractChat with the smallest state: what useChat is, without React. */
import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from 'ai'

/** The smallest ChatState: what a framework binding (useChat) keeps in its own reactive store. */
class PlainState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready'
  error: Error | undefined = undefined
  constructor(public messages: UIMessage[] = []) {}
  pushMessage = (message: UIMessage) => void this.messages.push(message)
  popMessage = () => void this.messages.pop()
  replaceMessage = (index: number, message: UIMessage) => void (this.messages[index] = message)
  snapshot = <T>(thing: T): T => structuredClone(thing)
}

export class PlainChat extends AbstractChat<UIMessage> {
  constructor({ messages, ...init }: ChatInit<UIMessage>) {
    super({ ...init, state: new PlainState(messages) })
  }
}
