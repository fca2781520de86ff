/**
 * What the vocabulary builders need from a language model, as a structural interface (the lead
 * wires the native `Model` to it). Rows of matrices are indexed by token id.
 */

/** llama.cpp token attribute, simplified. */
export type TokenKind = 'normal' | 'control' | 'byte' | 'unknown' | 'unused' | 'user-defined';

/** A model's vocabulary. */
export interface VocabSource {
  /** Number of tokens (rows of the vocabulary matrix). */
  readonly vocabSize: number;
  /** Surface piece of each token id as stored in the vocabulary (with `▁`/`Ġ` markers). */
  tokenPieces(): string[];
  /** Kind of each token id. */
  tokenKinds(): TokenKind[];
  /** Token ids of a text (special tokens such as BOS may or may not be added; they are skipped anyway). */
  tokenize(text: string): Int32Array;
}

/** A dense row-major matrix in plain memory: `rows × dims` floats. */
export interface DenseMatrix {
  data: Float32Array;
  rows: number;
  dims: number;
}

/** A vocabulary matrix: one row per token id, `zeroRows` of them all zeros (excluded tokens). */
export interface VocabSpace extends DenseMatrix {
  zeroRows: number;
}

/**
 * Turns plain data into a native matrix, e.g.
 * `(d, r, c) => VocabMatrix.fromArray(d, r, c, { center: true, dtype: 'f16' })`.
 */
export type MatrixFactory<M> = (data: Float32Array, rows: number, dims: number) => M;
