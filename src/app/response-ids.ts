/**
 * What makes one response of an answer its own: its ids, its `created` second, an id the client gave. A route
 * draws them through an Ids, which records them, so that the frames every response of the same answer shares
 * can be encoded once with stand-ins in their place (src/app/shared-frames.ts) and each response's own
 * values written into them as it plays.
 */

/** The per-response values of a response's options, drawn in the same order by every response of a route. */
export interface Ids {
  /** A fresh id: `prefix` and `length` random letters and digits (newId). */
  id(prefix: string, length: number): string
  /** Now, in Unix seconds, for a `created` field; `after` seconds later for a moment after it (a completion). */
  created(after?: number): number
  /** A value the request gave (an id the client chose), as it is. */
  given(value: string): string
}

/** A response's own values, drawn and recorded: each as it appears inside a JSON string of the frames. */
export class OwnIds implements Ids {
  readonly values: string[] = []

  /**
   * `again`: the values of a response made before (its `values`), drawn again in the same order, for the same
   * response once more (a resumed stream); else each drawn fresh.
   */
  constructor(private readonly again?: readonly string[]) {}

  id(prefix: string, length: number): string {
    const id = prefix + (this.again?.[this.values.length] ?? newId('', length))
    this.values.push(id.slice(prefix.length))
    return id
  }

  /** The response's now: one second for all its moments. */
  private now: number | undefined

  created(after = 0): number {
    const again = this.again?.[this.values.length]
    const value = again !== undefined ? Number(again) : (this.now ??= unixSeconds()) + after
    this.values.push(String(value))
    return value
  }

  given(value: string): string {
    this.values.push(JSON.stringify(value).slice(1, -1))
    return value
  }
}

/**
 * Stand-ins for the per-response values, the n-th drawn value's the same in every response of this process:
 * random letters and digits (a `created` one ten digits from 9), which no answer, model name or encoder
 * constant holds (shared-frames checks that the response's own options and answer do not).
 */
export class StandIns implements Ids {
  readonly values: string[] = []

  id(prefix: string, length: number): string {
    const value = standIn(this.values.length, 'id', Math.max(length, MIN_LENGTH))
    this.values.push(value)
    return prefix + value
  }

  created(): number {
    const value = standIn(this.values.length, 'created', 10)
    this.values.push(value)
    return Number(value)
  }

  given(value: string): string {
    void value
    const stand = standIn(this.values.length, 'given', MIN_LENGTH)
    this.values.push(stand)
    return stand
  }
}

/**
 * The stand-in for a response's prompt tokens: a number of 14 digits, its first five drawn for the process and
 * the rest 0, so that what an encoder adds to it (a total of input and output tokens) keeps those five digits
 * (src/app/shared-frames.ts finds each such sum by them, and writes the response's own count plus the same
 * amount in its place). `sum`: a sum of it and less than 1e9, as JSON writes it, not inside a longer number.
 * Drawn when first asked for: a Worker may draw random values only inside a handler, not as its module loads.
 */
export function inputStandIn(): { readonly value: number; readonly sum: string } {
  if (input === undefined) {
    const value = Number(`7${randomDigits(4)}`) * 1e9
    input = { value, sum: `(?<![0-9.])${String(value).slice(0, 5)}[0-9]{9}(?![0-9.])` }
  }
  return input
}
let input: { readonly value: number; readonly sum: string } | undefined

/** Long enough that no text holds one by chance. */
const MIN_LENGTH = 16

const made = new Map<string, string>()

/** The process's stand-in for the `index`-th value of a kind; also used for an answer's tool call ids. */
export function standIn(index: number, kind: 'id' | 'created' | 'given' | 'call', length: number): string {
  const key = `${index} ${kind} ${length}`
  let value = made.get(key)
  if (value === undefined) {
    value = kind === 'created' ? `9${randomDigits(length - 1)}` : newId('', length)
    made.set(key, value)
  }
  return value
}

function randomDigits(length: number): string {
  let digits = ''
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) digits += String(byte % 10)
  return digits
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A fresh id in a vendor's style: `prefix` and `length` random letters and digits (Web Crypto, on every runtime).
 * The random bytes are drawn 4 KiB at a time: a call into the system's source for every id (three or four a
 * request) cost more than the rest of the id's work put together.
 */
export const newId = (prefix: string, length = 24): string => prefix + fromPool(length, ALPHABET)

/** A fresh id of `prefix` and `length` random hex digits (`req_` and 32 for an OpenAI request id), from the same pool. */
export const newHexId = (prefix: string, length: number): string => prefix + fromPool(length, HEX)

const HEX = '0123456789abcdef'

/** `length` characters of `alphabet` drawn from the pool of random bytes. */
function fromPool(length: number, alphabet: string): string {
  if (pooled + length > POOL.length) {
    crypto.getRandomValues(POOL)
    pooled = 0
  }
  let id = ''
  for (let i = pooled; i < pooled + length; i++) id += alphabet[POOL[i]! % alphabet.length]
  pooled += length
  return id
}

const POOL = new Uint8Array(4096)
let pooled = POOL.length

/** Now, in Unix seconds, for `created` fields. */
const unixSeconds = (): number => Math.floor(Date.now() / 1000)
