/**
 * Reads the user's latency profiles (`--profiles PATH`): a JSON or YAML file holding a list of profiles, or the
 * same list under `profiles:`. Each is checked here (every figure a number of ms in range, p99 at least the
 * median, the cap at least p99, chances that add up to less than 1), so a broken file is one ProfilesFileError
 * naming the file, the profile and the problem at start, never a surprise in a stream.
 */
import { basename } from 'node:path'
import { z } from 'zod'
import type { Profile } from '../core/profiles.js'
import { DataFileError, describeIssue, readData } from './data-file.js'

export class ProfilesFileError extends DataFileError {
  override readonly name = 'ProfilesFileError'
}

/** The longest ms any figure may hold: the same as the /stream knobs' limit. */
const MAX_MS = 60_000

const ms = (what: string) =>
  z
    .number({ error: `${what} must be a number of ms` })
    .min(0, { error: (issue) => `${what} must be from 0 to ${MAX_MS} ms; got ${String(issue.input)}` })
    .max(MAX_MS, { error: (issue) => `${what} must be from 0 to ${MAX_MS} ms; got ${String(issue.input)}` })

/** The fields of a log-normal distribution; p99 left out is the median (a constant). */
const DISTRIBUTION = {
  median: ms('median'),
  p99: ms('p99').optional(),
  max: ms('max').optional(),
}

type Declared = { median: number; p99?: number | undefined; max?: number | undefined }

/** The same checks for every distribution (headers, first byte, ttft, gap, stall): a shape the draws can honour. */
function checked<T extends z.ZodType<Declared>>(schema: T) {
  return schema
    .refine((d) => d.p99 === undefined || d.p99 >= d.median, { error: 'p99 must be at least the median', path: ['p99'] })
    .refine((d) => d.median > 0 || (d.p99 ?? 0) === 0, { error: 'with a median of 0, p99 must be 0 (or left out)', path: ['p99'] })
    .refine((d) => d.max === undefined || d.max >= (d.p99 ?? d.median), { error: 'max must be at least p99', path: ['max'] })
}

const LOG_NORMAL = checked(z.object(DISTRIBUTION).strict())
const STALL = checked(
  z
    .object({
      ...DISTRIBUTION,
      chance: z
        .number({ error: 'chance must be a number' })
        .gt(0, { error: 'chance must be more than 0' })
        .lt(1, { error: 'chance must be less than 1' }),
    })
    .strict(),
)

const PROFILE = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, {
      error: 'a profile name is 1 to 100 letters, digits, "-", "_" or ".", starting with a letter or digit',
    }),
    description: z.string().optional(),
    headers: LOG_NORMAL.optional(),
    firstByte: LOG_NORMAL.optional(),
    ttft: LOG_NORMAL,
    gap: LOG_NORMAL,
    stall: STALL.optional(),
    burst: z
      .number({ error: 'burst must be a number' })
      .min(0, { error: 'burst must be at least 0' })
      .lt(1, { error: 'burst must be less than 1' })
      .optional(),
  })
  .strict()
  .refine((p) => (p.burst ?? 0) + (p.stall?.chance ?? 0) < 1, {
    error: 'burst and stall.chance must add up to less than 1',
    path: ['burst'],
  })

type Parsed = z.infer<typeof PROFILE>

export function loadProfilesFile(file: string): Profile[] {
  const data = readData(file, ProfilesFileError)
  const listed = Array.isArray(data) ? data : (data as { profiles?: unknown } | null)?.profiles
  if (!Array.isArray(listed) || (!Array.isArray(data) && Object.keys(data as object).length !== 1)) {
    throw new ProfilesFileError(`${file}: not a profiles file: expected a list of profiles, or the list under "profiles:"`)
  }
  if (listed.length === 0) throw new ProfilesFileError(`${file}: the file holds no profiles`)
  const seen = new Set<string>()
  return listed.map((entry: unknown, index) => {
    const named = (entry as { name?: unknown } | null)?.name
    const which = typeof named === 'string' ? `profile ${JSON.stringify(named)}` : `profile #${index + 1}`
    const result = PROFILE.safeParse(entry)
    if (!result.success) throw new ProfilesFileError(`${file}: ${which}: ${describeIssue(result.error)}`)
    if (seen.has(result.data.name)) throw new ProfilesFileError(`${file}: ${which}: the file already has a profile of this name`)
    seen.add(result.data.name)
    return toProfile(result.data, basename(file))
  })
}

/** The profile as the core holds it: every p99 filled in, nothing undefined. */
function toProfile({ name, description, headers, firstByte, ttft, gap, stall, burst }: Parsed, file: string): Profile {
  const shape = (d: Declared) => ({ median: d.median, p99: d.p99 ?? d.median, ...(d.max !== undefined ? { max: d.max } : {}) })
  return {
    name,
    description: description ?? `from ${file}`,
    ...(headers !== undefined ? { headers: shape(headers) } : {}),
    ...(firstByte !== undefined ? { firstByte: shape(firstByte) } : {}),
    ttft: shape(ttft),
    gap: shape(gap),
    ...(stall !== undefined ? { stall: { ...shape(stall), chance: stall.chance } } : {}),
    ...(burst !== undefined ? { burst } : {}),
  }
}
