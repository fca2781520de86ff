// The cache of bias scores behind every personalized request (VocabMatrixData::scoresFor), driven
// by native threads released together, as a user's requests for several betas reach the libuv
// pool together: one computation serves them all, the next request is a cache hit, the other
// reference is its own entry, forgetUser() makes the next request compute again, and the cache
// keeps far more users than the 8 it used to.
import { describe, expect, it } from 'vitest';
import { loadDevAddon, useDevAddon } from '../../../bindings/dev.js';
import { VocabMatrix, nativeMatrixOf } from '../../../lib/vocab-matrix.js';
import { mulberry32 } from '../../../bench/prng.js';

useDevAddon();

describe('bias scores of one user asked for by many threads at once', () => {
  it('are computed once per (user, reference) and shared', async () => {
    // 150,000 x 64: one computation takes milliseconds, long enough for all callers to overlap it.
    const rows = 150_000;
    const dims = 64;
    const rnd = mulberry32(11);
    const m = await VocabMatrix.fromArray(new Float32Array(rows * dims).map(() => rnd() - 0.5), rows, dims);
    const native = nativeMatrixOf(m, 'm');
    const hooks = loadDevAddon().testing;
    const user = Float32Array.from({ length: dims }, () => rnd() - 0.5);

    expect(hooks.concurrentScores(native, user, 8)).toEqual({ computations: 1, sameScores: true });
    expect(hooks.concurrentScores(native, user, 8)).toEqual({ computations: 0, sameScores: true }); // cached
    expect(hooks.concurrentScores(native, user, 4, { reference: 'raw' })).toEqual({ computations: 1, sameScores: true });
    expect(m.forgetUser(user)).toBe(2); // both references
    expect(hooks.concurrentScores(native, user, 8)).toEqual({ computations: 1, sameScores: true });
    const other = Float32Array.from({ length: dims }, () => rnd() - 0.5);
    expect(hooks.concurrentScores(native, other, 1)).toEqual({ computations: 1, sameScores: true });
    // The cache holds far more than 8 users (64 MiB of score sets: ~110 of 150,000 rows): after
    // 30 other users, the first two are still served from it.
    for (let k = 0; k < 30; k++) {
      expect(hooks.concurrentScores(native, Float32Array.from({ length: dims }, () => rnd() - 0.5), 1).computations).toBe(1);
    }
    expect(hooks.concurrentScores(native, user, 2)).toEqual({ computations: 0, sameScores: true });
    expect(hooks.concurrentScores(native, other, 2)).toEqual({ computations: 0, sameScores: true });
    m.dispose();
  });

  it('reject bad arguments before any thread starts', async () => {
    const m = await VocabMatrix.fromArray(new Float32Array([1, 0, 0, 1]), 2, 2);
    const hooks = loadDevAddon().testing;
    expect(() => hooks.concurrentScores(nativeMatrixOf(m, 'm'), new Float32Array(3), 2)).toThrow(/user length/);
    expect(() => hooks.concurrentScores(nativeMatrixOf(m, 'm'), new Float32Array(2), 0)).toThrow(/callers/);
    m.dispose();
  });
});
