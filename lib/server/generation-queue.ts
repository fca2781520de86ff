/**
 * Admission to the model: at most `parallel` generations run at once (the model's batch engine
 * decodes them together); the others wait in arrival order. A waiting request whose client
 * goes away leaves the queue without running; a running one keeps its slot until its job
 * settles (the job stops itself on the same signal), so the slots always match the sequences
 * the engine holds, and the job's result (what was generated before the abort) comes back.
 * @module
 */
import PQueue from 'p-queue';

import type { QueueGauges } from './metrics.js';

/** The queue in front of the model. */
export class GenerationQueue implements QueueGauges {
  readonly #queue: PQueue;

  /** @param parallel - most generations running at once (>= 1) */
  constructor(readonly parallel: number) {
    if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError(`parallel must be an integer >= 1, got ${parallel}`);
    this.#queue = new PQueue({ concurrency: parallel });
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#queue.size;
  }

  /** Generations running. */
  get running(): number {
    return this.#queue.pending;
  }

  /**
   * Runs `job` when a slot is free. With `signal` aborted while waiting, it rejects with the
   * signal's reason and `job` never runs; once `job` runs, the signal is the job's to heed, and
   * the promise settles as the job's does.
   */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!signal) return this.#queue.add(job);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    // p-queue would also reject a running job's promise on the signal (and free its slot before
    // the job ends), so it only gets a signal that is aborted while the job waits.
    const waiting = new AbortController();
    const leave = () => waiting.abort(signal.reason);
    signal.addEventListener('abort', leave, { once: true });
    return this.#queue.add(
      () => {
        signal.removeEventListener('abort', leave);
        return job();
      },
      { signal: waiting.signal },
    );
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    return this.#queue.onIdle();
  }
}
