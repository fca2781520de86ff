/**
 * Many generations in one call ({@link Model.generateMany}): the request and option types, and
 * the runner that keeps at most `parallel` of them in the model's batch engine at once,
 * reports each as it streams, finishes or fails, and settles only when all have settled.
 * @module
 */
import { checkNumber, expectType } from './errors.js';
import type { GenerateOptions, GenerationResult } from './generation-options.js';

/** One request of {@link Model.generateMany}: a prompt and its own options (personalization, seed, stop, ...). */
export interface BatchRequest extends GenerateOptions {
  /** The prompt: text (tokenized with BOS and special tokens) or token ids. */
  prompt: string | Int32Array;
}

/** Options of {@link Model.generateMany}. */
export interface GenerateManyOptions {
  /** Most requests of this call decoded at once (1 to the model's `parallel`, the default). */
  parallel?: number;
  /** Aborts every request of this call that has not finished (each rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Streamed text of request `index`, in order (whole UTF-8 characters). */
  onText?: (index: number, chunk: string) => void;
  /** Request `index` finished. */
  onResult?: (index: number, result: GenerationResult) => void;
  /** Request `index` failed (bad input, an error while decoding, an abort); the others go on. */
  onError?: (index: number, error: Error) => void;
}

/** How one request runs: the model's own generation, with a text callback. @internal */
export type RunOne = (
  request: BatchRequest,
  signal: AbortSignal | undefined,
  onText: ((chunk: string) => void) | undefined,
) => Promise<GenerationResult>;

/**
 * Runs `start` (which submits requests synchronously) so that the engine admits what it submits
 * together, in one step: the model holds its engine around it. @internal
 */
export type Together = <T>(start: () => T) => T;

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function checkCallback(f: unknown, name: string): void {
  expectType(f === undefined || typeof f === 'function', `options.${name} must be a function`);
}

/**
 * Runs `requests` with at most `parallel` in flight, in request order. Resolves with the results
 * in request order; if any failed, rejects after all settled with an AggregateError whose
 * `errors` are indexed like the requests (undefined where the request succeeded). @internal
 */
export async function runMany(
  requests: readonly BatchRequest[],
  options: GenerateManyOptions,
  maxParallel: number,
  runOne: RunOne,
  together: Together = (start) => start(),
): Promise<GenerationResult[]> {
  expectType(Array.isArray(requests), 'requests must be an array of { prompt, ...options }');
  expectType(options !== null && typeof options === 'object', 'options must be an object');
  const parallel = checkNumber(options.parallel, 'options.parallel', 1, maxParallel, true) ?? maxParallel;
  checkCallback(options.onText, 'onText');
  checkCallback(options.onResult, 'onResult');
  checkCallback(options.onError, 'onError');
  if (options.signal !== undefined) expectType(options.signal instanceof AbortSignal, 'options.signal must be an AbortSignal');

  const results: (GenerationResult | undefined)[] = new Array(requests.length).fill(undefined);
  const errors: (Error | undefined)[] = new Array(requests.length).fill(undefined);
  let failures = 0;
  let next = 0;
  const one = async (i: number): Promise<void> => {
    try {
      const request = requests[i];
      expectType(request !== null && typeof request === 'object', `requests[${i}] must be an object with a prompt`);
      const signals = [options.signal, request.signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      const onText = options.onText;
      const result = await runOne(request, signal, onText ? (chunk) => onText(i, chunk) : undefined);
      results[i] = result;
      options.onResult?.(i, result);
    } catch (e) {
      failures++;
      errors[i] = asError(e);
      try {
        options.onError?.(i, errors[i]!);
      } catch {
        // A throwing error listener changes nothing: the error is already recorded.
      }
    }
  };
  const lane = async (): Promise<void> => {
    while (next < requests.length) await one(next++);
  };
  // The first `parallel` requests are submitted in one go (each lane runs up to its first await).
  await Promise.all(together(() => Array.from({ length: Math.min(parallel, requests.length) }, lane)));
  if (failures > 0) {
    const first = errors.find((e) => e !== undefined)!;
    throw new AggregateError(errors, `${failures} of ${requests.length} requests failed; the first: ${first.message}`);
  }
  return results as GenerationResult[];
}
