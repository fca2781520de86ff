// The bias sampler on synthetic candidate arrays, through the addon's test hook: exact
// bias values, guard semantics, zero rows, shuffled and truncated candidate arrays, and
// the SIMD kernel against the scalar one.
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
  cfg: { beta: number; guardTopK?: number; guardMinP?: number },
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
  it('adds beta * dot(E_v, u) to each candidate, with u normalized', async () => {
    const m = await matrix();
    // u = (3, 4) / 5 = (0.6, 0.8): dots are 0.6, 0.8, 0, 1.0
    const out = apply(m, [3, 4], { beta: 2 }, [0, 1, 2, 3], [1, 1, 1, 1]);
    expect(out[0]).toBeCloseTo(1 + 2 * 0.6, 6);
    expect(out[1]).toBeCloseTo(1 + 2 * 0.8, 6);
    expect(out[2]).toBe(1); // zero row: no bias at all
    expect(out[3]).toBeCloseTo(1 + 2 * 1.0, 6);
  });

  it('never assumes data[i].id == i: shuffled and truncated arrays', async () => {
    const m = await matrix();
    const out = apply(m, [0.6, 0.8], { beta: 1 }, [3, 0], [5, -1]);
    expect(out[0]).toBeCloseTo(6, 6);
    expect(out[1]).toBeCloseTo(-0.4, 6);
    const ids = [2, 3, 1, 0];
    const shuffled = apply(m, [0.6, 0.8], { beta: 1 }, ids, [0, 0, 0, 0]);
    expect(shuffled.map((x) => Number(x.toFixed(6)))).toEqual([0, 1, 0.8, 0.6]);
  });

  it('beta = 0 leaves every logit exactly as it was', async () => {
    const m = await matrix();
    const logits = [0.1, -3.25, 7.5, 1e-7];
    expect(apply(m, [0.6, 0.8], { beta: 0 }, [0, 1, 2, 3], logits)).toEqual(logits.map((x) => Math.fround(x)));
  });

  it('guardTopK: only the top-k by unbiased logit receive the bias; the rest are dropped', async () => {
    const m = await matrix();
    // logits: token 0 = 5, token 1 = 4, token 3 = 1; k = 2 -> tokens 0 and 1 only
    const out = apply(m, [0, 1], { beta: 10, guardTopK: 2 }, [3, 1, 0], [1, 4, 5]);
    expect(out).toEqual([-Infinity, 14, 5]); // dot(row0, (0,1)) = 0, dot(row1) = 1; token 3 (dot 0.8) never pulled in
  });

  it('guardMinP: only tokens with p >= minP * p_max (unbiased) receive the bias', async () => {
    const m = await matrix();
    // p_i / p_max = exp(l_i - l_max). minP = 0.1 -> threshold l_max + ln(0.1) = 5 - 2.3026 = 2.697
    const out = apply(m, [0.6, 0.8], { beta: 1, guardMinP: 0.1 }, [0, 1, 3], [5, 3, 2]);
    expect(out[0]).toBeCloseTo(5.6, 5);
    expect(out[1]).toBeCloseTo(3.8, 5);
    expect(out[2]).toBe(-Infinity); // 2 < 2.697: implausible, dropped
  });

  it('both guards: a token must pass both', async () => {
    const m = await matrix();
    const out = apply(m, [0.6, 0.8], { beta: 1, guardTopK: 1, guardMinP: 0.01 }, [0, 1, 3], [5, 4.9, 2]);
    expect(out[0]).toBeCloseTo(5.6, 5);
    expect(out[1]).toBe(-Infinity); // passes min-p but not top-1
    expect(out[2]).toBe(-Infinity);
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
    const out = apply(m, [-1, 0], { beta: 100, guardTopK: 1 }, [0, 3], [5, 4]);
    expect(out).toEqual([-95, -Infinity]);
  });

  it('ids outside the matrix are left alone', async () => {
    const m = await matrix();
    expect(apply(m, [1, 0], { beta: 1 }, [7, -1, 0], [1, 1, 1])).toEqual([1, 1, 2]);
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
  it('this CPU has a SIMD path (or the scalar fallback is all there is)', () => {
    console.log(`[bias kernel] SIMD paths on this CPU: ${paths.join(', ') || 'none (scalar only)'}`);
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
