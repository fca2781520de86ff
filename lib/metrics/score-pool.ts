/**
 * Scoring spread over worker threads: {@link ScorePool} starts `threads` workers
 * (`score-worker.js`), each with its own ROUGE and METEOR scorer built exactly as the serial
 * path builds it, and scores batches of pairs on the least busy one. Per-pair scores do not
 * depend on which thread computes them, so results are identical to the serial path's.
 * WordNet is read once, here, into shared memory that every worker uses (rather than each
 * worker reading its ~30 MB again).
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResampleTask } from './resample.js';
import type { ExampleScores, ScoreInputRow } from './score-types.js';
import { wordNetBytes, type WordNetBytes } from './wordnet.js';

/** What each worker builds its scorer from (`workerData`). */
export interface ScoreWorkerSettings {
  /** Porter stemming for ROUGE. */
  stem: boolean;
  /** Whether METEOR is scored (the default scorer) or left out (null). */
  meteor: boolean;
  /** NLTK data folder of the METEOR scorer. */
  nltkData?: string;
  /**
   * METEOR's WordNet files in shared memory. Default, when `meteor` is on: the pool reads them
   * once with `wordNetBytes()` while the workers start, and posts them to every worker as its
   * first message (`wordnetFollows`).
   */
  wordnet?: WordNetBytes;
  /** Set by the pool: the WordNet files come as the first message, `{ wordnet }`. */
  wordnetFollows?: boolean;
}

/** The first message to a worker started with `wordnetFollows`. */
export interface ScorePoolWordNet {
  wordnet: WordNetBytes;
}

/** A batch sent to a worker. */
export interface ScorePoolRequest {
  batch: number;
  rows: Pick<ScoreInputRow, 'id' | 'prediction' | 'reference'>[];
}

/** A slice of the bootstrap sent to a worker (see `resample.ts`). */
export interface ScorePoolResampleRequest {
  batch: number;
  task: ResampleTask;
}

/** A worker's answer to a {@link ScorePoolRequest} (`scores`) or a {@link ScorePoolResampleRequest} (`means`). */
export type ScorePoolResponse =
  | { batch: number; scores: ExampleScores[] }
  | { batch: number; means: Float64Array[] }
  | { batch: number; error: string };

interface Slot {
  worker: Worker;
  busy: number;
}

interface Pending {
  resolve: (value: ExampleScores[] | Float64Array[]) => void;
  reject: (err: Error) => void;
  slot: Slot;
}

/** A pool of scoring worker threads. Close it with {@link ScorePool.close} (or `await using`). */
export class ScorePool implements AsyncDisposable {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextBatch = 0;
  private failure: Error | null = null;
  private closed = false;

  /**
   * Starts the workers.
   *
   * @param threads - number of worker threads, >= 1.
   * @param settings - how each worker builds its scorer.
   * @throws RangeError when `threads` is not a positive integer; Error when the compiled
   *   worker script is absent (running from TypeScript sources) or WordNet cannot be read.
   */
  constructor(threads: number, settings: ScoreWorkerSettings) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const script = new URL('./score-worker.js', import.meta.url);
    if (!existsSync(fileURLToPath(script))) {
      throw new Error(`parallel scoring needs the compiled worker ${fileURLToPath(script)} (run npm run build:ts, or score with threads = 1)`);
    }
    const follows = settings.meteor && settings.wordnet === undefined;
    const workerData: ScoreWorkerSettings = follows ? { ...settings, wordnetFollows: true } : settings;
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(script, { workerData });
      const slot: Slot = { worker, busy: 0 };
      worker.on('message', (msg: ScorePoolResponse) => this.settle(msg));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`a scoring worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
    if (follows) this.sendWordNet();
  }

  /** Reads WordNet (once per process; the workers start meanwhile) and posts it to every worker. */
  private sendWordNet(): void {
    let wordnet: WordNetBytes;
    try {
      wordnet = wordNetBytes();
    } catch (err) {
      this.closed = true;
      for (const s of this.slots) void s.worker.terminate();
      throw err;
    }
    for (const s of this.slots) s.worker.postMessage({ wordnet } satisfies ScorePoolWordNet);
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.slots.length;
  }

  /**
   * Scores `rows` on the least busy worker.
   *
   * @param rows - the pairs, scored in order.
   * @returns their scores, in the order of `rows`.
   */
  score(rows: ScorePoolRequest['rows']): Promise<ExampleScores[]> {
    return this.send<ExampleScores[]>((batch) => ({ batch, rows }) satisfies ScorePoolRequest);
  }

  /**
   * Computes a slice of a bootstrap on the least busy worker (`runResampleTask`).
   *
   * @param task - the slice.
   * @returns its means, one array per column.
   */
  resample(task: ResampleTask): Promise<Float64Array[]> {
    return this.send<Float64Array[]>((batch) => ({ batch, task }) satisfies ScorePoolResampleRequest);
  }

  private send<T extends ExampleScores[] | Float64Array[]>(message: (batch: number) => ScorePoolRequest | ScorePoolResampleRequest): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the scoring pool is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const batch = this.nextBatch++;
    slot.busy++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(batch, { resolve: resolve as Pending['resolve'], reject, slot });
      slot.worker.postMessage(message(batch));
    });
  }

  private settle(msg: ScorePoolResponse): void {
    const p = this.pending.get(msg.batch);
    if (!p) return;
    this.pending.delete(msg.batch);
    p.slot.busy--;
    if ('error' in msg) p.reject(new Error(msg.error));
    else p.resolve('scores' in msg ? msg.scores : msg.means);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Stops the workers (idempotent); batches still pending are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('the scoring pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Same as {@link ScorePool.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
