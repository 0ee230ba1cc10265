/**
 * The one seeded random source. sfc32 (Chris Doty-Humphrey's Small Fast Counter, as used by PractRand):
 * 128 bits of state, passes BigCrush, and four 32-bit operations per draw, so a plan of a million units
 * costs next to nothing. The core never calls Math.random: every draw comes from a source passed in.
 */
export type Random = () => number

/** A source of uniform draws in [0, 1), the same sequence for the same seed. */
export function createRandom(seed: number): Random {
  // Spread the seed over the state with splitmix32 so that nearby seeds give unrelated streams.
  let s = seed >>> 0
  const mix = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4294967296
  }
}
