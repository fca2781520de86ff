/**
 * TEMPORARY: a stand-in for the batch engine's `model.generateMany` (branch `engine`), with the
 * same contract (results in request order, `onResult` as each request finishes, `onError` per
 * request, an AggregateError indexed like the requests once all have settled), built from
 * concurrent `model.generate()` calls in a pool of `parallel`. Delete this file and call
 * `model.generateMany` once the engine is merged into main.
 * @module
 */
import type { GenerateOptions, GenerationResult } from '../generation-options.js';
import type { Model } from '../model.js';

/** One request of {@link generateManyFallback} (as the engine's `BatchRequest`). */
export interface BatchRequestLike extends GenerateOptions {
  prompt: string | Int32Array;
}

/** Options of {@link generateManyFallback} (as the engine's `GenerateManyOptions`, without `onText`). */
export interface GenerateManyOptionsLike {
  /** Most requests running at once (default 1). */
  parallel?: number;
  /** Aborts every request of this call. */
  signal?: AbortSignal;
  /** A request finished. */
  onResult?: (index: number, result: GenerationResult) => void;
  /** A request failed; the others continue. */
  onError?: (index: number, error: Error) => void;
}

/**
 * Runs `requests` on `model` with at most `parallel` at once (TEMPORARY, see the module note).
 *
 * @throws AggregateError after all requests settled, when any failed (`errors[i]` for request i).
 */
export async function generateManyFallback(model: Model, requests: readonly BatchRequestLike[], options: GenerateManyOptionsLike = {}): Promise<GenerationResult[]> {
  const parallel = Math.max(1, Math.floor(options.parallel ?? 1));
  const results: (GenerationResult | undefined)[] = new Array(requests.length);
  const errors: (Error | undefined)[] = new Array(requests.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= requests.length) return;
      const { prompt, ...gen } = requests[i]!;
      try {
        const signal = options.signal ?? gen.signal;
        const r = await model.generate(prompt, { ...gen, ...(signal ? { signal } : {}) });
        results[i] = r;
        options.onResult?.(i, r);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        errors[i] = e;
        failed = true;
        options.onError?.(i, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, requests.length) }, lane));
  if (failed) throw new AggregateError(errors, `${errors.filter(Boolean).length} of ${requests.length} generations failed: ${errors.find(Boolean)!.message}`);
  return results as GenerationResult[];
}
