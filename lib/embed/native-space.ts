/**
 * The `native` space: the language model's own token embedding matrix
 * (`model.tokenEmbeddingMatrix()`), with the user vector built from the same rows — the
 * idf-weighted mean of the rows of the tokens in the user's profile, normalized. No sentence
 * embedder is needed.
 *
 * idf(t) = ln((1 + N) / (1 + df(t))) + 1 (smoothed), where N documents and df(t) the number of
 * documents holding token t: either the profile's items (default) or a stated corpus
 * ({@link TokenDocumentFrequency.fromTexts}). Tokens without a surface (control, byte, unknown,
 * no letters; see token-surface.ts) get zero rows and no weight.
 */
import { vocabSurfaces, type PieceEncoding } from './token-surface.js';
import type { DenseMatrix, MatrixFactory, VocabSource, VocabSpace } from './vocab-source.js';
import { norm, normalized } from './vector-math.js';

/** Document frequencies of token ids over a corpus of texts. */
export class TokenDocumentFrequency {
  private constructor(
    /** Number of documents. */
    readonly docs: number,
    private readonly counts: Uint32Array,
  ) {}

  /** Counts, for each token id, the texts holding it (a stated corpus, e.g. all training profiles). */
  static fromTexts(source: VocabSource, texts: string[]): TokenDocumentFrequency {
    return TokenDocumentFrequency.fromTokenIds(source.vocabSize, texts.map((t) => source.tokenize(t)));
  }

  /** Counts, for each token id, the tokenized documents holding it. */
  static fromTokenIds(vocabSize: number, docs: ArrayLike<number>[]): TokenDocumentFrequency {
    const counts = new Uint32Array(vocabSize);
    for (const ids of docs) for (const id of new Set(Array.from(ids))) if (id >= 0 && id < vocabSize) counts[id]++;
    return new TokenDocumentFrequency(docs.length, counts);
  }

  /** Documents holding token `id`. */
  df(id: number): number {
    return this.counts[id] ?? 0;
  }

  /** Smoothed idf of token `id`. */
  idf(id: number): number {
    return Math.log((1 + this.docs) / (1 + this.df(id))) + 1;
  }
}

/** Options of {@link NativeSpace}. */
export interface NativeSpaceOptions {
  encoding?: PieceEncoding;
}

/** Options of {@link NativeSpace.userVector}. */
export interface NativeUserVectorOptions {
  /** `profile` (default): idf over the profile's items; or frequencies over a stated corpus. */
  idf?: 'profile' | TokenDocumentFrequency;
  /** An empty profile (or one without any usable token): `error` (default) or a zero vector. */
  emptyProfile?: 'error' | 'zero';
}

/** The model's token embedding rows, masked and normalized, and user vectors from them. */
export class NativeSpace {
  /** Rows: unit length, zero for excluded tokens. */
  readonly space: VocabSpace;
  private readonly included: Uint8Array;

  /**
   * @param source the model's vocabulary
   * @param table the model's token embedding matrix (e.g. `(await model.tokenEmbeddingMatrix()).toArray()` with its rows/dims)
   */
  constructor(
    private readonly source: VocabSource,
    table: DenseMatrix,
    opts: NativeSpaceOptions = {},
  ) {
    if (table.rows !== source.vocabSize) throw new Error(`token embedding matrix has ${table.rows} rows but the vocabulary has ${source.vocabSize} tokens`);
    if (table.data.length !== table.rows * table.dims) throw new Error(`token embedding data has ${table.data.length} values, expected ${table.rows} × ${table.dims}`);
    const { surfaces } = vocabSurfaces(source, opts.encoding);
    this.included = Uint8Array.from(surfaces, (s) => (s === null ? 0 : 1));
    const data = new Float32Array(table.data.length);
    let zeroRows = 0;
    for (let r = 0; r < table.rows; r++) {
      const row = table.data.subarray(r * table.dims, (r + 1) * table.dims);
      const n = norm(row);
      if (!this.included[r] || n === 0) {
        zeroRows++;
        this.included[r] = 0;
        continue;
      }
      for (let i = 0; i < row.length; i++) data[r * table.dims + i] = row[i] / n;
    }
    this.space = { data, rows: table.rows, dims: table.dims, zeroRows };
  }

  /** Turns the masked rows into a native matrix. */
  toMatrix<M>(toMatrix: MatrixFactory<M>): M {
    return toMatrix(this.space.data, this.space.rows, this.space.dims);
  }

  /** True when token `id` has a non-zero row. */
  isIncluded(id: number): boolean {
    return this.included[id] === 1;
  }

  /**
   * The user vector: normalize(Σ over the profile's token occurrences of idf(t) · row(t)),
   * counting only included tokens.
   */
  userVector(profileTexts: string[], opts: NativeUserVectorOptions = {}): Float32Array {
    const { dims, data } = this.space;
    const tokenized = profileTexts.map((t) => this.source.tokenize(t));
    const freq = opts.idf === undefined || opts.idf === 'profile' ? TokenDocumentFrequency.fromTokenIds(this.source.vocabSize, tokenized) : opts.idf;
    const acc = new Float64Array(dims);
    let used = 0;
    for (const ids of tokenized) {
      for (const id of ids) {
        if (id < 0 || id >= this.space.rows || !this.included[id]) continue;
        const w = freq.idf(id);
        for (let i = 0; i < dims; i++) acc[i] += w * data[id * dims + i];
        used++;
      }
    }
    if (used === 0 || norm(acc) === 0) {
      if (opts.emptyProfile === 'zero') return new Float32Array(dims);
      throw new Error(
        profileTexts.length === 0
          ? 'the profile is empty: no user vector (pass emptyProfile: "zero" for a zero vector)'
          : 'the profile has no usable token (all are control/byte/punctuation): no user vector (pass emptyProfile: "zero")',
      );
    }
    return normalized(acc);
  }
}
