/**
 * persona-gen: personalized text generation with a llama.cpp core.
 * @module
 */
export { loadModel, defaultThreads, Model } from './model.js';
export type { LoadModelOptions, TokenKind, ChatMessage, TokenizeOptions, PromptTokensOptions, EmbeddingRows, ModelInfo, EngineStats } from './model.js';
export type { BatchRequest, GenerateManyOptions } from './generate-many.js';
export { KV_MEMORY_SHARE, availableMemory, fitParallel, kvCacheBytes } from './kv-memory.js';
export type { FitParallelOptions, ParallelFit } from './kv-memory.js';
export { VocabMatrix } from './vocab-matrix.js';
export type { VocabMatrixOptions, VocabMatrixDtype } from './vocab-matrix.js';
export type {
  GenerateOptions,
  GenerationResult,
  GenerationTimings,
  EventSocketTarget,
  BiasReference,
  PersonalizationOptions,
  StopReason,
} from './generation-options.js';
export { Personalizer } from './personalizer.js';
export type {
  PersonalizerOptions,
  PersonalizationRequest,
  PersonalizationSpace,
  SpaceDescription,
  UserVectorRequest,
} from './personalizer.js';
export { MissingPackageError } from './embed/load-embedder.js';
export { systemInfo } from './system-info.js';
export type { SystemInfo } from './system-info.js';
