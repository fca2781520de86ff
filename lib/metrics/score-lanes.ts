/**
 * Scoring on the calling thread and on METEOR worker threads at once. The calling thread reads
 * the rows, scores ROUGE, and hands each batch's METEOR to the workers (a {@link ScorePool}, or
 * anything with its `meteor`/`resample` methods), tokenizing the texts itself while the workers
 * are behind (they hold at least {@link TOKENIZE_QUEUE} batches each) and leaving that to them
 * while they keep up; a single worker is left the alignment alone. So the work is cut by stage,
 * not by row: METEOR's alignment, whose word caches (ids, stems, WordNet synonyms) are most of
 * its cost on first sight of a word, runs only on the workers, and is not paid again by a second
 * thread (measured: cutting by row, each thread warming its own caches, was slower than one
 * thread on two cores). Every example is handed on in file order, and the numbers do not depend
 * on which thread did what. The bootstrap is cut into slices: one per worker and one for the
 * calling thread.
 * @module
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { runResampleTask, type ResampleTask } from './resample.js';
import type { ExampleScores, ScoreInputRow } from './score-types.js';

/** The worker side: what {@link ScorePool} offers. */
export interface MeteorWorkers {
  /** Number of worker threads. */
  readonly threads: number;
  /** Batches sent and not yet answered. */
  readonly queued: number;
  /** METEOR of each pair of `texts` (hypothesis, reference, ...), raw or `tokenized`. */
  meteor(texts: string[], tokenized: boolean): Promise<Float64Array>;
  /** Computes a bootstrap slice on a worker. */
  resample(task: ResampleTask): Promise<Float64Array[]>;
}

/** The calling thread's part of each row. */
export interface LocalScorer {
  /** Every score of `row` but METEOR. */
  rouge(row: ScoreInputRow): Omit<ExampleScores, 'meteor'>;
  /** METEOR's tokenization of a text (`createMeteorTokenizer`). */
  tokenize(text: string): string;
}

/**
 * Batches per worker from which the calling thread tokenizes METEOR's texts itself, when there
 * are two workers or more. With one worker the calling thread tokenizes every batch: the worker
 * then runs only the alignment code, and V8 compiles the tokenizer in one thread instead of two
 * (on 2 cores the compiler's threads took about a quarter of the CPU). 4,000 State of the Union
 * pairs, 10 alternating runs: median 2,030 -> 1,986 ms, CPU 3.51 -> 3.44 s.
 */
export const TOKENIZE_QUEUE = 2;
/** Batches, scored or not, kept before the oldest must be handed on (the calling thread waits). */
export const MAX_PENDING = 128;

interface Pending {
  rows: ScoreInputRow[];
  scores: Omit<ExampleScores, 'meteor'>[];
  meteor: Promise<Float64Array>;
  /** Whether `meteor` is settled. */
  done: boolean;
}

/**
 * Scores `rows` in batches of `batchSize` (ROUGE and maybe METEOR's tokenization on the calling
 * thread, METEOR on `workers`) and calls `emit` for each example in the order of `rows`.
 *
 * @param rows - the rows to score.
 * @param workers - the METEOR workers.
 * @param local - the calling thread's scorer.
 * @param emit - called with each example's scores, in order.
 * @param batchSize - rows per batch.
 * @returns how many batches the calling thread tokenized for the workers and how many it left
 *   to them to tokenize.
 */
export async function scoreOnLanes(
  rows: AsyncIterable<ScoreInputRow>,
  workers: MeteorWorkers,
  local: LocalScorer,
  emit: (scores: ExampleScores, row: ScoreInputRow) => Promise<void>,
  batchSize: number,
): Promise<{ tokenizedHere: number; tokenizedThere: number }> {
  const pending: Pending[] = [];
  const counts = { tokenizedHere: 0, tokenizedThere: 0 };
  const drainOne = async (): Promise<void> => {
    const b = pending.shift()!;
    const meteor = await b.meteor;
    for (let i = 0; i < b.rows.length; i++) await emit({ ...b.scores[i]!, meteor: meteor[i]! }, b.rows[i]!);
  };
  const send = async (batch: ScoreInputRow[]): Promise<void> => {
    const scores = batch.map((row) => local.rouge(row));
    const tokenized = workers.threads === 1 || workers.queued >= workers.threads * TOKENIZE_QUEUE;
    const texts: string[] = [];
    for (const row of batch) {
      if (tokenized) texts.push(local.tokenize(row.prediction), local.tokenize(row.reference));
      else texts.push(row.prediction, row.reference);
    }
    counts[tokenized ? 'tokenizedHere' : 'tokenizedThere']++;
    const entry: Pending = { rows: batch, scores, meteor: workers.meteor(texts, tokenized), done: false };
    const done = (): void => {
      entry.done = true;
    };
    entry.meteor.then(done, done); // failures are awaited in order by drainOne
    pending.push(entry);
    await nextTurn(); // lets the workers' answers in
    while (pending.length > 0 && (pending[0]!.done || pending.length >= MAX_PENDING)) await drainOne();
  };
  let batch: ScoreInputRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length === batchSize) {
      const ready = batch;
      batch = [];
      await send(ready);
    }
  }
  if (batch.length > 0) await send(batch);
  while (pending.length > 0) await drainOne();
  return counts;
}

/**
 * A bootstrap slice runner (for `bootstrapSummarySliced`) that runs the first slice on the
 * calling thread, once the others are handed to `workers`.
 *
 * @param workers - the worker pool.
 * @returns the number of slices to cut (one per worker, one for the calling thread) and the runner.
 */
export function resampleOnLanes(workers: Pick<MeteorWorkers, 'threads' | 'resample'>): { parts: number; run: (task: ResampleTask) => Promise<Float64Array[]> } {
  let calls = 0;
  const run = (task: ResampleTask): Promise<Float64Array[]> =>
    // The slices are handed out in one synchronous pass: the local one runs after it.
    calls++ === 0 ? Promise.resolve().then(() => runResampleTask(task)) : workers.resample(task);
  return { parts: workers.threads + 1, run };
}
