/**
 * METEOR spread over worker threads: {@link ScorePool} starts `threads` workers
 * (`score-worker.js`), each with its own METEOR aligner (`createMeteorTextScorer`, built as the
 * serial path builds it), and scores batches of pairs on the least busy one. A batch comes
 * either as raw texts (the worker tokenizes them too) or as token texts tokenized by the caller
 * (`createMeteorTokenizer`). Per-pair scores do not depend on which thread computes them, so
 * results are identical to the serial path's. WordNet is read once, here, while the workers
 * start, into shared memory that every worker uses (rather than each reading its ~30 MB again).
 * The workers also compute bootstrap slices.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResampleTask } from './resample.js';
import { wordNetBytes, type WordNetBytes } from './wordnet.js';

/**
 * The young generation of each worker's heap, in MB. Scoring allocates many short-lived strings
 * and arrays and keeps few; V8's default lets the young generation grow to tens of MB, whose
 * fresh pages each cost a page fault (about 7 us of kernel time on the 2-core VM measured). Capped,
 * the 4,000-pair State of the Union run took about 7,000 fewer page faults and 5% less CPU (any
 * cap from 3 to 12 MB measured the same).
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** What each worker builds its scorer from (`workerData`); WordNet comes as its first message. */
export interface ScoreWorkerSettings {
  /** NLTK data folder of the Punkt parameters (for batches of raw texts). */
  nltkData?: string;
}

/** The first message to a worker: WordNet's files in shared memory. */
export interface ScorePoolWordNet {
  wordnet: WordNetBytes;
}

/**
 * A batch of pairs sent to a worker: `texts` holds each pair's hypothesis then reference, as raw
 * texts or (`tokenized`) as `createMeteorTokenizer`'s token texts.
 */
export interface ScorePoolMeteorRequest {
  batch: number;
  texts: string[];
  tokenized: boolean;
}

/** A slice of the bootstrap sent to a worker (see `resample.ts`). */
export interface ScorePoolResampleRequest {
  batch: number;
  task: ResampleTask;
}

/** A worker's answer to a {@link ScorePoolMeteorRequest} (`meteor`) or a {@link ScorePoolResampleRequest} (`means`). */
export type ScorePoolResponse =
  | { batch: number; meteor: Float64Array }
  | { batch: number; means: Float64Array[] }
  | { batch: number; error: string };

interface Slot {
  worker: Worker;
  busy: number;
}

interface Pending {
  resolve: (value: Float64Array | Float64Array[]) => void;
  reject: (err: Error) => void;
  slot: Slot;
}

/** A pool of METEOR worker threads. Close it with {@link ScorePool.close} (or `await using`). */
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
   * @param settings - the NLTK data folder for the workers' Punkt parameters.
   * @throws RangeError when `threads` is not a positive integer; Error when the compiled
   *   worker script is absent (running from TypeScript sources) or WordNet cannot be read.
   */
  constructor(threads: number, settings: { nltkData?: string } = {}) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const script = new URL('./score-worker.js', import.meta.url);
    if (!existsSync(fileURLToPath(script))) {
      throw new Error(`parallel scoring needs the compiled worker ${fileURLToPath(script)} (run npm run build:ts, or score with threads = 1)`);
    }
    for (let i = 0; i < threads; i++) {
      const workerData: ScoreWorkerSettings = settings;
      const worker = new Worker(script, { workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      const slot: Slot = { worker, busy: 0 };
      worker.on('message', (msg: ScorePoolResponse) => this.settle(msg));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`a scoring worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
    this.sendWordNet();
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

  /** Batches sent and not yet answered, over all workers. */
  get queued(): number {
    return this.pending.size;
  }

  /**
   * METEOR of a batch of pairs on the least busy worker.
   *
   * @param texts - each pair's hypothesis then reference.
   * @param tokenized - whether `texts` are token texts (`createMeteorTokenizer`) rather than raw texts.
   * @returns one score per pair, in order.
   */
  meteor(texts: string[], tokenized: boolean): Promise<Float64Array> {
    return this.send<Float64Array>((batch) => ({ batch, texts, tokenized }) satisfies ScorePoolMeteorRequest);
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

  private send<T extends Float64Array | Float64Array[]>(message: (batch: number) => ScorePoolMeteorRequest | ScorePoolResampleRequest): Promise<T> {
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
    else p.resolve('meteor' in msg ? msg.meteor : msg.means);
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
