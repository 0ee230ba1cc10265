/** What a vendor response says about itself besides the answer, decided by the server per response. */
export interface ResponseMeta {
  /** The response's id in the vendor's form (`chatcmpl-…`, `msg_…`, `resp_…`), unique per response. */
  readonly id: string
  /** Unix seconds when the response was created. */
  readonly created: number
  /** The model id as the request named it. */
  readonly model: string
}
