/**
 * Admission to the model: at most `parallel` generations run at once (the model's batch engine
 * decodes them together); the others wait in arrival order. A waiting request whose client
 * goes away leaves the queue without running.
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
   * signal's reason and `job` never runs.
   */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#queue.add(job, { signal });
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    return this.#queue.onIdle();
  }
}
