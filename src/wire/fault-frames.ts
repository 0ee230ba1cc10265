/**
 * Faults on the wire: a stream's timed frames with a fault plan's silences and cut applied, the same way for
 * every format. A frame that carries units of the answer says which (`last`); a silence after unit N delays
 * every frame after the one that carries unit N, and a cut after unit N keeps the frames up to that one and
 * drops the rest, closing events included, so a client sees the answer stop mid-way: then the format's own
 * in-stream error (error-after) or nothing at all (drop-after). Either way the response then ends, and the
 * connection closes: on Node a stream's body is delimited by the connection's close, so a drop is exactly
 * what a client sees when a flaky proxy cuts it (on web-stream runtimes the chunked body ends without the
 * format's end marker).
 */
import type { FaultPlan } from '../core/faults.js'
import { createRandom, type Random } from '../core/random.js'
import type { TimedFrame } from './frames.js'

/**
 * `error(kept)` renders the format's in-stream error given how many frames went before it (Responses numbers
 * its events). Truncation is not done here: a truncated answer ends normally, with the finish reason for it,
 * so it is cut in the plan before encoding (truncateTurn).
 */
export function applyFaults(frames: readonly TimedFrame[], plan: FaultPlan, error: (kept: number) => string): TimedFrame[] {
  const cut = cutAndStall(frames, plan, error)
  return plan.coalesce === undefined ? cut : coalesce(cut, plan.coalesce)
}

/**
 * Every frame moved to the next of a series of flush moments spaced MS x [0.5, 1.5] apart (the spacing drawn
 * from a source seeded by MS, so a run repeats): the player then writes all frames of a moment in one write, as
 * a proxy that buffers delivers them. Offsets never move earlier.
 */
function coalesce(frames: readonly TimedFrame[], ms: number): TimedFrame[] {
  const random = createRandom(ms)
  let flush = 0
  return frames.map((frame) => {
    while (flush < frame.at) flush += ms * (0.5 + random())
    return { ...frame, at: flush }
  })
}

function cutAndStall(frames: readonly TimedFrame[], { stalls, cut }: FaultPlan, error: (kept: number) => string): TimedFrame[] {
  let out = [...frames]
  for (const { after, ms } of stalls) {
    const carrier = out.findIndex((f) => f.last !== undefined && f.last >= after)
    if (carrier < 0 || carrier === out.length - 1 || ms === 0) continue
    out = out.map((frame, i) => (i > carrier ? { ...frame, at: frame.at + ms } : frame))
  }
  if (cut === undefined || cut.how === 'truncate') return out
  const carrier = out.findIndex((f) => f.last !== undefined && f.last >= cut.after)
  if (carrier < 0) return out // the answer is shorter: nothing to cut
  const kept = out.slice(0, carrier + 1)
  // The fault strikes when the next frame was due: the client waits as it would for the next unit.
  const at = out[carrier + 1]?.at ?? out[carrier]!.at
  return [...kept, { at, text: cut.how === 'error' ? error(kept.length) : '' }]
}

/**
 * Where the split fault cuts one frame's bytes into 2 to `most` pieces: sorted byte offsets, each strictly
 * inside the frame (a frame of n bytes has at most n pieces; an empty one is not cut). The places that break a
 * client come first: one cut before a UTF-8 continuation byte (inside a multi-byte character, RFC 3629,
 * section 3), where a decoder that is not told more is coming (`TextDecoder#decode(chunk)` without
 * `{stream: true}`) emits U+FFFD; one inside a `data:` line, before its LF, which a parser that reads a chunk
 * as whole lines (rather than buffering to the next LF, as the SSE spec's interpretation requires) mangles;
 * then anywhere. Each only when the frame has one, and every draw from `random`, so a seeded source cuts the
 * same stream the same way.
 */
export function splitPoints(bytes: Uint8Array, most: number, random: Random): number[] {
  const pieces = Math.min(2 + Math.floor(random() * (most - 1)), bytes.length)
  if (pieces < 2) return []
  // A cut at i goes between bytes i - 1 and i; one just after an LF is between two lines, not inside one.
  const inCharacter: number[] = []
  const inData: number[] = []
  let dataLine = isDataLine(bytes, 0) // whether byte i - 1 is in a `data:` line
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i - 1] === LF) dataLine = isDataLine(bytes, i)
    else if (dataLine) inData.push(i)
    if ((bytes[i]! & 0xc0) === 0x80) inCharacter.push(i)
  }
  const cuts = new Set<number>()
  const pick = (from: readonly number[]): void => {
    const free = from.filter((at) => !cuts.has(at))
    if (free.length > 0) cuts.add(free[Math.floor(random() * free.length)]!)
  }
  pick(inCharacter)
  if (cuts.size < pieces - 1) pick(inData)
  // The rest anywhere among the n - 1 places; there are at most n - 1 cuts, so this ends.
  while (cuts.size < pieces - 1) {
    const at = 1 + Math.floor(random() * (bytes.length - 1))
    if (!cuts.has(at)) cuts.add(at)
  }
  return [...cuts].sort((a, b) => a - b)
}

const LF = 0x0a
const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a] // "data:"

const isDataLine = (bytes: Uint8Array, start: number): boolean => DATA.every((byte, i) => bytes[start + i] === byte)
