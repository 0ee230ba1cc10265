/**
 * GET /journal: the requests the server got, oldest first, filtered by `route`, `scope` and `since`;
 * DELETE /journal clears the entries the same filters pick. With `--workers`, every process's entries.
 */
import type { Context, Hono } from 'hono'
import { TokensimError } from '../../core/errors.js'
import type { AppContext } from '../context.js'
import type { JournalEntry, JournalFilter } from '../journal.js'
import { scopeOf, SCOPE_HEADER } from '../scenario-store.js'

const JOURNAL_READ = 'journal-read'
const JOURNAL_CLEAR = 'journal-clear'

export function journalRoute(app: Hono, context: AppContext): void {
  const { journal, peers } = context
  peers?.on(JOURNAL_READ, (filter) => journal.list(filter as JournalFilter))
  peers?.on(JOURNAL_CLEAR, (filter) => journal.clear(filter as JournalFilter))

  app.get('/journal', async (c) => {
    const filter = filterOf(c)
    const entries = [...journal.list(filter)]
    for (const answer of (await peers?.ask(JOURNAL_READ, filter)) ?? []) entries.push(...((answer as JournalEntry[] | undefined) ?? []))
    entries.sort((a, b) => a.at - b.at)
    return c.json({ limit: journal.limit, entries })
  })
  app.delete('/journal', async (c) => {
    const filter = filterOf(c)
    let cleared = journal.clear(filter)
    for (const answer of (await peers?.ask(JOURNAL_CLEAR, filter)) ?? []) cleared += typeof answer === 'number' ? answer : 0
    return c.json({ cleared })
  })
}

/** `route`, `scope` (else the x-tokensim-scope header, so a scoped test client reads its own) and `since`. */
function filterOf(c: Context): JournalFilter {
  const route = c.req.query('route')
  const scope = c.req.query('scope') ?? c.req.header(SCOPE_HEADER)
  const since = c.req.query('since')
  let at: number | undefined
  if (since !== undefined) {
    at = /^\d+$/.test(since) ? Number(since) : Date.parse(since)
    if (Number.isNaN(at)) {
      const message = `since: must be ms since the Unix epoch or an ISO 8601 time; got ${JSON.stringify(since)}`
      throw new TokensimError('invalid_param', message, 'since')
    }
  }
  return {
    ...(route === undefined ? {} : { route }),
    ...(scope === undefined ? {} : { scope: scopeOf(scope) }),
    ...(at === undefined ? {} : { since: at }),
  }
}
