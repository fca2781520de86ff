import { describe, expect, it } from 'vitest';
import {
  bootstrapCI,
  bootstrapSummary,
  createPrng,
  DEFAULT_RESAMPLES,
  mean,
  pairedComparison,
  quantileSorted,
} from '../../../lib/metrics/stats.js';

describe('mean and quantiles', () => {
  it('mean of hand-checkable data', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean([0, 0, 0, 1])).toBe(0.25); // zeros (empty predictions) count
    expect(() => mean([])).toThrow(/at least one/);
    expect(() => mean([1, Number.NaN])).toThrow(/#1/);
  });

  it('linear-interpolation quantiles (NumPy default)', () => {
    const sorted = [1, 2, 3, 4, 5];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 1)).toBe(5);
    expect(quantileSorted(sorted, 0.025)).toBeCloseTo(1.1, 12); // pos 0.1
    expect(quantileSorted([0, 10], 0.975)).toBe(9.75);
  });
});

describe('PRNG', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    for (const x of sa) expect(x >= 0 && x < 2 ** 32 && Number.isInteger(x)).toBe(true);
  });

  it('nextInt is roughly uniform', () => {
    const rng = createPrng(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.nextInt(10)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});

describe('bootstrapCI', () => {
  it('constant data gives a point interval', () => {
    const ci = bootstrapCI([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], { resamples: 500 });
    expect(ci.low).toBe(ci.mean);
    expect(ci.high).toBe(ci.mean);
    expect(ci.n).toBe(7);
  });

  it('is deterministic for a seed and defaults to 10,000 resamples at 95%', () => {
    const data = Array.from({ length: 50 }, (_, i) => (i * 37) % 11 / 10);
    const a = bootstrapCI(data, { seed: 3 });
    const b = bootstrapCI(data, { seed: 3 });
    const c = bootstrapCI(data, { seed: 4 });
    expect(a).toEqual(b);
    expect(a.resamples).toBe(DEFAULT_RESAMPLES);
    expect(a.resamples).toBe(10_000);
    expect(a.confidence).toBe(0.95);
    expect(a.low === c.low && a.high === c.high).toBe(false);
    expect(a.low).toBeLessThan(a.mean);
    expect(a.high).toBeGreaterThan(a.mean);
  });

  it('brackets the mean with about the normal-theory width', () => {
    // 0/1 data, p = 0.5, n = 400: standard error 0.025, 95% half-width about 0.049.
    const data = Array.from({ length: 400 }, (_, i) => i % 2);
    const ci = bootstrapCI(data, { seed: 1 });
    expect(ci.mean).toBe(0.5);
    expect(ci.high - ci.mean).toBeGreaterThan(0.04);
    expect(ci.high - ci.mean).toBeLessThan(0.06);
    expect(ci.mean - ci.low).toBeGreaterThan(0.04);
    expect(ci.mean - ci.low).toBeLessThan(0.06);
  });

  it('bootstrapSummary shares resample indices across metrics', () => {
    const x = [0, 0.2, 0.4, 0.9, 1];
    const s = bootstrapSummary({ a: x, b: x.map((v) => v * 2) }, { resamples: 200, seed: 9 });
    expect(s.b.low).toBeCloseTo(2 * s.a.low, 12);
    expect(s.b.high).toBeCloseTo(2 * s.a.high, 12);
    expect(() => bootstrapSummary({ a: [1, 2], b: [1] })).toThrow(/"b" has 1 values, expected 2/);
  });

  it('bootstrapSummary gives, to the last bit, what resampling each metric on its own with nextInt gives', () => {
    // The straightforward algorithm (one nextInt per draw, each metric summed in draw order),
    // written out here as the oracle of the one-pass implementation.
    const oracle = (cols: number[][], resamples: number, seed: number) => {
      const n = cols[0]!.length;
      const rng = createPrng(seed);
      const means = cols.map(() => new Float64Array(resamples));
      for (let r = 0; r < resamples; r++) {
        const sums = cols.map(() => 0);
        for (let i = 0; i < n; i++) {
          const k = rng.nextInt(n);
          cols.forEach((c, j) => (sums[j]! += c[k]!));
        }
        sums.forEach((x, j) => (means[j]![r] = x / n));
      }
      return means.map((m) => {
        const sorted = m.sort();
        return [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)];
      });
    };
    const rng = createPrng(42);
    const cols = Array.from({ length: 5 }, () => Array.from({ length: 333 }, () => rng.nextFloat()));
    const s = bootstrapSummary({ a: cols[0]!, b: cols[1]!, c: cols[2]!, d: cols[3]!, e: cols[4]! }, { resamples: 500, seed: 7 });
    expect([s.a, s.b, s.c, s.d, s.e].map((m) => [m.low, m.high])).toEqual(oracle(cols, 500, 7));
    const draws = new Uint32Array(10);
    createPrng(3).fillInts(17, draws);
    const one = createPrng(3);
    expect(Array.from(draws)).toEqual(Array.from({ length: 10 }, () => one.nextInt(17)));
  });

  it('sumDraws sums 1 to 4 columns over the draws fillInts makes, in order, and leaves the generator where fillInts does', () => {
    const rng = createPrng(8);
    const columns = Array.from({ length: 4 }, () => Float64Array.from({ length: 29 }, () => rng.nextFloat() * 1e3));
    for (let k = 1; k <= 4; k++) {
      const [a, b] = [createPrng(99), createPrng(99)];
      for (let round = 0; round < 3; round++) {
        const draws = new Uint32Array(50);
        a.fillInts(29, draws);
        const want = columns.slice(0, k).map((col) => draws.reduce((sum, i) => sum + col[i]!, 0));
        const sums = new Float64Array(4);
        b.sumDraws(29, 50, columns.slice(0, k), sums);
        expect(Array.from(sums.subarray(0, k))).toEqual(want);
      }
      expect(b.nextUint32()).toBe(a.nextUint32());
    }
    expect(() => createPrng(1).sumDraws(3, 3, [], new Float64Array(4))).toThrow(RangeError);
  });

  it('bootstrapSummary gives a metric the same interval alone, beside others, and beside a copy of itself', () => {
    // Equal columns (ROUGE-L and ROUGE-Lsum on one-line texts) are resampled once; columns are
    // summed four to a pass. Neither may change a metric's numbers.
    const rng = createPrng(11);
    const cols = Array.from({ length: 6 }, () => Array.from({ length: 97 }, () => rng.nextFloat()));
    const opts = { resamples: 300, seed: 5 };
    const alone = cols.map((c) => bootstrapSummary({ x: c }, opts).x);
    const all = bootstrapSummary({ a: cols[0]!, b: cols[1]!, c: cols[2]!, d: cols[3]!, e: cols[4]!, f: cols[5]!, g: [...cols[2]!] }, opts);
    expect([all.a, all.b, all.c, all.d, all.e, all.f]).toEqual(alone);
    expect(all.g).toEqual(alone[2]);
    const zeros = bootstrapSummary({ p: [0, 0, 1], m: [-0, 0, 1] }, opts);
    expect(zeros.m).toEqual(zeros.p);
  });

  it('rejects bad options', () => {
    expect(() => bootstrapCI([1], { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapCI([1], { seed: 1.5 })).toThrow(/seed/);
    expect(() => bootstrapCI([1], { confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapCI([])).toThrow(/at least one/);
  });
});

describe('pairedComparison', () => {
  it('identical systems: difference 0, CI [0, 0], p = 1', () => {
    const a = Array.from({ length: 100 }, (_, i) => (i % 7) / 7);
    const cmp = pairedComparison(a, [...a], { seed: 5 });
    expect(cmp.meanDiff).toBe(0);
    expect(cmp.low).toBe(0);
    expect(cmp.high).toBe(0);
    expect(cmp.pValue).toBe(1);
    expect(cmp.pValueMethod).toBe('monte-carlo-sign-flip');
  });

  it('a strongly different pair gets a small p-value', () => {
    const b = Array.from({ length: 200 }, (_, i) => ((i * 13) % 17) / 34);
    const a = b.map((v, i) => v + 0.2 + ((i % 5) - 2) / 100);
    const cmp = pairedComparison(a, b, { seed: 11 });
    expect(cmp.meanDiff).toBeCloseTo(0.2, 10);
    expect(cmp.low).toBeGreaterThan(0.19);
    expect(cmp.high).toBeLessThan(0.21);
    expect(cmp.pValue).toBe(1 / (1 + 10_000)); // no sign pattern reaches the observed sum
  });

  it('exact sign-flip p-value for small n (hand-checkable)', () => {
    // d = [1, 1, 1]: only all-plus and all-minus reach |sum| = 3 -> p = 2/8.
    const cmp = pairedComparison([1, 1, 1], [0, 0, 0]);
    expect(cmp.pValueMethod).toBe('exact-sign-flip');
    expect(cmp.pValue).toBe(0.25);
    // d = [1, -1]: every pattern has |sum| >= 0 -> p = 1.
    expect(pairedComparison([1, 0], [0, 1]).pValue).toBe(1);
    // d = [2, 1]: sums 3, 1, -1, -3 -> |sum| >= 3 twice -> p = 2/4.
    expect(pairedComparison([2, 1], [0, 0]).pValue).toBe(0.5);
  });

  it('is seeded and checks pairing', () => {
    const a = Array.from({ length: 60 }, (_, i) => ((i * 7) % 10) / 10);
    const b = Array.from({ length: 60 }, (_, i) => ((i * 3) % 10) / 10);
    expect(pairedComparison(a, b, { seed: 2 })).toEqual(pairedComparison(a, b, { seed: 2 }));
    expect(() => pairedComparison([1, 2], [1])).toThrow(/2 and 1/);
  });
});
