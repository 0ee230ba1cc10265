/** What the routes of one app share: the settings it was made with and its scheduler, streams and replies. */
import type { NamedCapture } from '../core/captured-stream.js'
import type { ProfileSet } from '../core/profiles.js'
import type { RateLimitStore } from './request-rate-limits.js'
import type { ReplyLibrary } from '../core/replies.js'
import type { Capacity } from './request-capacity.js'
import type { Clock } from './clock.js'
import type { Deliver } from './deliver.js'
import type { ServerFaults } from './request-faults.js'
import type { FrameCache } from './encoded-frames.js'
import type { Journal } from './journal.js'
import type { Metrics } from './metrics.js'
import type { Peers } from './peers.js'
import type { PlanCache } from './plan-cache.js'
import type { ScenarioStore } from './scenario-store.js'
import type { SharedFrameCache } from './shared-frames.js'
import type { GroupShape } from './error-responses.js'
import type { StreamDefaults, StreamLimits } from './params.js'
import type { StreamRegistry } from './streams.js'
import type { UnitSource } from './units.js'

export interface AppContext {
  readonly defaults: StreamDefaults
  /** The defaults of the vendor routes: the same, but in o200k_base tokens unless the server was told a unit. */
  readonly chatDefaults: StreamDefaults
  readonly limits: StreamLimits
  /** Reconnection delay sent to EventSource clients, ms. */
  readonly retry: number
  /** Longest silence before a `: ping` comment, ms. */
  readonly heartbeat: number
  readonly clock: Clock
  readonly registry: StreamRegistry
  readonly library: ReplyLibrary
  /** The scenario rules, the server's and those set at run time per scope; first match wins. */
  readonly scenarios: ScenarioStore
  /** The latency profiles: the built-in ones and the user's (`--profiles`). */
  readonly profiles: ProfileSet
  readonly units: UnitSource
  readonly frames: FrameCache
  /** The plans of vendor answers, shared by the requests of the same answer and knobs. */
  readonly plans: PlanCache
  /** The frames of vendor answers asked for more than once, encoded once for all their responses. */
  readonly shared: SharedFrameCache
  readonly deliver: Deliver
  /** The server-wide faults (`--fault`, `--fault-rate`). */
  readonly faults: ServerFaults
  /** The captured streams it replays (`--captures`), by name. */
  readonly captures: ReadonlyMap<string, NamedCapture>
  /** The requests the server got (`--journal`). */
  readonly journal: Journal
  /** What GET /metrics tells. */
  readonly metrics: Metrics
  /** The other processes of a server with `--workers`. */
  readonly peers?: Peers | undefined
  /** The requests and tokens per minute of each API key (`--rate-limit`); none: not limited. */
  readonly rateLimits?: RateLimitStore | undefined
  /** The streams the simulated model serves at full speed, and how many more may queue (`--capacity`); none: any. */
  readonly capacity?: Capacity | undefined
  /** Each vendor's route group, as routeGroup adds it, for the guard to answer in its shape. */
  readonly routeGroups: GroupShape[]
}
