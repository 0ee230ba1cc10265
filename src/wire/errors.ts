/**
 * Renders a core error for the client. The native routes answer in the OpenAI error shape
 * (`{"error":{"message","type","param","code"}}`), which most chat clients already know how to show.
 */
import type { ErrorCode, TokensimError } from '../core/errors.js'

export interface ErrorResponse {
  readonly status: 400 | 500
  readonly body: {
    readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: ErrorCode }
  }
}

const STATUS: Record<ErrorCode, ErrorResponse['status']> = {
  invalid_param: 400,
  unknown_reply: 400,
  resume_out_of_range: 400,
  internal: 500,
}

export function renderNativeError(error: TokensimError): ErrorResponse {
  const status = STATUS[error.code]
  const type = status === 500 ? 'server_error' : 'invalid_request_error'
  return { status, body: { error: { message: error.message, type, param: error.param, code: error.code } } }
}
