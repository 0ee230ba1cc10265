/** Proves the Node 24 suite runs what it says: Node 24, and each SDK's import resolving to its current major. */
import { VERSION as openaiVersion } from 'openai/version'
import { describe, expect, it } from 'vitest'

const major = (version: string) => Number(version.split('.')[0])

describe('the current-majors suite', () => {
  it('runs under Node 24 or later', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(24)
  })

  it('imports openai 7', () => {
    expect(major(openaiVersion)).toBe(7)
  })

  it('imports ai 7 and the @ai-sdk providers 4 and @google/genai 3', async () => {
    const ai = await import('ai')
    const openai = await import('@ai-sdk/openai')
    const anthropic = await import('@ai-sdk/anthropic')
    const genai = await import('@google/genai')
    // Read from the installed package.json files (not every package exports its package.json).
    const { readFileSync } = await import('node:fs')
    const versionOf = (name: string) =>
      (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version
    expect(major(versionOf('ai-v7'))).toBe(7)
    expect(major(versionOf('@ai-sdk/openai-v4'))).toBe(4)
    expect(major(versionOf('@ai-sdk/anthropic-v4'))).toBe(4)
    expect(major(versionOf('@google/genai-v3'))).toBe(3)
    // The aliased modules are the ones loaded: ai 7's streamText is not ai 6's.
    expect(ai.streamText).toBe((await import('ai-v7')).streamText)
    expect(openai.createOpenAI).toBe((await import('@ai-sdk/openai-v4')).createOpenAI)
    expect(anthropic.createAnthropic).toBe((await import('@ai-sdk/anthropic-v4')).createAnthropic)
    expect(genai.GoogleGenAI).toBe((await import('@google/genai-v3')).GoogleGenAI)
  })

  it('imports msw 3, in the tests and in src/msw.ts', async () => {
    const { readFileSync } = await import('node:fs')
    const { version } = JSON.parse(readFileSync(new URL('../../node_modules/msw-v3/package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    expect(major(version)).toBe(3)
    const msw = await import('msw')
    expect(msw.http).toBe((await import('msw-v3')).http)
    expect((await import('msw/node')).setupServer).toBe((await import('msw-v3/node')).setupServer)
    // A handler of tokensim/msw is one of msw 3's.
    const { handlers } = await import('../../src/msw.js')
    expect(handlers[0]).toBeInstanceOf(msw.HttpHandler)
  })
})
