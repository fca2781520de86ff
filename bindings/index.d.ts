// The native surface of persona-gen (the product addon, persona_gen.node), typed by hand. Only
// lib/ talks to it; users get the typed wrappers of lib/ (Model, VocabMatrix), never these
// handles. The development addon's extra surface (test hooks, bench tools) is typed apart, in
// bindings/dev.d.ts, which is not shipped.

export interface NativeModelInfo {
  vocabSize: number;
  embeddingSize: number;
  trainContextSize: number;
  layers: number;
  heads: number;
  parameters: number;
  sizeBytes: number;
  description: string;
  architecture?: string;
  /** Bytes of one KV cell over all layers (f16 keys and values): n_layer x n_head_kv x (key_length + value_length) x 2; 0 for recurrent models. An upper estimate where layers differ (sliding-window layers). */
  kvCellBytes: number;
  bos: number;
  eos: number;
  addBos: boolean;
  chatTemplate: string | null;
}

export interface NativePersonalization {
  matrix: NativeVocabMatrix;
  user: Float32Array;
  beta: number;
  guardTopK?: number;
  guardMinP?: number;
  /** What the bias scores are measured against (default 'neutral'). */
  reference?: NativeBiasReference;
}

/** `neutral`: score minus the mean score of the non-zero rows (zero rows 0); `raw`: the cosine itself. */
export type NativeBiasReference = 'neutral' | 'raw';

export interface NativeGenerateOptions {
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  repeatLastN?: number;
  seed?: number;
  stop?: string[];
  personalization?: NativePersonalization;
  /** Streamed text written by the engine to a connected socket as server-sent events (EventSocket.h); replaces onText. */
  eventSocket?: NativeEventSocket;
}

/** See EventSocketTarget in lib/generation-options.ts. */
export interface NativeEventSocket {
  fd: number;
  before: string;
  after: string;
  onFallback: (bytes: Buffer) => void;
}

export type NativeStopReason = 'eos' | 'maxTokens' | 'stop' | 'abort' | 'contextFull';

export interface NativeGenerateResult {
  text: string;
  tokens: Int32Array;
  stopReason: NativeStopReason;
  promptTokens: number;
  /** Prompt tokens whose KV cells were copied from another sequence instead of decoded. */
  promptTokensReused: number;
  promptMs: number;
  decodeMs: number;
  /** ms from the submission to the first streamed text; -1 when none was streamed. */
  firstTextMs: number;
}

export interface NativeGeneration {
  promise: Promise<NativeGenerateResult>;
  abort(): void;
}

export interface NativeEmbeddingRows {
  data: Float32Array;
  rows: number;
  dims: number;
  type: string;
}

export interface NativeChatMessage {
  role: string;
  content: string;
}

export interface NativeModel {
  info(): NativeModelInfo;
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array;
  detokenize(tokens: Int32Array, removeSpecial: boolean, unparseSpecial: boolean): string;
  tokenPieces(): string[];
  tokenAttributes(): Uint32Array;
  applyChatTemplate(messages: NativeChatMessage[], addAssistant: boolean, template?: string): string | null;
  tokenEmbeddingRows(): Promise<NativeEmbeddingRows>;
  /** Queues a generation on the model's batch engine. */
  generate(prompt: Int32Array, options: NativeGenerateOptions, onText?: (text: string) => void): NativeGeneration;
  engineStats(): NativeEngineStats;
  /** Requests submitted until the matching releaseEngine() are admitted together, in one step (holds nest). */
  holdEngine(): void;
  /** Ends a holdEngine(); the engine then admits what it held. */
  releaseEngine(): void;
  dispose(): void;
}

/** What a model's batch engine did so far (counters since load). */
export interface NativeEngineStats {
  /** Sequence slots (loadModel's parallel). */
  parallel: number;
  /** KV cells of the engine's context (contextSize x parallel, padded); 0 before the first generation. */
  contextCells: number;
  /** Sequences holding a slot now. */
  active: number;
  /** Requests waiting for a slot now. */
  waiting: number;
  /** llama_decode calls that succeeded. */
  steps: number;
  /** Tokens decoded (prompt and generated). */
  tokensDecoded: number;
  /** Prompt tokens decoded. */
  promptTokensDecoded: number;
  /** Prompt tokens copied from another sequence's KV cells instead of decoded. */
  promptTokensReused: number;
  /** Most sequences in one llama_decode. */
  maxBatchSequences: number;
  /** Running sequences moved to a lower slot so that the running ones stay consecutive (one pass over the weights per step). */
  sequenceMoves: number;
  /** Steps whose compute graph llama.cpp reused from the step before (same batch shape and sequences) instead of building it again. */
  graphsReused: number;
}

/** Settings of a model's batch engine, fixed at load. */
export interface NativeEngineOptions {
  /** KV cells each sequence may use (prompt + generated tokens). */
  contextSize?: number;
  /** Most tokens per llama_decode (at most contextSize x parallel; computed in passes of at most 512). */
  batchSize?: number;
  threads?: number;
  /** Sequence slots: most sequences decoded at once (1-256, at most batchSize). */
  parallel?: number;
  /** Copy the KV cells of prompt prefixes that a running sequence holds instead of decoding them (default true). */
  sharePrompts?: boolean;
  /** Flash attention (default false: without it greedy outputs do not depend on what else shares a step). */
  flashAttention?: boolean;
}

export interface NativeModelConstructor {
  load(path: string, options: { gpuLayers?: number; useMmap?: boolean } & NativeEngineOptions): Promise<NativeModel>;
}

export type NativeKernelImpl = 'auto' | 'scalar' | 'simd' | 'avx2' | 'avx512' | 'neon';

export interface NativeVocabMatrix {
  readonly rows: number;
  readonly dims: number;
  readonly dtype: 'f32' | 'f16';
  readonly zeroRows: number;
  readonly byteSize: number;
  toArray(): Float32Array;
  dots(user: Float32Array, impl?: NativeKernelImpl): Float32Array;
  /** The per-token score the bias sampler multiplies by beta, and the reference subtracted (0 for raw). */
  biasScores(user: Float32Array, reference: NativeBiasReference): { scores: Float32Array; reference: number };
  /** Drops every cached score set of this user vector (as given); returns how many were dropped. */
  forgetUser(user: Float32Array): number;
  dispose(): void;
}

export interface NativeVocabMatrixConstructor {
  create(
    data: Float32Array,
    rows: number,
    dims: number,
    options: { center?: boolean; dtype?: 'f32' | 'f16' },
  ): Promise<NativeVocabMatrix>;
}

export interface NativeSystemInfo {
  llamaRelease: string;
  llamaCommit: string;
  llamaSystemInfo: string;
  simdPath: 'avx512' | 'avx2' | 'neon' | 'scalar';
  cpuFeatures: string;
  /** SIMD paths of the bias kernel that this CPU can run, best first. */
  simdPaths: Array<'avx512' | 'avx2' | 'neon'>;
  hardwareThreads: number;
  gpuOffload: boolean;
  napiVersion: number;
  /** The CPU target llama.cpp's kernels were compiled for: native (this machine), baseline, avx2 or avx512. */
  cpuTarget: 'native' | 'baseline' | 'avx2' | 'avx512';
}

export interface NativeAddon {
  AddonModel: NativeModelConstructor;
  AddonVocabMatrix: NativeVocabMatrixConstructor;
  systemInfo(): NativeSystemInfo;
}

/** The package root (the folder holding package.json). */
export declare const packageRoot: string;
/** Whether this CPU can run the x86-64-v3 (AVX2) prebuilt binary. */
export declare function cpuHasAvx2(): boolean;
/** The best prebuilt CPU variant this machine runs (CPUID; `PERSONA_GEN_CPU_VARIANT` overrides). */
export declare function cpuVariant(): 'baseline' | 'avx2' | 'avx512';
/** The places the loader tries, in order, for this platform. */
export declare function candidatePaths(): string[];
/** Loads (once) and returns the native addon. */
export declare function loadNativeAddon(): NativeAddon;
