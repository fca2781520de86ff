/**
 * Embeddings: the Sentence-BERT embedder, user vectors, and the vocabulary matrix in the
 * `sbert` and `native` spaces. Import as `persona-gen/embed` (this loads transformers.js).
 * @module
 */
export { Embedder, DEFAULT_EMBEDDING_MODEL } from './embedder.js';
export type { EmbedderOptions, TextEmbedder, EmbedCallOptions, EmbeddingDtype } from './embedder.js';
export { personaGenCacheDir } from './embedding-cache.js';
export { embedUserVector, userVectorFromItems, populationMean, truncateProfile, profileItemText } from './user-vector.js';
export type { UserVectorOptions, EmbedUserVectorOptions, ProfileTruncation } from './user-vector.js';
export { buildVocabSpace, buildVocabMatrix, vocabHash } from './vocab-space.js';
export type { VocabSpaceOptions, BuiltVocabSpace } from './vocab-space.js';
export { NativeSpace, TokenDocumentFrequency } from './native-space.js';
export type { NativeSpaceOptions, NativeUserVectorOptions } from './native-space.js';
export { embeddingRetriever } from './dense-retriever.js';
export type { VocabSource, DenseMatrix, VocabSpace, MatrixFactory, TokenKind } from './vocab-source.js';
