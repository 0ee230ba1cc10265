/**
 * GET /faults against the real server: the fault grammar it lists is the one its parser holds requests to.
 * Every listed fault at its smallest values is taken, a value past its range or a value too many is refused
 * with the range and usage the listing gives, the vendor-only ones are refused on GET /stream and taken on a
 * vendor route; and under --api-key the listing needs the key, as GET /profiles does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'

interface ListedArg {
  name: string
  label: string
  what: string
  min: number
  max: number
  optional: boolean
  default?: number
}
interface ListedFault {
  name: string
  usage: string
  description: string
  vendorOnly: boolean
  args: ListedArg[]
}

let server: RunningServer
let listed: ListedFault[]

beforeAll(async () => {
  server = await startServer()
  const response = await fetch(`${server.url}/faults`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  listed = ((await response.json()) as { faults: ListedFault[] }).faults
})

afterAll(async () => {
  await server?.close()
})

/** What GET /stream answers a fault list with: its status and, when it refused the list, the error message. */
async function streamWith(fault: string): Promise<{ status: number; refused: string | null }> {
  const query = new URLSearchParams({ reply: 'greeting', unit: 'word', delay: '0', ttft: '0', fault })
  const response = await fetch(`${server.url}/stream?${query}`)
  const text = await response.text() // to its end: a stream that plays is read through
  if (response.ok) return { status: response.status, refused: null }
  const body = JSON.parse(text) as { error: { message: string; param: string | null } }
  return { status: response.status, refused: body.error.param === 'fault' ? body.error.message : null }
}

/** A fault with these values, as a spec item. */
const item = (fault: ListedFault, values: readonly (number | string)[]): string => [fault.name, ...values].join(':')

describe('GET /faults', () => {
  it('lists each fault once, with its usage written from its values', () => {
    expect(listed.length).toBeGreaterThan(0)
    expect(new Set(listed.map((f) => f.name)).size).toBe(listed.length)
    for (const fault of listed) {
      const usage = fault.name + fault.args.map((arg) => (arg.optional ? `[:${arg.label}]` : `:${arg.label}`)).join('')
      expect(fault.usage).toBe(usage)
      expect(fault.description.length, fault.name).toBeGreaterThan(10)
      for (const arg of fault.args) expect(arg.min, `${fault.name} ${arg.name}`).toBeLessThanOrEqual(arg.max)
      // an optional value is never followed by a required one
      const firstOptional = fault.args.findIndex((arg) => arg.optional)
      if (firstOptional >= 0)
        expect(
          fault.args.slice(firstOptional).every((arg) => arg.optional),
          fault.name,
        ).toBe(true)
    }
    // the page's toggles and the README's table name these
    for (const name of ['status', 'slow-headers', 'error-after', 'drop-after', 'stall-after', 'coalesce', 'truncate-after', 'split'])
      expect(listed.find((f) => f.name === name)?.vendorOnly, name).toBe(false)
  })

  it('is the grammar GET /stream holds a fault list to: each fault at its smallest values taken, past its range refused', async () => {
    for (const fault of listed.filter((f) => !f.vendorOnly)) {
      const smallest = fault.args.map((arg) => arg.min)
      expect((await streamWith(item(fault, smallest))).refused, item(fault, smallest)).toBeNull()
      const required = fault.args.filter((arg) => !arg.optional).length
      if (required < fault.args.length) expect((await streamWith(item(fault, smallest.slice(0, required)))).refused, fault.name).toBeNull()
      for (const [i, arg] of fault.args.entries()) {
        const past = smallest.map((value, j) => (j === i ? arg.max + 1 : value))
        const { status, refused } = await streamWith(item(fault, past))
        expect(status, item(fault, past)).toBe(400)
        expect(refused, item(fault, past)).toContain(`needs ${arg.what} from ${arg.min} to ${arg.max}`)
        // the message's usage is the listing's
        for (const other of listed.filter((f) => !f.vendorOnly)) expect(refused).toContain(other.usage)
      }
      const tooMany = [...smallest, 1]
      expect((await streamWith(item(fault, tooMany))).refused, item(fault, tooMany)).toMatch(/ takes /)
    }
  })

  it('marks the faults only the vendor routes take: GET /stream refuses them, a vendor request takes them', async () => {
    const vendorOnly = listed.filter((f) => f.vendorOnly)
    expect(vendorOnly.length).toBeGreaterThan(0)
    for (const fault of vendorOnly) {
      expect((await streamWith(fault.name)).status, fault.name).toBe(400)
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tokensim-fault': fault.name, 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(response.status, fault.name).toBe(200)
      await response.text()
    }
  })

  it('needs the API key under --api-key, as GET /profiles does', async () => {
    const keyed = await startServer({ apiKey: 'sk-test-faults' })
    try {
      expect((await fetch(`${keyed.url}/faults`)).status).toBe(401)
      const ok = await fetch(`${keyed.url}/faults`, { headers: { authorization: 'Bearer sk-test-faults' } })
      expect(ok.status).toBe(200)
      expect(((await ok.json()) as { faults: ListedFault[] }).faults).toEqual(listed)
    } finally {
      await keyed.close()
    }
  })
})
