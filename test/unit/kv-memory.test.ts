/**
 * The KV-cache arithmetic of lib/kv-memory.ts: bytes per model, context and parallelism, and the
 * largest parallelism that fits a memory budget.
 */
import { totalmem } from 'node:os';

import { describe, expect, it } from 'vitest';

import { KV_MEMORY_SHARE, availableMemory, describeFit, fitParallel, kvCacheBytes } from '../../lib/kv-memory.js';

// Llama-3.2-1B: 16 layers x 8 KV heads x (64 + 64) x 2 bytes.
const LLAMA_1B = { kvCellBytes: 32_768 };

describe('kvCacheBytes', () => {
  it('counts contextSize cells per sequence stream, plus the spare stream where prompts are shared and parallel >= 2', () => {
    expect(kvCacheBytes(LLAMA_1B, 4096, 1)).toBe(32_768 * 4096);
    expect(kvCacheBytes(LLAMA_1B, 4096, 16)).toBe(32_768 * 4096 * 17);  // 2.125 GiB
    expect(kvCacheBytes(LLAMA_1B, 4096, 16, false)).toBe(32_768 * 4096 * 16);  // 2 GiB
    expect(kvCacheBytes({ kvCellBytes: 0 }, 4096, 16)).toBe(0);  // recurrent: no cells
  });

  it('names a bad argument', () => {
    expect(() => kvCacheBytes(LLAMA_1B, 0, 1)).toThrow(/contextSize/);
    expect(() => kvCacheBytes(LLAMA_1B, 64, 257)).toThrow(/parallel/);
  });
});

describe('fitParallel', () => {
  it('keeps the wanted parallelism when its cache fits the share of the available memory', () => {
    const fit = fitParallel(LLAMA_1B, 4096, 16, { availableBytes: 20 * 2 ** 30 });
    expect(fit).toEqual({ parallel: 16, lowered: false, wantedBytes: 17 * 2 ** 27, bytes: 17 * 2 ** 27, availableBytes: 20 * 2 ** 30, budgetBytes: 15 * 2 ** 30 });
  });

  it('lowers it to the largest that fits: 75% of 1 GiB holds 6 streams of 128 MiB, so parallel 5 and the spare', () => {
    const fit = fitParallel(LLAMA_1B, 4096, 16, { availableBytes: 2 ** 30 });
    expect(KV_MEMORY_SHARE).toBe(0.75);
    expect(fit.parallel).toBe(5);
    expect(fit.lowered).toBe(true);
    expect(fit.bytes).toBe(6 * 2 ** 27);
    expect(describeFit(fit, 16, 4096)).toBe(
      "parallel 16's KV cache (2.3 GB for 4096 cells per sequence) would take more than 75% of the 1.1 GB of available memory: " +
        'decoding 5 sequences at once (805 MB); --parallel sets it',
    );
  });

  it('goes down to 1 and no lower, and never up', () => {
    expect(fitParallel(LLAMA_1B, 4096, 16, { availableBytes: 1000 }).parallel).toBe(1);
    expect(fitParallel(LLAMA_1B, 4096, 2, { availableBytes: 2 ** 40 }).parallel).toBe(2);
    // Without the spare stream (no shared prompts) one more sequence fits in the same memory.
    expect(fitParallel(LLAMA_1B, 4096, 16, { availableBytes: 2 ** 30, sharePrompts: false }).parallel).toBe(6);
  });
});

describe('availableMemory', () => {
  it('is a byte count within the machine (the system figure, or a cgroup limit less what the process holds)', () => {
    const bytes = availableMemory();
    expect(Number.isFinite(bytes)).toBe(true);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(totalmem());
  });
});
