// The bootstrap cut into slices (each with its generator jumped ahead) gives bootstrapSummary's
// numbers to the last digit, whatever the number of slices.
import { describe, expect, it } from 'vitest';
import { bootstrapSummarySliced, prngStateAfter, runResampleTask } from '../../../lib/metrics/resample.js';
import { bootstrapSummary, createPrng, createPrngAt } from '../../../lib/metrics/stats.js';

describe('prngStateAfter', () => {
  it('is where createPrng(seed) is after that many outputs', () => {
    for (const [seed, steps] of [[0, 0], [0, 1], [7, 2], [42, 31], [3, 1000], [123456, 77777]] as const) {
      const rng = createPrng(seed);
      for (let i = 0; i < steps; i++) rng.nextUint32();
      const jumped = createPrngAt(prngStateAfter(seed, steps));
      expect(Array.from({ length: 5 }, () => jumped.nextUint32())).toEqual(Array.from({ length: 5 }, () => rng.nextUint32()));
    }
    expect(() => prngStateAfter(0, -1)).toThrow(/steps must be a non-negative safe integer, got -1/);
  });
});

describe('bootstrapSummarySliced', () => {
  it('equals bootstrapSummary for any number of slices', async () => {
    const rng = createPrng(5);
    const a = Array.from({ length: 301 }, () => rng.nextFloat());
    const b = Array.from({ length: 301 }, () => rng.nextFloat());
    const columns = { a, b, c: [...a], d: b.map((x) => x * 0.5) };
    const options = { resamples: 997, seed: 11, confidence: 0.9 };
    const serial = bootstrapSummary(columns, options);
    for (const parts of [1, 2, 3, 8, 1000]) {
      expect(await bootstrapSummarySliced(columns, options, parts, async (task) => runResampleTask(task))).toEqual(serial);
    }
    await expect(bootstrapSummarySliced(columns, options, 0, async (task) => runResampleTask(task))).rejects.toThrow(/parts must be a positive integer/);
  });
});
