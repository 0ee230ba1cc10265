/**
 * A `curl` command line (its words, as test/helpers/shell.ts splits them) as the request curl would send, so the
 * README's examples run without a curl binary. Only the options the examples use are known; any other is an
 * error, so an example with a new option is taught here rather than run differently from what curl would do.
 */

export interface CurlRequest {
  readonly url: string
  readonly method: string
  /** In the order given; curl sends a header given twice twice. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string | undefined
  /** `-N`: print the body as it comes (a stream). */
  readonly stream: boolean
  /** `-i`: print the response's status line and headers before the body. */
  readonly include: boolean
}

export class CurlOptionError extends Error {
  override readonly name = 'CurlOptionError'
}

const FLAGS: Record<string, 'stream' | 'include' | 'silent'> = {
  '-N': 'stream',
  '--no-buffer': 'stream',
  '-i': 'include',
  '--include': 'include',
  '-s': 'silent',
  '--silent': 'silent',
}
const WITH_VALUE = new Set(['-H', '--header', '-d', '--data', '--data-ascii', '--data-binary', '-X', '--request'])

export function parseCurl(words: readonly string[]): CurlRequest {
  if (words[0] !== 'curl') throw new CurlOptionError(`not a curl command: ${words.join(' ')}`)
  const headers: [string, string][] = []
  const data: string[] = []
  const urls: string[] = []
  const flags = new Set<string>()
  let method: string | undefined
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!
    if (!word.startsWith('-')) {
      urls.push(word)
      continue
    }
    if (WITH_VALUE.has(word)) {
      const value = words[++i]
      if (value === undefined) throw new CurlOptionError(`${word} without a value`)
      if (word === '-H' || word === '--header') {
        const colon = value.indexOf(':')
        if (colon <= 0) throw new CurlOptionError(`-H ${JSON.stringify(value)}: not "name: value"`)
        headers.push([value.slice(0, colon).trim(), value.slice(colon + 1).trim()])
      } else if (word === '-X' || word === '--request') method = value
      else if (value.startsWith('@')) throw new CurlOptionError(`${word} ${value}: a body from a file is not supported`)
      else data.push(value)
      continue
    }
    // Single-letter flags may be bundled (`-sN`).
    const letters = word.startsWith('--') ? [word] : [...word.slice(1)].map((letter) => `-${letter}`)
    for (const flag of letters) {
      const name = FLAGS[flag]
      if (name === undefined) throw new CurlOptionError(`the option ${flag} is not known to this runner (test/helpers/curl.ts)`)
      flags.add(name)
    }
  }
  if (urls.length !== 1) throw new CurlOptionError(`expected one URL, got ${urls.length}: ${urls.join(' ')}`)
  // curl joins several -d with "&", and posts data as a form unless a content-type is given (curl(1), -d).
  const body = data.length > 0 ? data.join('&') : undefined
  if (body !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type'))
    headers.push(['content-type', 'application/x-www-form-urlencoded'])
  return {
    url: urls[0]!,
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    stream: flags.has('stream'),
    include: flags.has('include'),
  }
}
