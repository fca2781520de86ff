// scoreOnLanes hands every example on in input order whichever lane scored it (the calling
// thread or the workers), keeps at most WORKER_QUEUE batches per worker, and passes a worker's
// failure on; resampleOnLanes gives the same bootstrap as the serial one.
import { describe, expect, it } from 'vitest';
import { bootstrapSummarySliced, runResampleTask } from '../../../lib/metrics/resample.js';
import { resampleOnLanes, scoreOnLanes, WORKER_QUEUE, type WorkerScorer } from '../../../lib/metrics/score-lanes.js';
import type { ExampleScores, ScoreInputRow } from '../../../lib/metrics/score-types.js';
import { bootstrapSummary } from '../../../lib/metrics/stats.js';

const scoreOf = (row: Pick<ScoreInputRow, 'id' | 'prediction' | 'reference'>, lane: number): ExampleScores => ({
  id: row.id,
  rouge1: row.prediction.length,
  rouge2: row.reference.length,
  rougeL: lane,
  rougeLsum: 0,
  meteor: null,
});

/** A pool whose workers answer after a few turns of the event loop. */
function fakeWorkers(threads: number, fail = -1): WorkerScorer & { maxQueued: number; batches: number } {
  let queued = 0;
  const w = {
    threads,
    maxQueued: 0,
    batches: 0,
    async score(rows: Pick<ScoreInputRow, 'id' | 'prediction' | 'reference'>[]): Promise<ExampleScores[]> {
      const batch = w.batches++;
      queued++;
      w.maxQueued = Math.max(w.maxQueued, queued);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      queued--;
      if (batch === fail) throw new Error('worker failed');
      return rows.map((r) => scoreOf(r, 1));
    },
    resample: async (task: Parameters<WorkerScorer['resample']>[0]) => runResampleTask(task),
  };
  return w;
}

async function* input(n: number): AsyncGenerator<ScoreInputRow> {
  for (let i = 0; i < n; i++) yield { id: String(i), prediction: 'p'.repeat(i % 7), reference: 'r'.repeat(i % 5), line: i + 1 };
}

describe('scoreOnLanes', () => {
  it('emits every row in order, scored on both lanes', async () => {
    const workers = fakeWorkers(2);
    const seen: ExampleScores[] = [];
    await scoreOnLanes(input(1000), workers, (row) => scoreOf(row, 0), async (s, row) => {
      expect(s.id).toBe(row.id);
      seen.push(s);
    }, 16);
    expect(seen.map((s) => s.id)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(seen.every((s, i) => s.rouge1 === i % 7 && s.rouge2 === i % 5)).toBe(true);
    expect(seen.some((s) => s.rougeL === 0)).toBe(true);
    expect(seen.some((s) => s.rougeL === 1)).toBe(true);
    expect(workers.maxQueued).toBeLessThanOrEqual(2 * WORKER_QUEUE);
  });

  it("passes a worker's error on", async () => {
    await expect(scoreOnLanes(input(200), fakeWorkers(1, 2), (row) => scoreOf(row, 0), async () => undefined, 8)).rejects.toThrow('worker failed');
  });
});

describe('resampleOnLanes', () => {
  it('cuts one slice per worker plus one and gives the serial bootstrap', async () => {
    const columns = { a: Array.from({ length: 300 }, (_, i) => Math.sin(i)), b: Array.from({ length: 300 }, (_, i) => (i % 13) / 13) };
    const { parts, run } = resampleOnLanes(fakeWorkers(3));
    expect(parts).toBe(4);
    const sliced = await bootstrapSummarySliced(columns, { resamples: 500, seed: 7 }, parts, run);
    expect(sliced).toEqual(bootstrapSummary(columns, { resamples: 500, seed: 7 }));
  });
});
