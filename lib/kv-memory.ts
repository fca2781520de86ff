/**
 * What a model's batch engine costs in KV-cache memory, and the most sequences whose cache fits
 * in a memory budget. The engine's context holds `contextSize` cells per sequence stream (plus
 * one spare stream where it shares prompts and holds two or more sequences; see
 * native/BatchEngine.h), and llama.cpp allocates and clears all of them at the first
 * generation: a cache larger than the machine's free memory gets the process killed by the
 * system rather than an error. `eval` and `worker` use {@link fitParallel} to lower their default
 * `parallel` on small machines and large models.
 * @module
 */
import { freemem } from 'node:os';

import { checkNumber } from './errors.js';
import { formatBytes } from './hub/progress.js';
import type { Model, ModelInfo } from './model.js';

/** Share of the available memory that an automatically chosen `parallel` lets the KV cache take. */
export const KV_MEMORY_SHARE = 0.75;

/**
 * Bytes of the KV cache of a model loaded with `contextSize` and `parallel` (f16 cells, the
 * spare stream included when `sharePrompts`, as loadModel's default).
 */
export function kvCacheBytes(info: Pick<ModelInfo, 'kvCellBytes'>, contextSize: number, parallel: number, sharePrompts = true): number {
  checkNumber(contextSize, 'contextSize', 1, Number.MAX_SAFE_INTEGER, true);
  checkNumber(parallel, 'parallel', 1, 256, true);
  const streams = parallel + (sharePrompts && parallel >= 2 ? 1 : 0);
  return info.kvCellBytes * contextSize * streams;
}

/** The outcome of {@link fitParallel}. */
export interface ParallelFit {
  /** The parallelism to load with: `wanted`, or the largest below it whose cache fits (at least 1). */
  parallel: number;
  /** True when `parallel` is below `wanted`. */
  lowered: boolean;
  /** KV-cache bytes at `wanted`. */
  wantedBytes: number;
  /** KV-cache bytes at `parallel`. */
  bytes: number;
  /** The available memory the fit was made for. */
  availableBytes: number;
  /** The budget: `share` of `availableBytes`. */
  budgetBytes: number;
}

/**
 * Memory this process may still use: the system's available memory (`os.freemem()`), or less
 * where a cgroup limit (`process.constrainedMemory()`, e.g. a container's) leaves less beside what
 * the process already holds.
 */
export function availableMemory(): number {
  const free = freemem();
  const limit = process.constrainedMemory?.() ?? 0;
  // Without a limit Node reports 0 or a huge number (cgroup v2 "max").
  if (!(limit > 0) || limit >= Number.MAX_SAFE_INTEGER) return free;
  return Math.max(0, Math.min(free, limit - process.memoryUsage.rss()));
}

/** Options of {@link fitParallel}. */
export interface FitParallelOptions {
  /** Free memory in bytes (default: {@link availableMemory}). */
  availableBytes?: number;
  /** Share of it the cache may take (default {@link KV_MEMORY_SHARE}). */
  share?: number;
  /** Whether the model shares prompts (default true, as loadModel). */
  sharePrompts?: boolean;
}

/**
 * The largest parallelism up to `wanted` whose KV cache takes at most `share` of the available
 * memory; 1 when even one sequence does not fit (its cache is then the caller's to refuse or try).
 */
export function fitParallel(info: Pick<ModelInfo, 'kvCellBytes'>, contextSize: number, wanted: number, options: FitParallelOptions = {}): ParallelFit {
  const available = options.availableBytes ?? availableMemory();
  checkNumber(available, 'options.availableBytes', 0, Number.MAX_VALUE);
  const share = checkNumber(options.share, 'options.share', 0, 1) ?? KV_MEMORY_SHARE;
  const budgetBytes = available * share;
  const bytes = (p: number): number => kvCacheBytes(info, contextSize, p, options.sharePrompts ?? true);
  let parallel = wanted;
  while (parallel > 1 && bytes(parallel) > budgetBytes) parallel--;
  return { parallel, lowered: parallel < wanted, wantedBytes: bytes(wanted), bytes: bytes(parallel), availableBytes: available, budgetBytes };
}

/** One line for people about a lowered parallelism (`fit.lowered`), naming `--parallel`, which sets it. */
export function describeFit(fit: ParallelFit, wanted: number, contextSize: number): string {
  return (
    `parallel ${wanted}'s KV cache (${formatBytes(fit.wantedBytes)} for ${contextSize} cells per sequence) would take more than ` +
    `${Math.round((fit.budgetBytes / Math.max(1, fit.availableBytes)) * 100)}% of the ${formatBytes(fit.availableBytes)} of available memory: ` +
    `decoding ${fit.parallel} sequences at once (${formatBytes(fit.bytes)}); --parallel sets it`
  );
}

/** What {@link loadFitted} loads with. */
export interface LoadFittedOptions {
  /** The context size of the first load. */
  contextSize: number;
  /** The parallelism wanted. */
  parallel: number;
  /** The context size the loaded model calls for (e.g. from its training context); default: `contextSize`. May throw. */
  contextFor?: (info: ModelInfo) => number;
  /** Lower `parallel` to what fits the memory ({@link fitParallel}); absent: keep it. */
  fit?: { availableBytes?: number; note?: (line: string) => void };
}

/**
 * Loads a model with `load`, then once more where the context size it calls for or the
 * parallelism that fits the memory differ from the first load's (a model's shape is known only
 * once it is loaded). The model is disposed when `contextFor` throws.
 */
export async function loadFitted(load: (contextSize: number, parallel: number) => Promise<Model>, o: LoadFittedOptions): Promise<Model> {
  const model = await load(o.contextSize, o.parallel);
  let contextSize: number;
  try {
    contextSize = o.contextFor?.(model.info) ?? o.contextSize;
  } catch (err) {
    model.dispose();
    throw err;
  }
  let parallel = o.parallel;
  if (o.fit) {
    const fit = fitParallel(model.info, contextSize, o.parallel, o.fit.availableBytes === undefined ? {} : { availableBytes: o.fit.availableBytes });
    if (fit.lowered) o.fit.note?.(describeFit(fit, o.parallel, contextSize));
    parallel = fit.parallel;
  }
  if (contextSize === o.contextSize && parallel === o.parallel) return model;
  model.dispose();
  return load(contextSize, parallel);
}
