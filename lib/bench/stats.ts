/**
 * Measurement helpers of the benchmarks: compared variants run alternately (so that drift of
 * a shared, noisy machine hits each about equally), each figure is the median of the timed
 * runs after a warm-up, with min and max, and ratios are taken pair by pair (run i of B over
 * run i of A) before summarizing.
 * @module
 */
import { benchStat, type BenchStat } from './metrics-bench.js';

export { benchStat, type BenchStat };

/** One variant of a comparison: a name and a function that runs it once and returns its figures. */
export interface Variant<F extends string> {
  name: string;
  run: () => Promise<Record<F, number>>;
}

/** The figures of every timed run of every variant, by variant name then figure name. */
export type AlternatedRuns<F extends string> = Record<string, Record<F, number[]>>;

/**
 * Runs every variant once as a warm-up (results dropped), then `runs` rounds in which every
 * variant runs once; the order rotates by one each round (A B C, B C A, C A B, ...).
 * `settle`, when given, runs before every run (warm-up included) and is not timed: for
 * example a full GC and a pause, so that one variant's garbage is not collected during the next.
 * `warmUp: false` skips the warm-up round (for variants that warm up themselves, such as a
 * program started afresh for each run).
 */
export async function alternate<F extends string>(
  variants: readonly Variant<F>[],
  runs: number,
  onRun?: (variant: string, round: number, figures: Record<F, number>) => void,
  settle?: () => Promise<void>,
  warmUp = true,
): Promise<AlternatedRuns<F>> {
  if (variants.length === 0) throw new RangeError('alternate() needs at least one variant');
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  for (const v of warmUp ? variants : []) {
    await settle?.();
    await v.run();
  }
  const out: AlternatedRuns<F> = {};
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length]!;
      await settle?.();
      const figures = await v.run();
      const slot = (out[v.name] ??= {} as Record<F, number[]>);
      for (const [key, value] of Object.entries(figures) as [F, number][]) (slot[key] ??= []).push(value);
      onRun?.(v.name, round, figures);
    }
  }
  return out;
}

/** Summary of `b[i] / a[i]` over the pairs (the two series must have the same length). */
export function pairedRatio(b: readonly number[], a: readonly number[]): BenchStat {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`pairedRatio needs two non-empty series of equal length, got ${b.length} and ${a.length}`);
  }
  return benchStat(b.map((x, i) => x / a[i]!));
}

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

/**
 * A full garbage collection (when Node runs with `--expose-gc`, as `npm run bench` does) and a
 * pause of `ms`, so that V8's collector and background threads are idle when a timed run starts.
 */
export async function quietMachine(ms = 150): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, ms));
}
