// The development addon's surface (persona_gen_dev.node: the product addon plus test hooks and
// bench tools), typed by hand for the tests and benchmarks only. Not shipped, not part of the
// library's typed surface (that is bindings/index.d.ts).
import type { NativeAddon, NativeBiasReference, NativeGenerateOptions, NativeKernelImpl, NativeModel, NativeVocabMatrix } from './index.js';

export interface NativeTestHooks {
  /**
   * In a sanitizer build: runs LeakSanitizer now (its report goes to stderr) and returns whether
   * it found leaks; null in a normal build.
   */
  leakCheck(): boolean | null;
  applyBias(
    matrix: NativeVocabMatrix,
    user: Float32Array,
    config: { beta: number; guardTopK?: number; guardMinP?: number; reference?: NativeBiasReference },
    ids: Int32Array,
    logits: Float32Array,
    how?: { viaClone?: boolean; viaChain?: boolean },
  ): Float32Array;
  /**
   * The ids the candidate guard keeps of a whole logits row (ids 0..n-1), found on the row itself
   * as the sampler's Guarded shortcut finds them; null when it would leave the row as it is.
   */
  guardSelect(config: { guardTopK?: number; guardMinP?: number }, logits: Float32Array): Int32Array | null;
  /**
   * From a whole logits row (ids 0..n-1): the id the sampler's Greedy shortcut picks
   * (`shortcut`) and the id a real chain of the bias sampler (no guard) and the greedy sampler
   * picks (`chain`).
   */
  biasedGreedy(
    matrix: NativeVocabMatrix,
    user: Float32Array,
    config: { beta: number; reference?: NativeBiasReference },
    logits: Float32Array,
  ): { shortcut: number; chain: number };
  /**
   * One decoding step of a real model: decodes `prompt` in a context configured as generate()
   * configures one, builds generate()'s sampler chain from `options`, and applies it to the
   * logits of the last prompt token. Runs on the JavaScript thread (small test models only).
   */
  chainStep(model: NativeModel, prompt: Int32Array, options: NativeGenerateOptions): NativeChainStep;
  /**
   * `callers` native threads, released together, each ask the matrix for `user`'s bias scores
   * as a personalized request does before it joins the engine. Returns how many computations
   * that took and whether every caller got the same score set. Blocks the JavaScript thread.
   */
  concurrentScores(
    matrix: NativeVocabMatrix,
    user: Float32Array,
    callers: number,
    config?: { reference?: NativeBiasReference },
  ): { computations: number; sameScores: boolean };
  /**
   * `bytes` as a JSON string the way the engine writes streamed text into a server-sent event
   * (`json`), and the string N-API decodes from the same bytes (`decoded`), which the JS path
   * would JSON.stringify.
   */
  eventJson(bytes: Uint8Array): { json: string; decoded: string };
}

/** What {@link NativeTestHooks.chainStep} returns. */
export interface NativeChainStep {
  /** The logits of every token id before the chain. */
  before: Float32Array;
  /** The candidates left after the chain, in its order. */
  ids: Int32Array;
  /** Their logits after the chain. */
  after: Float32Array;
  /** The token the chain picked. */
  selected: number;
  /** The names of the chain's samplers, in order. */
  stages: string[];
}

/** A GGUF model of a real architecture's shapes with random weights (benchmarks only). */
export interface NativeSyntheticModelSpec {
  arch: 'qwen2' | 'llama';
  /** A vocabulary GGUF whose `tokenizer.*` keys are copied (e.g. llama.cpp's models/ggml-vocab-qwen2.gguf). */
  vocabPath: string;
  outPath: string;
  name?: string;
  layers: number;
  embd: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  contextLength: number;
  ropeFreqBase?: number;
  rmsEps?: number;
  seed?: number;
  weightStd?: number;
}

export interface NativeSyntheticModelSummary {
  fileBytes: number;
  parameters: number;
  vocabSize: number;
  zeroRows: number;
  tensors: number;
  ms: number;
}

export type NativeQuantType = 'f16' | 'q8_0' | 'q6_k' | 'q5_k_m' | 'q4_k_m' | 'q4_0';

/** Entry points of the benchmarks (`tools`); every slow one returns a promise and runs off the JS thread. */
export interface NativeBenchTools {
  writeSyntheticModel(spec: NativeSyntheticModelSpec): Promise<NativeSyntheticModelSummary>;
  quantizeModel(
    input: string,
    output: string,
    type: NativeQuantType,
    options?: { threads?: number },
  ): Promise<{ path: string; bytes: number; ms: number }>;
  /** ms of each of `reps` memcpy copies of a `bytes` buffer, split over `threads` threads (no warm-up: the caller runs one). */
  memoryCopy(options: { bytes: number; reps: number; threads: number }): Promise<Float64Array>;
  /** ms of each of `reps` full-vocabulary passes of the bias kernel (no warm-up: the caller runs one). */
  kernelPasses(matrix: NativeVocabMatrix, user: Float32Array, impl: NativeKernelImpl, reps: number): Promise<Float64Array>;
}

/** The development addon: everything of the product addon, plus `testing` and `tools`. */
export interface NativeDevAddon extends NativeAddon {
  testing: NativeTestHooks;
  tools: NativeBenchTools;
}

/** Where `npm run build:dev` writes the development addon. */
export declare const devAddonPath: string;
/**
 * Makes this process (and the processes it starts) load the development addon instead of the
 * product addon: sets `PERSONA_GEN_BINARY` to {@link devAddonPath} unless it is already set (the
 * sanitizer run sets it to its own development build). Call it before the first use of the library.
 */
export declare function useDevAddon(): void;
/**
 * Loads the development addon (through the library's loader, so the library and the tests share
 * one addon) and returns it; throws, naming `npm run build:dev`, when it is not built or when the
 * process already loaded the product addon.
 */
export declare function loadDevAddon(): NativeDevAddon;
