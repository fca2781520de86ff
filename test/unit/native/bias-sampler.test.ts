// The bias sampler on synthetic candidate arrays, through the addon's test hook (the scores
// come from the matrix as generate() gets them): exact bias values for both references,
// guard semantics (every beta, ties), zero rows, centring, shuffled and truncated candidate
// arrays, and the SIMD kernel against the scalar one.
import { describe, expect, it } from 'vitest';
import { loadDevAddon, useDevAddon } from '../../../bindings/dev.js';
import { VocabMatrix } from '../../../lib/vocab-matrix.js';
import { nativeMatrixOf } from '../../../lib/vocab-matrix.js';
import { mulberry32 } from '../../../bench/prng.js';

useDevAddon();


// 4 tokens x 2 dims: rows already unit length, row 2 all zero.
const ROWS = new Float32Array([1, 0, 0, 1, 0, 0, 0.6, 0.8]);

async function matrix() {
  return VocabMatrix.fromArray(ROWS, 4, 2);
}

function apply(
  m: VocabMatrix,
  user: number[],
  cfg: { beta: number; guardTopK?: number; guardMinP?: number; reference?: 'neutral' | 'raw' },
  ids: number[],
  logits: number[],
  how?: { viaClone?: boolean; viaChain?: boolean },
) {
  return Array.from(
    loadDevAddon().testing.applyBias(
      nativeMatrixOf(m, 'm'),
      new Float32Array(user),
      cfg,
      new Int32Array(ids),
      new Float32Array(logits),
      how,
    ),
  );
}

describe('bias sampler', () => {
  // ROWS with u = (0.6, 0.8): cosines 0.6, 0.8, (zero row), 1.0; the mean over the non-zero rows is 0.8.
  it('neutral (the default): adds beta * (cos - mean cos of the non-zero rows); zero rows get 0', async () => {
    const m = await matrix();
    const out = apply(m, [3, 4], { beta: 2 }, [0, 1, 2, 3], [1, 1, 1, 1]);
    expect(out[0]).toBeCloseTo(1 + 2 * (0.6 - 0.8), 6);
    expect(out[1]).toBeCloseTo(1 + 2 * (0.8 - 0.8), 6); // as similar as the average token: no bias
    expect(out[2]).toBe(1); // zero row: no bias at all
    expect(out[3]).toBeCloseTo(1 + 2 * (1.0 - 0.8), 6);
    expect(m.biasScores([3, 4]).reference).toBeCloseTo(0.8, 6);
  });

  it("raw: adds beta * dot(E_v, u) to each candidate, with u normalized (the seed's form)", async () => {
    const m = await matrix();
    // u = (3, 4) / 5 = (0.6, 0.8): dots are 0.6, 0.8, 0, 1.0
    const out = apply(m, [3, 4], { beta: 2, reference: 'raw' }, [0, 1, 2, 3], [1, 1, 1, 1]);
    expect(out[0]).toBeCloseTo(1 + 2 * 0.6, 6);
    expect(out[1]).toBeCloseTo(1 + 2 * 0.8, 6);
    expect(out[2]).toBe(1); // zero row: no bias at all
    expect(out[3]).toBeCloseTo(1 + 2 * 1.0, 6);
    expect(m.biasScores([3, 4], 'raw').reference).toBe(0);
  });

  it('never assumes data[i].id == i: shuffled and truncated arrays', async () => {
    const m = await matrix();
    const out = apply(m, [0.6, 0.8], { beta: 1, reference: 'raw' }, [3, 0], [5, -1]);
    expect(out[0]).toBeCloseTo(6, 6);
    expect(out[1]).toBeCloseTo(-0.4, 6);
    const ids = [2, 3, 1, 0];
    const shuffled = apply(m, [0.6, 0.8], { beta: 1, reference: 'raw' }, ids, [0, 0, 0, 0]);
    expect(shuffled.map((x) => Number(x.toFixed(6)))).toEqual([0, 1, 0.8, 0.6]);
    const neutral = apply(m, [0.6, 0.8], { beta: 1 }, ids, [0, 0, 0, 0]);
    expect(neutral.map((x) => Number(x.toFixed(6)))).toEqual([0, 0.2, 0, -0.2]);
  });

  it('beta = 0 without a guard leaves every logit exactly as it was', async () => {
    const m = await matrix();
    const logits = [0.1, -3.25, 7.5, 1e-7];
    expect(apply(m, [0.6, 0.8], { beta: 0 }, [0, 1, 2, 3], logits)).toEqual(logits.map((x) => Math.fround(x)));
    expect(apply(m, [0.6, 0.8], { beta: 0, reference: 'raw' }, [0, 1, 2, 3], logits)).toEqual(logits.map((x) => Math.fround(x)));
  });

  it('beta = 0 with a guard is the guard only: the same tokens dropped, the others unchanged', async () => {
    const m = await matrix();
    expect(apply(m, [0.6, 0.8], { beta: 0, guardTopK: 2 }, [3, 1, 0], [1, 4, 5])).toEqual([-Infinity, 4, 5]);
    expect(apply(m, [0.6, 0.8], { beta: 0, guardMinP: 0.1 }, [0, 1, 3], [5, 3, 2])).toEqual([5, 3, -Infinity]);
    // The same drops as with the bias on: the guard reads the unbiased logits.
    const biased = apply(m, [0.6, 0.8], { beta: 3, guardTopK: 2 }, [3, 1, 0], [1, 4, 5]);
    expect(biased.map((x) => x === -Infinity)).toEqual([true, false, false]);
  });

  it('guardTopK: only the top-k by unbiased logit stay and receive the bias; the rest are dropped', async () => {
    const m = await matrix();
    // logits: token 0 = 5, token 1 = 4, token 3 = 1; k = 2 -> tokens 0 and 1 only
    const out = apply(m, [0, 1], { beta: 10, guardTopK: 2, reference: 'raw' }, [3, 1, 0], [1, 4, 5]);
    expect(out).toEqual([-Infinity, 14, 5]); // dot(row0, (0,1)) = 0, dot(row1) = 1; token 3 (dot 0.8) never pulled in
  });

  it('guardTopK: every candidate tied with the k-th largest logit stays (more than k may stay)', async () => {
    const m = await matrix();
    // k = 2: the 2nd largest logit is 4, held by three candidates; all three stay with the top one.
    const ids = [0, 1, 3, 5, 6];
    const out = apply(m, [0.6, 0.8], { beta: 0, guardTopK: 2 }, ids, [5, 4, 4, 4, 1]);
    expect(out).toEqual([5, 4, 4, 4, -Infinity]);
    // The same set in another order.
    const rev = apply(m, [0.6, 0.8], { beta: 0, guardTopK: 2 }, [...ids].reverse(), [1, 4, 4, 4, 5]);
    expect(rev).toEqual([-Infinity, 4, 4, 4, 5]);
  });

  it('guardMinP: only tokens with p >= minP * p_max (unbiased) stay and receive the bias', async () => {
    const m = await matrix();
    // p_i / p_max = exp(l_i - l_max). minP = 0.1 -> threshold l_max + ln(0.1) = 5 - 2.3026 = 2.697
    const out = apply(m, [0.6, 0.8], { beta: 1, guardMinP: 0.1, reference: 'raw' }, [0, 1, 3], [5, 3, 2]);
    expect(out[0]).toBeCloseTo(5.6, 5);
    expect(out[1]).toBeCloseTo(3.8, 5);
    expect(out[2]).toBe(-Infinity); // 2 < 2.697: implausible, dropped
  });

  it('both guards: a token must pass both', async () => {
    const m = await matrix();
    const out = apply(m, [0.6, 0.8], { beta: 1, guardTopK: 1, guardMinP: 0.01, reference: 'raw' }, [0, 1, 3], [5, 4.9, 2]);
    expect(out[0]).toBeCloseTo(5.6, 5);
    expect(out[1]).toBe(-Infinity); // passes min-p but not top-1
    expect(out[2]).toBe(-Infinity);
  });

  it('a large array: the survivors are exactly the top-k, found through the blocked scan', async () => {
    const rnd = mulberry32(3);
    const n = 1003;
    const data = Float32Array.from({ length: n * 4 }, () => rnd() * 2 - 1);
    const m = await VocabMatrix.fromArray(data, n, 4);
    const logits = Array.from({ length: n }, () => Math.fround(rnd() * 10));
    const ids = Array.from({ length: n }, (_, i) => i);
    const out = apply(m, [1, 0, 0, 0], { beta: 0, guardTopK: 17 }, ids, logits);
    const kth = [...logits].sort((a, b) => b - a)[16]!;
    expect(out).toEqual(logits.map((l) => (l >= kth ? l : -Infinity)));
  });

  it("the sampler's shortcut finds on a whole logits row the same survivors as the guard in the chain (ties, NaN, both guards)", async () => {
    const rnd = mulberry32(5);
    const n = 1003;
    const m = await VocabMatrix.fromArray(Float32Array.from({ length: n * 4 }, () => rnd() * 2 - 1), n, 4);
    const ids = Array.from({ length: n }, (_, i) => i);
    // Coarse values (many ties) and a few NaN.
    const logits = Array.from({ length: n }, (_, i) => (i % 97 === 5 ? NaN : Math.fround(Math.round(rnd() * 40) / 4)));
    const configs = [{ guardTopK: 1 }, { guardTopK: 17 }, { guardTopK: 500 }, { guardMinP: 0.05 }, { guardTopK: 40, guardMinP: 0.2 }];
    for (const cfg of configs) {
      const viaChain = apply(m, [1, 0, 0, 0], { beta: 0, ...cfg }, ids, logits);
      const kept = ids.filter((i) => viaChain[i] !== -Infinity && !Number.isNaN(viaChain[i]));
      expect(kept.length).toBeLessThan(n);
      expect(Array.from(loadDevAddon().testing.guardSelect(cfg, Float32Array.from(logits)) ?? []), JSON.stringify(cfg)).toEqual(kept);
    }
    // Nothing to filter (top-k >= n, no guard) or nothing passes (all NaN): the row is left whole.
    expect(loadDevAddon().testing.guardSelect({ guardTopK: n }, Float32Array.from(logits))).toBeNull();
    expect(loadDevAddon().testing.guardSelect({}, Float32Array.from(logits))).toBeNull();
    expect(loadDevAddon().testing.guardSelect({ guardTopK: 3 }, new Float32Array(8).fill(NaN))).toBeNull();
  });

  it('the biased greedy shortcut picks what the bias + greedy chain picks (ties, NaN, ids past the matrix)', async () => {
    // 64 tokens x 3 dims, random rows (some zero); rows past the matrix get no bias.
    const rnd = mulberry32(5);
    const rows = new Float32Array(64 * 3).map(() => rnd() - 0.5);
    rows.fill(0, 9, 15); // tokens 3 and 4: zero rows
    const m = await VocabMatrix.fromArray(rows, 64, 3);
    const hooks = loadDevAddon().testing;
    let differs = 0;
    for (let trial = 0; trial < 300; trial++) {
      const n = trial % 3 === 0 ? 80 : 64; // longer rows: ids 64..79 are past the matrix
      // Coarse logits make ties between biased values likely; a few NaN.
      const logits = Float32Array.from({ length: n }, () => Math.round(rnd() * 8) / 4);
      if (trial % 7 === 0) logits[Math.floor(rnd() * n)] = NaN;
      if (trial % 11 === 0) logits[0] = NaN;
      const user = Float32Array.from({ length: 3 }, () => rnd() - 0.5);
      const beta = [0, 0.5, 1, 3, -2][trial % 5]!;
      const config = { beta, ...(trial % 2 === 0 ? { reference: 'raw' as const } : {}) };
      const picked = hooks.biasedGreedy(nativeMatrixOf(m, 'm'), user, config, logits);
      expect(picked.shortcut, JSON.stringify({ trial, config })).toBe(picked.chain);
      const plain = logits.reduce((best, v, i) => (v > logits[best]! ? i : best), 0);
      if (picked.chain !== plain) differs++;
    }
    expect(differs).toBeGreaterThan(50); // the bias did move the pick
  });

  it('a cloned sampler and a sampler owned by a chain act the same', async () => {
    const m = await matrix();
    const base = apply(m, [1, 2], { beta: 1.5, guardTopK: 3 }, [0, 1, 2, 3], [3, 2, 1, 0]);
    expect(apply(m, [1, 2], { beta: 1.5, guardTopK: 3 }, [0, 1, 2, 3], [3, 2, 1, 0], { viaClone: true })).toEqual(base);
    expect(apply(m, [1, 2], { beta: 1.5, guardTopK: 3 }, [0, 1, 2, 3], [3, 2, 1, 0], { viaChain: true })).toEqual(base);
  });

  it('a negative bias cannot push the plausible tokens below an implausible one', async () => {
    const m = await matrix();
    // u = (-1, 0): token 0 gets -beta; with guardTopK 1 it still wins (the others are dropped)
    const out = apply(m, [-1, 0], { beta: 100, guardTopK: 1, reference: 'raw' }, [0, 3], [5, 4]);
    expect(out).toEqual([-95, -Infinity]);
  });

  it('ids outside the matrix are left alone', async () => {
    const m = await matrix();
    expect(apply(m, [1, 0], { beta: 1, reference: 'raw' }, [7, -1, 0], [1, 1, 1])).toEqual([1, 1, 2]);
  });

  it('center: the user vector is centred like the rows (one space)', async () => {
    // rows (2, 1) and (0, 1): centre (1, 1); centred rows (1, 0) and (-1, 0).
    const m = await VocabMatrix.fromArray(new Float32Array([2, 1, 0, 1, 0, 0]), 3, 2, { center: true });
    // u = (2, 1) - (1, 1) = (1, 0): cosines 1 and -1 (mean 0), zero row 0.
    expect(Array.from(m.biasScores([2, 1], 'raw').scores)).toEqual([1, -1, 0]);
    expect(Array.from(m.biasScores([2, 1]).scores)).toEqual([1, -1, 0]);
    // A user at the centre has no direction: no bias.
    expect(Array.from(m.biasScores([1, 1], 'raw').scores)).toEqual([0, 0, 0]);
    expect(apply(m, [2, 1], { beta: 2, reference: 'raw' }, [0, 1, 2], [0, 0, 0])).toEqual([2, -2, 0]);
  });
});

describe('vocabulary matrix', () => {
  it('normalizes rows, keeps zero rows, and counts them', async () => {
    const m = await VocabMatrix.fromArray(new Float32Array([3, 4, 0, 0, 0, 2]), 3, 2);
    expect(m.rows).toBe(3);
    expect(m.dims).toBe(2);
    expect(m.zeroRows).toBe(1);
    expect(Array.from(m.toArray())).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, 0, 1]);
    m.dispose();
    m.dispose(); // idempotent
    expect(() => m.rows).toThrow(/disposed/);
  });

  it('center subtracts the mean of the non-zero rows first', async () => {
    const m = await VocabMatrix.fromArray(new Float32Array([2, 1, 0, 1, 0, 0]), 3, 2, { center: true });
    // mean of rows 0 and 1 = (1, 1): rows become (1, 0) and (-1, 0); row 2 stays zero
    expect(Array.from(m.toArray())).toEqual([1, 0, -1, 0, 0, 0]);
  });

  it('f16 rows agree with f32 rows to half precision', async () => {
    const rnd = mulberry32(7);
    const data = Float32Array.from({ length: 64 * 33 }, () => rnd() * 2 - 1);
    const a = await VocabMatrix.fromArray(data, 64, 33);
    const b = await VocabMatrix.fromArray(data, 64, 33, { dtype: 'f16' });
    expect(b.dtype).toBe('f16');
    expect(b.byteSize).toBe(64 * 33 * 2);
    const user = Float32Array.from({ length: 33 }, () => rnd());
    const da = a.dots(user);
    const db = b.dots(user);
    for (let i = 0; i < 64; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThan(2e-3);
  });

  it('rejects bad input with errors that name the argument', async () => {
    await expect(VocabMatrix.fromArray(new Float32Array(5), 2, 3)).rejects.toThrow(/rows \* dims/);
    await expect(VocabMatrix.fromArray(new Float32Array([1, NaN]), 1, 2)).rejects.toThrow(/data\[1\] is NaN/);
    await expect(VocabMatrix.fromArray(new Float32Array(4), 0, 4)).rejects.toThrow(/rows must be between/);
    await expect(VocabMatrix.fromArray(new Float32Array(4), 2, 2, { dtype: 'f8' as 'f16' })).rejects.toThrow(/dtype/);
    const m = await VocabMatrix.fromArray(new Float32Array([1, 0]), 1, 2);
    expect(() => m.dots([1, 2, 3])).toThrow(/2 dims/);
    expect(() => m.dots([Infinity, 0])).toThrow(/user\[0\] is Infinity/);
  });
});

describe('SIMD kernel against scalar', () => {
  const paths = loadDevAddon().systemInfo().simdPaths;
  it('the SIMD paths offered are exactly those the CPU features allow, best first', () => {
    const info = loadDevAddon().systemInfo();
    const features = new Set(info.cpuFeatures.split(','));
    const expected: string[] = [];
    if (process.arch === 'x64') {
      if (features.has('avx512f')) expected.push('avx512');
      if (features.has('avx2') && features.has('fma') && features.has('f16c')) expected.push('avx2');
    } else if (process.arch === 'arm64') {
      expected.push('neon');
    }
    expect([...paths]).toEqual(expected);
    expect(info.simdPath).toBe(expected[0] ?? 'scalar');
  });
  for (const simd of paths)
  for (const dims of [1, 7, 64, 384, 1024]) {
    for (const dtype of ['f32', 'f16'] as const) {
      it(`d = ${dims}, ${dtype} (${simd}): equal within 1e-5 relative to the row's magnitude`, async () => {
        const rnd = mulberry32(dims * 31 + (dtype === 'f16' ? 1 : 0));
        const rows = 257;
        const data = Float32Array.from({ length: rows * dims }, () => rnd() * 2 - 1);
        const m = await VocabMatrix.fromArray(data, rows, dims, { dtype });
        const user = Float32Array.from({ length: dims }, () => rnd() * 2 - 1);
        const a = m.dots(user, simd);
        const b = m.dots(user, 'scalar');
        const normed = m.toArray();
        for (let v = 0; v < rows; v++) {
          let scale = 0;
          for (let i = 0; i < dims; i++) scale += Math.abs(normed[v * dims + i]! * user[i]!);
          expect(Math.abs(a[v]! - b[v]!)).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-30));
        }
      });
    }
  }
});
