/**
 * /scenarios: the rules a test sets at run time, with the same checks and messages as a `--scenarios` file.
 * The `x-tokensim-scope` header names the scope (one per test, so tests in parallel do not see each other's
 * rules); without it, the rules of the requests that name no scope. GET lists them (and the server's own),
 * POST adds rules after the scope's, PUT replaces them, DELETE clears them. A body is JSON, or YAML when its
 * content-type says so, holding a list of rules or the list under `scenarios:`.
 */
import type { Context, Hono } from 'hono'
import { parse as parseYaml } from 'yaml'
import { TokensimError } from '../../core/errors.js'
import type { Scenario } from '../../core/scenarios.js'
import { checkDepth } from '../body.js'
import type { AppContext } from '../context.js'
import { parseScenarios, ruleOf } from '../scenario-rules.js'
import { MAX_SCOPE_RULES, NO_SCOPE, scopeOf, SCOPE_HEADER } from '../scenario-store.js'

export function scenariosRoute(app: Hono, context: AppContext): void {
  const list = (c: Context, scope: string) =>
    c.json({
      scope: scope === NO_SCOPE ? null : scope,
      scenarios: context.scenarios.scoped(scope).map(ruleOf),
      server: context.scenarios.server.map(ruleOf),
    })
  app.get('/scenarios', (c) => list(c, scopeOf(c.req.header(SCOPE_HEADER))))
  const write = (replace: boolean) => async (c: Context) => {
    const scope = scopeOf(c.req.header(SCOPE_HEADER))
    const rules = await readRules(c, context)
    const next = replace ? rules : [...context.scenarios.scoped(scope), ...rules]
    if (next.length > MAX_SCOPE_RULES) {
      throw new TokensimError(
        'invalid_param',
        `a scope holds at most ${MAX_SCOPE_RULES} rules; this would make ${next.length}`,
        'scenarios',
      )
    }
    await context.scenarios.set(scope, next)
    return list(c, scope)
  }
  app.post('/scenarios', write(false))
  app.put('/scenarios', write(true))
  app.delete('/scenarios', async (c) => {
    const scope = scopeOf(c.req.header(SCOPE_HEADER))
    await context.scenarios.set(scope, [])
    return list(c, scope)
  })
}

/** The body's rules, checked against the server's profiles and replies; a bad one is a 400 that names it. */
async function readRules(c: Context, context: AppContext): Promise<Scenario[]> {
  const source = `${c.req.method} /scenarios`
  const text = await c.req.text()
  const yaml = /yaml/i.test(c.req.header('content-type') ?? '')
  checkDepth(text, `${source}: the body`, 'scenarios', yaml)
  let data: unknown
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text)
  } catch (error) {
    const what = yaml ? 'YAML' : 'JSON (send YAML with content-type: application/yaml)'
    throw new TokensimError(
      'invalid_param',
      `${source}: the body is not valid ${what}: ${(error as Error).message.split('\n')[0]}`,
      'scenarios',
    )
  }
  const names = { profiles: context.profiles.names, replies: context.library.replies.map((r) => r.name) }
  try {
    return parseScenarios(data, source, names)
  } catch (error) {
    throw new TokensimError('invalid_param', (error as Error).message, 'scenarios')
  }
}
