/**
 * The stream registry: endAll ends the open streams and nothing more (tests use it to drop connections); shutDown
 * also aborts `closing` and ends any stream added after.
 */
import { describe, expect, it } from 'vitest'
import { createStreamRegistry, type OpenStream } from '../../src/app/streams.js'

const stream = (ended: string[], name: string): OpenStream => ({ end: (reason) => void ended.push(`${name}: ${reason}`) })

describe('createStreamRegistry', () => {
  it('endAll ends the open streams; the server goes on taking new ones', async () => {
    const registry = createStreamRegistry()
    const ended: string[] = []
    registry.add(stream(ended, 'a'))
    registry.endAll('dropped')
    expect(ended).toEqual(['a: dropped'])
    expect(registry.closing?.aborted).toBe(false)
    registry.add(stream(ended, 'later'))
    await Promise.resolve()
    expect(ended).toEqual(['a: dropped'])
  })

  it('shutDown ends the open streams, aborts closing, and a stream added later is ended as soon as it is set up', async () => {
    const registry = createStreamRegistry()
    const ended: string[] = []
    registry.add(stream(ended, 'a'))
    expect(registry.closing?.aborted).toBe(false)
    registry.shutDown?.('server shutting down')
    expect(ended).toEqual(['a: server shutting down'])
    expect(registry.closing?.aborted).toBe(true)
    registry.add(stream(ended, 'late'))
    // Not inside add (its player is still being built), but before anything else runs.
    expect(ended).toHaveLength(1)
    await Promise.resolve()
    expect(ended).toEqual(['a: server shutting down', 'late: server shutting down'])
  })
})
