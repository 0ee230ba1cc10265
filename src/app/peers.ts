/**
 * The other processes of a server started with `--workers`: what the app asks of them (src/node/cluster.ts carries
 * the questions over node:cluster's IPC). One process has none, and asking gets no answers.
 */
export interface Peers {
  /** Asks every other process; resolves with their answers once all have answered (or a timeout has passed). */
  ask(kind: string, payload: unknown): Promise<readonly unknown[]>
  /** How this process answers a question of `kind` from another. */
  on(kind: string, handler: (payload: unknown) => unknown): void
}

/** The question that changes the runtime scenario rules (src/app/scenario-store.ts), which a later process needs too. */
export const SCENARIOS_KIND = 'scenarios'
