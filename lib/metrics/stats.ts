/**
 * Corpus statistics for per-example metric scores:
 *
 * - {@link mean};
 * - seeded percentile-bootstrap confidence intervals of the mean ({@link bootstrapCI},
 *   {@link bootstrapSummary}); default 10,000 resamples, 95%;
 * - a paired comparison of two systems scored on the same examples
 *   ({@link pairedComparison}): mean difference, its paired-bootstrap CI, and a two-sided
 *   paired sign-flip (permutation) test p-value, exact when 2^n <= resamples.
 *
 * Randomness comes from xoshiro128** seeded through splitmix32, so a given seed always gives
 * the same intervals and p-values on every platform. Scores are never dropped: callers pass
 * every example (an empty prediction is a score of 0, not a missing value).
 *
 * Percentiles use linear interpolation between order statistics (NumPy's default
 * `np.percentile`, also what rouge_score's `BootstrapAggregator` uses).
 *
 * @module
 */

/** Default number of bootstrap / permutation resamples. */
export const DEFAULT_RESAMPLES = 10_000;
/** Default seed of the resampling PRNG. */
export const DEFAULT_SEED = 0;
/** Default confidence level of intervals. */
export const DEFAULT_CONFIDENCE = 0.95;

/** A seeded source of uniform 32-bit integers. */
export interface Prng {
  /** Next uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Next uniform integer in [0, n), n >= 1 (multiply-shift; bias below n / 2^32). */
  nextInt(n: number): number;
  /** Next uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** Fills `out` with successive `nextInt(n)` draws (the same draws, in a tight loop). */
  fillInts(n: number, out: Uint32Array): void;
  /**
   * Draws `count` indices as `fillInts(n, ...)` would and sums each of up to four `columns` at
   * them, in draw order, into `sums[c]` (each sum starts at 0).
   */
  sumDraws(n: number, count: number, columns: readonly Float64Array[], sums: Float64Array): void;
}

/**
 * Creates a xoshiro128** generator whose 128-bit state is filled from `seed` by splitmix32.
 *
 * @param seed - any integer (taken modulo 2^32).
 */
export function createPrng(seed: number): Prng {
  return createPrngAt(prngSeedState(seed));
}

/**
 * The xoshiro128** state {@link createPrng} starts from: four 32-bit words from splitmix32 of
 * `seed` (never all zero).
 *
 * @param seed - any integer (taken modulo 2^32).
 */
export function prngSeedState(seed: number): [number, number, number, number] {
  if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new RangeError(`PRNG seed must be an integer, got ${seed}`);
  }
  let sm = seed >>> 0;
  const splitmix32 = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state: [number, number, number, number] = [splitmix32(), splitmix32(), splitmix32(), splitmix32()];
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

/**
 * A xoshiro128** generator continuing from `state` (four 32-bit words, not all zero), e.g. one
 * from {@link prngSeedState}, or that state moved ahead (`resample.ts`).
 *
 * @param state - the generator state.
 */
export function createPrngAt(state: readonly number[]): Prng {
  if (state.length !== 4 || state.every((w) => (w >>> 0) === 0)) {
    throw new RangeError(`PRNG state must be four 32-bit words, not all zero, got [${state.join(', ')}]`);
  }
  // The state lives in a typed array, so that the loops below can be plain functions.
  const st = Uint32Array.from(state);
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(st[1]!, 5) >>> 0, 7), 9) >>> 0;
    xoshiroStep(st);
    return result;
  };
  const nextInt = (n: number): number => Math.floor((nextUint32() * n) / 4294967296);
  return {
    nextUint32,
    nextInt,
    nextFloat: (): number => nextUint32() / 4294967296,
    fillInts: (n: number, out: Uint32Array): void => fillIntsAt(st, n, out),
    sumDraws: (n: number, count: number, columns: readonly Float64Array[], sums: Float64Array): void => sumDrawsAt(st, n, count, columns, sums),
  };
}

/**
 * The xoshiro128** state step (without the output), on a state of four words. The two bootstrap
 * loops below repeat it on local variables (the state kept in registers is what makes them fast).
 *
 * @param s - the state, updated in place.
 */
export function xoshiroStep(s: Uint32Array): void {
  const t = s[1]! << 9;
  s[2]! ^= s[0]!;
  s[3]! ^= s[1]!;
  s[1]! ^= s[2]!;
  s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = rotl(s[3]!, 11);
}

/**
 * `fillInts` of the generator whose state is `st`: nextInt's draws, with the state in local
 * int32 variables (the same bits, about 3x faster in the bootstrap's inner loop; the test
 * compares it with nextInt).
 */
function fillIntsAt(st: Uint32Array, n: number, out: Uint32Array): void {
  let a = st[0]! | 0;
  let b = st[1]! | 0;
  let c = st[2]! | 0;
  let d = st[3]! | 0;
  for (let i = 0; i < out.length; i++) {
    const x = Math.imul(b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    out[i] = Math.floor((result * n) / 4294967296);
  }
  st[0] = a;
  st[1] = b;
  st[2] = c;
  st[3] = d;
}

/** `sumDraws` of the generator whose state is `st`: {@link fillIntsAt}'s loop with the sums taken at once. */
function sumDrawsAt(st: Uint32Array, n: number, count: number, columns: readonly Float64Array[], sums: Float64Array): void {
  if (columns.length < 1 || columns.length > 4) throw new RangeError(`sumDraws: 1 to 4 columns, got ${columns.length}`);
  const c0 = columns[0]!;
  const c1 = columns[1] ?? c0;
  const c2 = columns[2] ?? c0;
  const c3 = columns[3] ?? c0;
  let a = st[0]! | 0;
  let b = st[1]! | 0;
  let c = st[2]! | 0;
  let d = st[3]! | 0;
  let x0 = 0;
  let x1 = 0;
  let x2 = 0;
  let x3 = 0;
  for (let i = 0; i < count; i++) {
    const x = Math.imul(b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    const k = Math.floor((result * n) / 4294967296);
    x0 += c0[k]!;
    x1 += c1[k]!;
    x2 += c2[k]!;
    x3 += c3[k]!;
  }
  st[0] = a;
  st[1] = b;
  st[2] = c;
  st[3] = d;
  sums[0] = x0;
  if (columns.length > 1) sums[1] = x1;
  if (columns.length > 2) sums[2] = x2;
  if (columns.length > 3) sums[3] = x3;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function assertScores(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what}: needs at least one value, got none`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}: value #${i} is not a finite number (${values[i]})`);
  }
}

/**
 * Arithmetic mean (left-to-right sum divided by the count).
 *
 * @param values - at least one finite number.
 */
export function mean(values: readonly number[]): number {
  assertScores(values, 'mean');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * The q-quantile (0 <= q <= 1) of ascending-sorted values, interpolating linearly between
 * order statistics (NumPy's default method).
 *
 * @param sorted - values sorted ascending, at least one.
 * @param q - the quantile in [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantileSorted: needs at least one value');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileSorted: q must be in [0, 1], got ${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return frac === 0 || a === b ? a : a + (b - a) * frac;
}

/** Options of the resampling functions. */
export interface ResampleOptions {
  /** Number of resamples. Default {@link DEFAULT_RESAMPLES} (10,000). */
  resamples?: number;
  /** PRNG seed. Default {@link DEFAULT_SEED} (0). */
  seed?: number;
  /** Confidence level of intervals, in (0, 1). Default 0.95. */
  confidence?: number;
}

/** A mean with its percentile-bootstrap confidence interval. */
export interface MeanCI {
  /** Number of examples. */
  n: number;
  /** Mean over all examples. */
  mean: number;
  /** Lower end of the interval. */
  low: number;
  /** Upper end of the interval. */
  high: number;
  /** Confidence level, e.g. 0.95. */
  confidence: number;
  /** Number of bootstrap resamples. */
  resamples: number;
  /** PRNG seed used. */
  seed: number;
}

function resolveOptions(options: ResampleOptions): Required<ResampleOptions> {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { resamples, seed, confidence };
}

/** Index of the first earlier column equal to `columns[c]` value for value (`Object.is`), or `c`. */
function firstEqualColumn(columns: readonly (readonly number[])[], c: number): number {
  const col = columns[c]!;
  for (let e = 0; e < c; e++) {
    const other = columns[e]!;
    let same = true;
    for (let i = 0; i < col.length && same; i++) same = Object.is(col[i], other[i]);
    if (same) return e;
  }
  return c;
}

/**
 * Bootstrap means of `data`'s columns for `count` resamples drawn from `rng`, written to
 * `out[c][offset + k]` for resample k. Each resample draws `n` indices, shared by all columns;
 * each column's sum runs over the draws in order in a local accumulator, so a column's means are
 * the same doubles however many columns there are (up to four are summed as the indices are
 * drawn, `sumDraws`; more go in groups of four over the draws of `fillInts`).
 *
 * @param data - the columns, `n` values each.
 * @param n - number of examples.
 * @param rng - the generator, positioned at the first resample's draws.
 * @param count - number of resamples.
 * @param out - one array per column.
 * @param offset - where the first resample's mean goes in each `out` array.
 */
export function sumResamples(data: readonly Float64Array[], n: number, rng: Prng, count: number, out: readonly Float64Array[], offset: number): void {
  if (data.length >= 1 && data.length <= 4) {
    const sums = new Float64Array(4);
    // No draws: these calls run sumDraws' code after its loop, so that V8 gives the function
    // type feedback for it before the first real call compiles the loop (on-stack replacement);
    // without them that compiled code was deoptimized at the end of ~1,300 calls of a
    // 10,000-resample bootstrap (--trace-deopt), with them never. The first calls of a function
    // get no feedback (it is allocated lazily), hence several.
    for (let k = 0; k < 32; k++) rng.sumDraws(n, 0, data, sums);
    for (let r = 0; r < count; r++) {
      rng.sumDraws(n, n, data, sums);
      for (let c = 0; c < data.length; c++) out[c]![offset + r] = sums[c]! / n;
    }
    return;
  }
  const draws = new Uint32Array(n);
  for (let r = 0; r < count; r++) {
    rng.fillInts(n, draws);
    for (let g = 0; g < data.length; g += 4) {
      // A group of up to four columns; a short group repeats its first column (result unused).
      const d0 = data[g]!;
      const d1 = data[g + 1] ?? d0;
      const d2 = data[g + 2] ?? d0;
      const d3 = data[g + 3] ?? d0;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const k = draws[i]!;
        s0 += d0[k]!;
        s1 += d1[k]!;
        s2 += d2[k]!;
        s3 += d3[k]!;
      }
      out[g]![offset + r] = s0 / n;
      if (g + 1 < data.length) out[g + 1]![offset + r] = s1 / n;
      if (g + 2 < data.length) out[g + 2]![offset + r] = s2 / n;
      if (g + 3 < data.length) out[g + 3]![offset + r] = s3 / n;
    }
  }
}

/** A validated bootstrap: the metrics, their distinct columns, and the resampling settings. */
export interface BootstrapPlan<K extends string> {
  /** The metrics, in the order of `columns`' keys. */
  names: K[];
  /** Metric name -> per-example scores, as given. */
  columns: Readonly<Record<K, readonly number[]>>;
  /** Number of examples. */
  n: number;
  resamples: number;
  seed: number;
  confidence: number;
  /** Per metric, the index in `distinct` of its values (equal columns share one). */
  source: number[];
  /** The distinct columns. */
  distinct: Float64Array[];
}

/**
 * Checks the columns and options of a bootstrap and finds its distinct columns (equal ones,
 * value for value, are resampled once: their means are the same).
 *
 * @param columns - metric name -> per-example scores (all the same length, >= 1).
 * @param options - resamples, seed and confidence; see {@link ResampleOptions}.
 */
export function planBootstrap<K extends string>(columns: Readonly<Record<K, readonly number[]>>, options: ResampleOptions = {}): BootstrapPlan<K> {
  const { resamples, seed, confidence } = resolveOptions(options);
  const names = Object.keys(columns) as K[];
  if (names.length === 0) throw new RangeError('bootstrapSummary: needs at least one metric');
  const n = columns[names[0]!].length;
  for (const name of names) {
    assertScores(columns[name], `bootstrap of "${name}"`);
    if (columns[name].length !== n) {
      throw new RangeError(`bootstrap: metric "${name}" has ${columns[name].length} values, expected ${n}`);
    }
  }
  const list = names.map((name) => columns[name]);
  const first = list.map((_, c) => firstEqualColumn(list, c));
  const owners = first.flatMap((f, c) => (f === c ? [c] : []));
  const source = first.map((f) => owners.indexOf(f));
  return { names, columns, n, resamples, seed, confidence, source, distinct: owners.map((c) => Float64Array.from(list[c]!)) };
}

/**
 * The summary of a planned bootstrap from its means (one array of `resamples` means per
 * distinct column, in resample order; sorted in place).
 *
 * @param plan - from {@link planBootstrap}.
 * @param means - the means of `plan.distinct`.
 */
export function finishBootstrap<K extends string>(plan: BootstrapPlan<K>, means: readonly Float64Array[]): Record<K, MeanCI> {
  const { n, resamples, seed, confidence } = plan;
  const sorted = means.map((m) => m.sort());
  const alpha = (1 - confidence) / 2;
  const out = {} as Record<K, MeanCI>;
  plan.names.forEach((name, c) => {
    const s = sorted[plan.source[c]!]!;
    out[name] = {
      n,
      mean: mean(plan.columns[name]),
      low: quantileSorted(s, alpha),
      high: quantileSorted(s, 1 - alpha),
      confidence,
      resamples,
      seed,
    };
  });
  return out;
}

/**
 * Percentile-bootstrap CIs of the means of several metrics measured on the same examples.
 * Each resample draws one set of example indices (with replacement) shared by all metrics,
 * as rouge_score's `BootstrapAggregator` does.
 *
 * @param columns - metric name -> per-example scores (all the same length, >= 1).
 * @param options - resamples, seed and confidence; see {@link ResampleOptions}.
 * @returns metric name -> {@link MeanCI}.
 */
export function bootstrapSummary<K extends string>(
  columns: Readonly<Record<K, readonly number[]>>,
  options: ResampleOptions = {},
): Record<K, MeanCI> {
  const plan = planBootstrap(columns, options);
  const means = plan.distinct.map(() => new Float64Array(plan.resamples));
  sumResamples(plan.distinct, plan.n, createPrng(plan.seed), plan.resamples, means, 0);
  return finishBootstrap(plan, means);
}

/**
 * Percentile-bootstrap CI of the mean of one metric.
 *
 * @param values - per-example scores, at least one.
 * @param options - resamples, seed and confidence; see {@link ResampleOptions}.
 */
export function bootstrapCI(values: readonly number[], options: ResampleOptions = {}): MeanCI {
  return bootstrapSummary({ value: values }, options).value;
}

/** Result of {@link pairedComparison}. */
export interface PairedComparison {
  /** Number of paired examples. */
  n: number;
  /** Mean of system A. */
  meanA: number;
  /** Mean of system B. */
  meanB: number;
  /** Mean of the per-example differences A - B (equals meanA - meanB up to rounding). */
  meanDiff: number;
  /** Paired-bootstrap percentile CI of the mean difference (examples resampled as pairs). */
  low: number;
  /** Upper end of that interval. */
  high: number;
  /** Two-sided p-value of the paired sign-flip permutation test of "mean difference = 0". */
  pValue: number;
  /** Whether `pValue` enumerates all 2^n sign patterns (exact) or samples `resamples` of them. */
  pValueMethod: 'exact-sign-flip' | 'monte-carlo-sign-flip';
  confidence: number;
  resamples: number;
  seed: number;
}

/**
 * Compares two systems scored on the same examples (`a[i]` and `b[i]` belong to example i).
 *
 * - CI: percentile bootstrap of the mean of `d = a - b`, resampling examples.
 * - p-value: paired permutation test under H0 "A and B are exchangeable on each example":
 *   each d_i's sign is flipped at random and the statistic |sum d| is compared with the
 *   observed one. With 2^n <= resamples all patterns are enumerated (exact p); otherwise
 *   p = (1 + #{|sum d*| >= |sum d|}) / (1 + resamples), which is never 0.
 *   Identical systems give p = 1.
 *
 * @param a - per-example scores of system A.
 * @param b - per-example scores of system B (same length).
 * @param options - resamples, seed and confidence; see {@link ResampleOptions}.
 */
export function pairedComparison(
  a: readonly number[],
  b: readonly number[],
  options: ResampleOptions = {},
): PairedComparison {
  const { resamples, seed, confidence } = resolveOptions(options);
  assertScores(a, 'pairedComparison (system A)');
  assertScores(b, 'pairedComparison (system B)');
  if (a.length !== b.length) {
    throw new RangeError(`pairedComparison: systems have ${a.length} and ${b.length} scores; they must be paired`);
  }
  const n = a.length;
  const d = a.map((x, i) => x - b[i]!);
  const ci = bootstrapCI(d, { resamples, seed, confidence });

  let observed = 0;
  let sumAbs = 0;
  for (const x of d) {
    observed += x;
    sumAbs += Math.abs(x);
  }
  const target = Math.abs(observed) - 1e-12 * sumAbs; // tolerance for summation-order rounding
  let pValue: number;
  let pValueMethod: PairedComparison['pValueMethod'];
  if (n <= 30 && 2 ** n <= resamples) {
    let extreme = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (mask >>> i) & 1 ? -d[i]! : d[i]!;
      if (Math.abs(s) >= target) extreme++;
    }
    pValue = extreme / total;
    pValueMethod = 'exact-sign-flip';
  } else {
    const rng = createPrng(seed ^ 0x5bd1e995);
    let extreme = 0;
    for (let r = 0; r < resamples; r++) {
      let s = 0;
      let bits = 0;
      for (let i = 0; i < n; i++) {
        if ((i & 31) === 0) bits = rng.nextUint32();
        s += (bits >>> (i & 31)) & 1 ? -d[i]! : d[i]!;
      }
      if (Math.abs(s) >= target) extreme++;
    }
    pValue = (1 + extreme) / (1 + resamples);
    pValueMethod = 'monte-carlo-sign-flip';
  }
  return {
    n,
    meanA: mean(a),
    meanB: mean(b),
    meanDiff: ci.mean,
    low: ci.low,
    high: ci.high,
    pValue,
    pValueMethod,
    confidence,
    resamples,
    seed,
  };
}
