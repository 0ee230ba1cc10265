/**
 * /scenarios: rules set at run time over HTTP, per scope, through a real socket: two tests in parallel each with
 * its own script, a three-turn conversation scripted without a restart, the file's checks and messages, and the
 * same rules in every process of `--workers 2`.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_REPLIES } from '../../src/core/replies/builtin.js'
import { scopedTokensim, scopeFrom } from '../../src/scoped-client.js'
import { killChildren, startCli } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const fast = { 'x-tokensim-delay': '0', 'x-tokensim-ttft': '0' }
const greeting = BUILTIN_REPLIES.find((r) => r.name === 'greeting')!.text

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ scenarios: [{ name: 'file-rule', match: { contains: 'file' }, answers: [{ text: 'From the file.' }] }] })
})
afterAll(async () => {
  await server.close()
  await killChildren()
})

const script = (url: string, method: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/scenarios`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })

const chat = (url: string, scope?: string) =>
  new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: 'any',
    maxRetries: 0,
    defaultHeaders: { ...fast, ...(scope === undefined ? {} : { 'x-tokensim-scope': scope }) },
  })

async function ask(client: OpenAI, messages: OpenAI.ChatCompletionMessageParam[]): Promise<string> {
  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  return text
}

describe('/scenarios', () => {
  it("two scopes in parallel each see their own rules, then the server's; no scope sees neither", async () => {
    const scopes = ['test-a', 'test-b']
    await Promise.all(
      scopes.map(async (scope) => {
        const response = await script(server.url, 'PUT', [{ name: 'hi', match: { contains: 'hi' }, text: `Hello from ${scope}.` }], {
          'x-tokensim-scope': scope,
        })
        expect(response.status).toBe(200)
      }),
    )
    const answers = await Promise.all(
      [...scopes, ...scopes].map((scope) => ask(chat(server.url, scope), [{ role: 'user', content: 'hi there' }])),
    )
    expect(answers).toEqual(['Hello from test-a.', 'Hello from test-b.', 'Hello from test-a.', 'Hello from test-b.'])
    expect(await ask(chat(server.url, 'test-a'), [{ role: 'user', content: 'from the file?' }])).toBe('From the file.')
    expect(await ask(chat(server.url), [{ role: 'user', content: 'hi there' }])).toBe(greeting)
  })

  it('scripts a three-turn conversation with a list of answers, a tool step and templates, all at run time', async () => {
    const scope = 'three-turns'
    const yaml = [
      '- name: chat',
      '  answers:',
      '    - text: "Turn one: {{user}}"',
      '    - tool_calls: [{ name: lookup, arguments: { q: "{{user}}" } }]',
      '    - text: Turn three.',
      '- name: found',
      '  match: { tool_result: lookup }',
      '  text: "Found {{result.lookup.title}} for {{args.lookup.q}}."',
    ].join('\n')
    const put = await script(server.url, 'PUT', yaml, { 'x-tokensim-scope': scope, 'content-type': 'application/yaml' })
    expect(put.status).toBe(200)
    const client = chat(server.url, scope)
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hello' }]
    const first = await ask(client, messages)
    expect(first).toBe('Turn one: hello')
    messages.push({ role: 'assistant', content: first }, { role: 'user', content: 'find tokensim' })
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages })
    const call = second.choices[0]!.message.tool_calls![0]!
    expect(call).toMatchObject({ function: { name: 'lookup', arguments: '{"q":"find tokensim"}' } })
    messages.push(second.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"title":"the README"}' })
    const report = await ask(client, messages)
    expect(report).toBe('Found the README for find tokensim.')
    messages.push({ role: 'assistant', content: report }, { role: 'user', content: 'thanks' })
    expect(await ask(client, messages)).toBe('Turn three.')
  })

  it('lists, adds, replaces and clears a scope, in the file format', async () => {
    const headers = { 'x-tokensim-scope': 'crud' }
    await script(server.url, 'PUT', [{ name: 'one', text: '1' }], headers)
    const added = await (
      await script(
        server.url,
        'POST',
        { scenarios: [{ name: 'two', match: { turn: 2 }, answers: [{ text: 'a' }, { text: 'b' }] }] },
        headers,
      )
    ).json()
    expect(added).toEqual({
      scope: 'crud',
      scenarios: [
        { name: 'one', text: '1' },
        { name: 'two', match: { turn: 2 }, answers: [{ text: 'a' }, { text: 'b' }] },
      ],
      server: [{ name: 'file-rule', match: { contains: 'file' }, text: 'From the file.' }],
    })
    // What GET lists can be sent back as it is.
    const listed = (await (await script(server.url, 'GET', undefined, headers)).json()) as { scenarios: unknown[] }
    expect((await script(server.url, 'PUT', listed.scenarios, headers)).status).toBe(200)
    expect(await (await script(server.url, 'GET', undefined, headers)).json()).toEqual(added)
    const cleared = await (await script(server.url, 'DELETE', undefined, headers)).json()
    expect(cleared).toMatchObject({ scope: 'crud', scenarios: [] })
    expect(await (await script(server.url, 'GET')).json()).toMatchObject({ scope: null, scenarios: [] })
  })

  it.each([
    [
      'a bad regular expression',
      [{ name: 'x', match: { matches: '(' }, text: 'y' }],
      /^PUT \/scenarios: rule "x" \(#1\): match\.matches: not a valid regular expression/,
    ],
    ['an unknown reply', [{ reply: 'nope' }], /^PUT \/scenarios: rule #1: reply: no reply named "nope"; the replies are: echo, greeting/],
    ['an unknown profile', [{ text: 'x', profile: 'warp' }], /^PUT \/scenarios: rule #1: profile: not a profile/],
    ['a template naming nothing', [{ text: '{{who}}' }], /^PUT \/scenarios: rule #1: text: \{\{who\}\} names nothing/],
    ['no rules', [], /^PUT \/scenarios: the file holds no scenarios/],
    ['a body that is not JSON', '[{', /^PUT \/scenarios: the body is not valid JSON/],
  ])('refuses %s with a 400 that names the rule, and keeps the scope as it was', async (_what, body, message) => {
    const headers = { 'x-tokensim-scope': 'refused' }
    await script(server.url, 'PUT', [{ name: 'kept', text: 'kept' }], headers)
    const response = await script(server.url, 'PUT', body, headers)
    expect(response.status).toBe(400)
    const { error } = (await response.json()) as { error: { message: string; param: string; code: string } }
    expect(error).toMatchObject({ param: 'scenarios', code: 'invalid_param' })
    expect(error.message).toMatch(message)
    expect(await (await script(server.url, 'GET', undefined, headers)).json()).toMatchObject({ scenarios: [{ name: 'kept' }] })
  })

  it('refuses a malformed scope on /scenarios and on a vendor route', async () => {
    const response = await script(server.url, 'GET', undefined, { 'x-tokensim-scope': 'a b' })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { param: 'x-tokensim-scope' } })
    const refused = await chat(server.url, 'x'.repeat(200))
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError)
    expect(refused).toMatchObject({ param: 'x-tokensim-scope' })
  })

  it("the test helpers' client refuses what the server refuses, with its message, and scopeFrom makes a scope it takes", async () => {
    const response = await script(server.url, 'GET', undefined, { 'x-tokensim-scope': 'a b' })
    const { error } = (await response.json()) as { error: { message: string } }
    expect(() => scopedTokensim(server.url, 'a b')).toThrow(error.message)
    const made = scopeFrom(`vitest:1 2:${'é'.repeat(300)}`)
    expect(made).toBe(`vitest:1-2:-`)
    expect((await script(server.url, 'GET', undefined, { 'x-tokensim-scope': made })).status).toBe(200)
  })
})

describe('/scenarios with --workers 2', () => {
  it('a rule set through one process answers in every process, at once', { timeout: 60_000 }, async () => {
    const { url } = await startCli(['--workers', '2'])
    for (let round = 0; round < 3; round++) {
      const text = `Round ${round}.`
      const put = await script(url, 'PUT', [{ text }], { 'x-tokensim-scope': 'workers' })
      expect(put.status).toBe(200)
      // New connections, so the cluster spreads them over both processes.
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', connection: 'close', 'x-tokensim-scope': 'workers', ...fast },
            body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
          }).then(async (r) => ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content),
        ),
      )
      expect(answers).toEqual(Array(8).fill(text))
    }
  })
})
