/**
 * Renders a core error in the shape each client expects, one function per vendor. The message already names
 * the field or header at fault (`max_tokens: Field required`); shapes without a `param` carry it only there. The native routes answer in
 * the OpenAI error shape (`{"error":{"message","type","param","code"}}`), which most chat clients already know
 * how to show.
 */
import type { ErrorCode, TokensimError } from '../core/errors.js'

export type ErrorStatus = 400 | 404 | 500

export interface ErrorResponse<Body> {
  readonly status: ErrorStatus
  readonly body: Body
}

const STATUS: Record<ErrorCode, ErrorStatus> = {
  invalid_param: 400,
  unknown_reply: 400,
  resume_out_of_range: 400,
  not_found: 404,
  internal: 500,
}

export interface OpenAIErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string }
}

/** OpenAI's shape (https://platform.openai.com/docs/guides/error-codes): what the openai SDK turns into its typed errors. */
export function renderOpenAIError(error: TokensimError): ErrorResponse<OpenAIErrorBody> {
  const status = STATUS[error.code]
  const type = status === 500 ? 'server_error' : status === 404 ? 'not_found_error' : 'invalid_request_error'
  return { status, body: { error: { message: error.message, type, param: error.param, code: error.code } } }
}

/** The native routes speak the OpenAI shape. */
export const renderNativeError = renderOpenAIError

export interface AnthropicErrorBody {
  readonly type: 'error'
  readonly error: { readonly type: string; readonly message: string }
}

/** Anthropic's shape (https://docs.anthropic.com/en/api/errors): `{"type":"error","error":{type,message}}`. */
export function renderAnthropicError(error: TokensimError): ErrorResponse<AnthropicErrorBody> {
  const status = STATUS[error.code]
  const type = status === 500 ? 'api_error' : status === 404 ? 'not_found_error' : 'invalid_request_error'
  return { status, body: { type: 'error', error: { type, message: error.message } } }
}

export interface GeminiErrorBody {
  readonly error: { readonly code: number; readonly message: string; readonly status: string }
}

/** Google's shape (https://ai.google.dev/gemini-api/docs/troubleshooting): `{"error":{code,message,status}}`. */
export function renderGeminiError(error: TokensimError): ErrorResponse<GeminiErrorBody> {
  const status = STATUS[error.code]
  const name = status === 500 ? 'INTERNAL' : status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT'
  return { status, body: { error: { code: status, message: error.message, status: name } } }
}
