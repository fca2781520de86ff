/**
 * Measurement helpers of the benchmarks: compared variants run alternately (so that drift of
 * a shared, noisy machine hits each about equally), each figure is the median of the timed
 * runs after a warm-up, with min and max, and ratios are taken pair by pair (run i of B over
 * run i of A) before summarizing.
 * @module
 */
export { mulberry32, randomVector, seededRandom } from './prng.js';

/** Median, min and max of a series of measurements. */
export interface BenchStat {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Summarizes measurements (at least one). */
export function benchStat(values: readonly number[]): BenchStat {
  if (values.length === 0) throw new RangeError('benchStat needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

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
 */
export async function alternate<F extends string>(
  variants: readonly Variant<F>[],
  runs: number,
  onRun?: (variant: string, round: number, figures: Record<F, number>) => void,
  settle?: () => Promise<void>,
): Promise<AlternatedRuns<F>> {
  if (variants.length === 0) throw new RangeError('alternate() needs at least one variant');
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  for (const v of variants) {
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

/**
 * A full garbage collection (when Node runs with `--expose-gc`, as `npm run bench` does) and a
 * pause of `ms`, so that V8's collector and background threads are idle when a timed run starts.
 */
export async function quietMachine(ms = 150): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, ms));
}
