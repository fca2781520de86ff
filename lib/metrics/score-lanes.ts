/**
 * Scoring on the calling thread and on worker threads at once: batches of rows go to the
 * workers (a {@link ScorePool}, or anything with its `score`/`resample` methods) while they
 * have fewer than {@link WORKER_QUEUE} batches each, and the calling thread scores the others
 * itself, between which it lets the workers' answers in. Every example is handed on in file
 * order. The bootstrap is cut the same way: one slice per worker and one for the calling
 * thread. On two cores this keeps both busy with one worker instead of two (each worker pays
 * its start and its own word caches), and the numbers do not depend on which thread scored a
 * row.
 * @module
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { runResampleTask, type ResampleTask } from './resample.js';
import type { ExampleScores, ScoreInputRow } from './score-types.js';

/** The worker side: what {@link ScorePool} offers. */
export interface WorkerScorer {
  /** Number of worker threads. */
  readonly threads: number;
  /** Scores a batch on a worker. */
  score(rows: Pick<ScoreInputRow, 'id' | 'prediction' | 'reference'>[]): Promise<ExampleScores[]>;
  /** Computes a bootstrap slice on a worker. */
  resample(task: ResampleTask): Promise<Float64Array[]>;
}

/** Batches queued per worker before the calling thread scores a batch itself. */
export const WORKER_QUEUE = 3;
/** Batches, scored or not, kept before the oldest must be handed on. */
const MAX_PENDING = 64;

interface Pending {
  rows: ScoreInputRow[];
  scores: ExampleScores[] | Promise<ExampleScores[]>;
  /** Whether `scores` is settled. */
  done: boolean;
}

/**
 * Scores `rows` in batches of `batchSize` on `workers` and on the calling thread (`local`) and
 * calls `emit` for each example in the order of `rows`.
 *
 * @param rows - the rows to score.
 * @param workers - the worker pool.
 * @param local - the calling thread's scorer (built as the workers build theirs).
 * @param emit - called with each example's scores, in order.
 * @param batchSize - rows per batch.
 */
export async function scoreOnLanes(
  rows: AsyncIterable<ScoreInputRow>,
  workers: WorkerScorer,
  local: (row: ScoreInputRow) => ExampleScores,
  emit: (scores: ExampleScores, row: ScoreInputRow) => Promise<void>,
  batchSize: number,
): Promise<void> {
  const pending: Pending[] = [];
  let atWorkers = 0;
  const drainOne = async (): Promise<void> => {
    const b = pending.shift()!;
    const scores = await b.scores;
    for (let i = 0; i < b.rows.length; i++) await emit(scores[i]!, b.rows[i]!);
  };
  const send = async (batch: ScoreInputRow[]): Promise<void> => {
    if (atWorkers < workers.threads * WORKER_QUEUE) {
      atWorkers++;
      const entry: Pending = { rows: batch, scores: workers.score(batch.map(({ id, prediction, reference }) => ({ id, prediction, reference }))), done: false };
      const done = (): void => {
        atWorkers--;
        entry.done = true;
      };
      (entry.scores as Promise<ExampleScores[]>).then(done, done); // failures are awaited in order by drainOne
      pending.push(entry);
    } else {
      pending.push({ rows: batch, scores: batch.map(local), done: true });
      await nextTurn(); // lets the workers' answers in, so that they get the next batches
    }
    while (pending.length > 0 && pending[0]!.done) await drainOne();
    if (pending.length >= MAX_PENDING) await drainOne();
  };
  let batch: ScoreInputRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length === batchSize) {
      const full = batch;
      batch = [];
      await send(full);
    }
  }
  if (batch.length > 0) await send(batch);
  while (pending.length > 0) await drainOne();
}

/**
 * A bootstrap slice runner (for `bootstrapSummarySliced`) that runs the first slice on the
 * calling thread, once the others are handed to `workers`.
 *
 * @param workers - the worker pool.
 * @returns the number of slices to cut (one per worker, one for the calling thread) and the runner.
 */
export function resampleOnLanes(workers: WorkerScorer): { parts: number; run: (task: ResampleTask) => Promise<Float64Array[]> } {
  let calls = 0;
  const run = (task: ResampleTask): Promise<Float64Array[]> =>
    // The slices are handed out in one synchronous pass: the local one runs after it.
    calls++ === 0 ? Promise.resolve().then(() => runResampleTask(task)) : workers.resample(task);
  return { parts: workers.threads + 1, run };
}
