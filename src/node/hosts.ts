/**
 * DNS rebinding: a page on `http://evil.example` can point that name at 127.0.0.1 and then read what a local
 * server answers, as its own origin, whatever CORS says. A server that narrowed `--cors` without an API key
 * means "only these pages may read me", so it also answers only requests addressed to it by a name it knows:
 * the address it is bound to, localhost, and the hosts of the origins `--cors` allows. (With `--api-key`, the
 * key keeps such a page out; with `--cors '*'`, any page may read it anyway.)
 */
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

/** The host name of a Host header (`[::1]:8787` -> `::1`, `LocalHost.:80` -> `localhost`). */
function hostnameOf(host: string): string {
  let name = host.trim().toLowerCase()
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') === -1 ? undefined : name.indexOf(']'))
  else if (name.split(':').length === 2) name = name.slice(0, name.indexOf(':'))
  return name.endsWith('.') ? name.slice(0, -1) : name
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1']
const WILDCARD = ['0.0.0.0', '::']

/**
 * Whether a Host header names this server: `bound()` is the address it listens on (a wildcard address stands
 * for every address of the machine's interfaces), `origins` the `--cors` list.
 */
export function createHostCheck(bound: () => string | undefined, origins: readonly string[]): (host: string) => boolean {
  const fromOrigins = origins.flatMap((origin) => {
    try {
      return [new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase()]
    } catch {
      return [] // not a URL (`null`): no host to allow
    }
  })
  return (host) => {
    const name = hostnameOf(host)
    if (LOOPBACK.includes(name) || fromOrigins.includes(name)) return true
    const address = bound()?.toLowerCase()
    if (address === undefined) return false
    if (name === address) return true
    if (!WILDCARD.includes(address) || isIP(name) === 0) return false
    return Object.values(networkInterfaces()).some((list) => list?.some((info) => info.address.toLowerCase() === name))
  }
}
