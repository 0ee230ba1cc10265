/**
 * Templates in a scenario's text, reasoning and tool-call arguments: `{{name}}` is replaced by what the
 * conversation holds now.
 *   {{user}}                 the last user message's text
 *   {{model}}, {{turn}}      the request's model id; the number of the user's turn (1 for the first question)
 *   {{args.TOOL}}            the arguments of the newest call of TOOL, as JSON; {{args.TOOL.city}} one field
 *   {{result.TOOL}}          the newest result of TOOL, as sent; {{result.TOOL.temp}} one field of a JSON result
 * A path goes into objects and arrays (`{{result.search.hits.0.title}}`); a string value is inserted as it is,
 * anything else as JSON. Which names may appear is checked when the rule is loaded (checkTemplate): a rule can
 * read a tool's arguments and result only where it matches that tool's result, so the value is there.
 */
import { argumentsText, type ConversationState, type ToolCall, type ToolResult } from './conversation.js'

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g
const SCALARS = ['user', 'model', 'turn']

/** The names a text uses, e.g. ['user', 'result.get_weather.temp']. */
function templateNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!)
}

/**
 * Why a name cannot be filled in a rule that is sure to have results of `tools` (its `match.tool_result`), or
 * undefined when it can.
 */
function checkTemplateName(name: string, tools: readonly string[]): string | undefined {
  const [root, tool, ...path] = name.split('.')
  if (root !== undefined && SCALARS.includes(root) && tool === undefined) return undefined
  if (root !== 'args' && root !== 'result') {
    return `{{${name}}} names nothing a conversation holds; a template may use {{user}}, {{model}}, {{turn}}, {{args.TOOL…}} and {{result.TOOL…}}`
  }
  if (tool === undefined || tool === '' || path.some((segment) => segment === '')) return `{{${name}}} needs a tool name: {{${root}.TOOL}}`
  if (!tools.includes(tool)) {
    return `{{${name}}} reads ${tool}'s ${root === 'args' ? 'arguments' : 'result'}, but the rule does not match \`tool_result: ${tool}\`, so there may be none`
  }
  return undefined
}

/** Every problem of the names a text uses (see checkTemplateName). */
export function checkTemplate(text: string, tools: readonly string[]): string[] {
  return templateNames(text).flatMap((name) => checkTemplateName(name, tools) ?? [])
}

/** The text with every name filled from the conversation; a name with no value stays as written, in sight. */
export function renderTemplate(text: string, state: ConversationState): string {
  if (!text.includes('{{')) return text
  return text.replace(PLACEHOLDER, (whole, name: string) => valueOf(name, state) ?? whole)
}

/** A tool call's arguments with every string inside rendered. */
export function renderArguments(value: unknown, state: ConversationState): unknown {
  if (typeof value === 'string') return renderTemplate(value, state)
  if (Array.isArray(value)) return value.map((item) => renderArguments(item, state))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderArguments(item, state)]))
  }
  return value
}

function valueOf(name: string, state: ConversationState): string | undefined {
  const [root, tool, ...path] = name.split('.')
  switch (root) {
    case 'user':
      return state.user
    case 'model':
      return state.model
    case 'turn':
      return String(state.turn)
    default: // the other roots name a tool, read below
  }
  if (tool === undefined) return undefined
  if (root === 'args') {
    const call = newest(state.calls, tool)
    if (call === undefined) return undefined
    return path.length === 0 ? argumentsText(call.arguments) : show(dig(parsed(call.arguments), path))
  }
  if (root === 'result') {
    const result = newest(state.results, tool) ?? newest(state.allResults, tool)
    if (result === undefined) return undefined
    return path.length === 0 ? result.content : show(dig(parsed(result.content), path))
  }
  return undefined
}

function newest<T extends ToolCall | ToolResult>(items: readonly T[], name: string): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.name === name) return items[i]
  return undefined
}

/** JSON text as its value; anything else as it is. */
function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

function dig(value: unknown, path: readonly string[]): unknown {
  let here = value
  for (const key of path) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) return undefined
    here = (here as Record<string, unknown>)[key]
  }
  return here
}

const show = (value: unknown): string | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value)
