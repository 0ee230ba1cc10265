/** The AI SDK's streamText over a tokensim model: the checks every provider's test shares. */
import { streamText, tool, type LanguageModel } from 'ai'
import { expect } from 'vitest'
import { z } from 'zod'

/** streamText against the weather scenario (test/helpers/scenarios.ts) parses one tool call and finishes for it. */
export async function expectWeatherToolCall(model: LanguageModel, options: { maxOutputTokens?: number } = {}): Promise<void> {
  const result = streamText({
    model,
    ...options,
    prompt: 'weather in Paris?',
    tools: { get_weather: tool({ description: 'weather', inputSchema: z.object({ city: z.string(), unit: z.string() }) }) },
  })
  const calls = await result.toolCalls
  expect(calls).toHaveLength(1)
  expect(calls[0]).toMatchObject({
    toolName: 'get_weather',
    toolCallId: expect.stringMatching(/^(call|toolu)_/),
    input: { city: 'Paris', unit: 'celsius' },
  })
  expect(await result.finishReason).toBe('tool-calls')
}
