// scoreOnLanes hands every example on in input order with ROUGE from the calling thread and
// METEOR from the workers, tokenizes METEOR's texts on the calling thread only while the workers
// are behind, keeps at most MAX_PENDING batches, and passes a worker's failure on;
// resampleOnLanes gives the same bootstrap as the serial one.
import { describe, expect, it } from 'vitest';
import { bootstrapSummarySliced, runResampleTask } from '../../../lib/metrics/resample.js';
import { MAX_PENDING, resampleOnLanes, scoreOnLanes, TOKENIZE_QUEUE, type LocalScorer, type MeteorWorkers } from '../../../lib/metrics/score-lanes.js';
import type { ExampleScores, ScoreInputRow } from '../../../lib/metrics/score-types.js';
import { bootstrapSummary } from '../../../lib/metrics/stats.js';

/** The calling thread's part: "ROUGE" is the text lengths, "tokenizing" upper-cases. */
const local: LocalScorer = {
  rouge: (row) => ({ id: row.id, rouge1: row.prediction.length, rouge2: row.reference.length, rougeL: 0, rougeLsum: 0 }),
  tokenize: (text) => text.toUpperCase(),
};

/** "METEOR" of a pair: hypothesis length + reference length / 100, from the token texts. */
const meteorOf = (hypothesis: string, reference: string): number => hypothesis.length + reference.length / 100;

/** Workers that answer after `delay` turns of the event loop; batch `fail` throws. */
function fakeWorkers(threads: number, o: { fail?: number; delay?: number } = {}): MeteorWorkers & { maxQueued: number; raw: number; tokenized: number } {
  const w = {
    threads,
    queued: 0,
    maxQueued: 0,
    raw: 0,
    tokenized: 0,
    async meteor(texts: string[], tokenized: boolean): Promise<Float64Array> {
      const batch = w.raw + w.tokenized;
      if (tokenized) w.tokenized++;
      else w.raw++;
      w.queued++;
      w.maxQueued = Math.max(w.maxQueued, w.queued);
      for (let i = 0; i < (o.delay ?? 3); i++) await new Promise((r) => setImmediate(r));
      w.queued--;
      if (batch === o.fail) throw new Error('worker failed');
      for (const t of texts) if (t !== '' && tokenized !== (t === t.toUpperCase())) throw new Error(`text ${t} is not ${tokenized ? 'tokenized' : 'raw'}`);
      const out = new Float64Array(texts.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = meteorOf(local.tokenize(texts[2 * i]!), local.tokenize(texts[2 * i + 1]!));
      return out;
    },
    resample: async (task: Parameters<MeteorWorkers['resample']>[0]) => runResampleTask(task),
  };
  return w;
}

async function* input(n: number): AsyncGenerator<ScoreInputRow> {
  for (let i = 0; i < n; i++) yield { id: String(i), prediction: 'p'.repeat(i % 7), reference: 'r'.repeat(i % 5), line: i + 1 };
}

describe('scoreOnLanes', () => {
  it('emits every row in order with its ROUGE and METEOR', async () => {
    const workers = fakeWorkers(2);
    const seen: ExampleScores[] = [];
    const counts = await scoreOnLanes(input(1000), workers, local, async (s, row) => {
      expect(s.id).toBe(row.id);
      seen.push(s);
    }, 16);
    expect(seen.map((s) => s.id)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(seen.every((s, i) => s.rouge1 === i % 7 && s.rouge2 === i % 5 && s.meteor === (i % 7) + (i % 5) / 100)).toBe(true);
    expect(counts.tokenizedHere + counts.tokenizedThere).toBe(Math.ceil(1000 / 16));
    expect(counts).toEqual({ tokenizedHere: workers.tokenized, tokenizedThere: workers.raw });
    expect(workers.maxQueued).toBeLessThanOrEqual(MAX_PENDING);
  });

  it('tokenizes here only while the workers hold TOKENIZE_QUEUE batches each', async () => {
    // Workers that answer at once never fall behind: they tokenize everything.
    const quick = fakeWorkers(2, { delay: 0 });
    await scoreOnLanes(input(200), quick, local, async () => undefined, 8);
    expect(quick.tokenized).toBe(0);
    // Slow workers do: the calling thread takes the tokenizing over.
    const slow = fakeWorkers(2, { delay: 4 * TOKENIZE_QUEUE });
    await scoreOnLanes(input(400), slow, local, async () => undefined, 8);
    expect(slow.tokenized).toBeGreaterThan(0);
    expect(slow.raw).toBeGreaterThanOrEqual(2 * TOKENIZE_QUEUE);
  });

  it('tokenizes every batch here for a single worker, however fast it is', async () => {
    const quick = fakeWorkers(1, { delay: 0 });
    expect(await scoreOnLanes(input(200), quick, local, async () => undefined, 8)).toEqual({ tokenizedHere: 25, tokenizedThere: 0 });
    expect(quick.raw).toBe(0);
  });

  it("passes a worker's error on", async () => {
    await expect(scoreOnLanes(input(200), fakeWorkers(1, { fail: 2 }), local, async () => undefined, 8)).rejects.toThrow('worker failed');
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
