/**
 * The bootstrap of `stats.ts` split into slices of resamples that can run on other threads and
 * still give the same numbers to the last digit: slice [from, to) starts its generator where the
 * serial run would be after `from * n` draws, found by jumping the xoshiro128** state ahead
 * (its step is linear over GF(2), so `k` steps are the 128x128 bit matrix of one step raised to
 * the k-th power, applied to the state). Each resample's mean is computed by the same code
 * (`sumResamples`), so the concatenated means equal the serial ones and so do the quantiles.
 * @module
 */

import {
  createPrngAt,
  finishBootstrap,
  planBootstrap,
  prngSeedState,
  sumResamples,
  xoshiroStep,
  type MeanCI,
  type ResampleOptions,
} from './stats.js';

/** A slice of a bootstrap: resamples [from, to) of `data`, generator state at `from`. */
export interface ResampleTask {
  /** The distinct columns, `n` values each. */
  data: Float64Array[];
  /** Number of examples (draws per resample). */
  n: number;
  /** First resample of the slice. */
  from: number;
  /** One past its last resample. */
  to: number;
  /** xoshiro128** state before the draws of resample `from`. */
  state: number[];
}

/** A 128x128 matrix over GF(2): column j (the image of bit j) in words 4j..4j+3. */
type BitMatrix = Uint32Array;

/** `m` applied to the 128-bit vector `v`. */
function apply(m: BitMatrix, v: Uint32Array): Uint32Array {
  const out = new Uint32Array(4);
  for (let j = 0; j < 128; j++) {
    if ((v[j >>> 5]! >>> (j & 31)) & 1) {
      for (let w = 0; w < 4; w++) out[w]! ^= m[4 * j + w]!;
    }
  }
  return out;
}

/** `a * b` (apply b, then a). */
function multiply(a: BitMatrix, b: BitMatrix): BitMatrix {
  const out = new Uint32Array(512);
  for (let j = 0; j < 128; j++) out.set(apply(a, b.subarray(4 * j, 4 * j + 4)), 4 * j);
  return out;
}

/** The matrix of one step. */
function stepMatrix(): BitMatrix {
  const m = new Uint32Array(512);
  for (let j = 0; j < 128; j++) {
    const v = new Uint32Array(4);
    v[j >>> 5] = 1 << (j & 31);
    xoshiroStep(v);
    m.set(v, 4 * j);
  }
  return m;
}

/**
 * The state `createPrng(seed)` has after `steps` outputs (each `nextUint32`, `nextInt` or
 * `fillInts` element is one output).
 *
 * @param seed - the generator's seed.
 * @param steps - number of outputs to skip, a non-negative safe integer.
 */
export function prngStateAfter(seed: number, steps: number): number[] {
  if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative safe integer, got ${steps}`);
  let v: Uint32Array = Uint32Array.from(prngSeedState(seed));
  let power = stepMatrix();
  for (let k = steps; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) v = apply(power, v);
    if (k > 1) power = multiply(power, power);
  }
  return Array.from(v);
}

/**
 * Means of one slice, one array of `to - from` means per column (what the serial bootstrap
 * computes for those resamples).
 *
 * @param task - the slice.
 */
export function runResampleTask(task: ResampleTask): Float64Array[] {
  const out = task.data.map(() => new Float64Array(task.to - task.from));
  sumResamples(task.data, task.n, createPrngAt(task.state), task.to - task.from, out, 0);
  return out;
}

/**
 * `bootstrapSummary` (same result, to the last digit) with its resamples cut into `parts` slices
 * handed to `run`, which may compute them anywhere (e.g. worker threads, with
 * {@link runResampleTask}).
 *
 * @param columns - metric name -> per-example scores (all the same length, >= 1).
 * @param options - resamples, seed and confidence.
 * @param parts - number of slices, >= 1.
 * @param run - computes a slice's means.
 */
export async function bootstrapSummarySliced<K extends string>(
  columns: Readonly<Record<K, readonly number[]>>,
  options: ResampleOptions,
  parts: number,
  run: (task: ResampleTask) => Promise<Float64Array[]>,
): Promise<Record<K, MeanCI>> {
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const plan = planBootstrap(columns, options);
  const { n, resamples, seed } = plan;
  const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * resamples) / parts));
  const slices = await Promise.all(
    bounds.slice(0, -1).map((from, i) => run({ data: plan.distinct, n, from, to: bounds[i + 1]!, state: prngStateAfter(seed, from * n) })),
  );
  const means = plan.distinct.map((_, c) => {
    const all = new Float64Array(resamples);
    slices.forEach((slice, i) => all.set(slice[c]!, bounds[i]!));
    return all;
  });
  return finishBootstrap(plan, means);
}
