/**
 * The one deterministic PRNG of the benchmarks and the tests (mulberry32), in a module that
 * imports nothing, so that test helpers and fuzzers can use it without loading the library.
 * @module
 */

/** A deterministic pseudo-random generator of floats in [0, 1): mulberry32 (the benchmarks' and tests' one PRNG). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic pseudo-random generator of floats in [-1, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

/** `n` random floats in [-1, 1) from `seed`. */
export function randomVector(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand();
  return out;
}
