/**
 * The `native` space: the language model's own token embedding matrix
 * (`model.tokenEmbeddingMatrix()`), with the user vector built from the same rows — the
 * idf-weighted mean of the rows of the tokens in the user's profile, normalized. No sentence
 * embedder is needed.
 *
 * idf(t) = ln((1 + N) / (1 + df(t))) + offset, where N documents and df(t) the number of
 * documents holding token t: either the profile's items (default; offset 1, sklearn's smoothed
 * idf, so that a token in every item still counts) or a stated corpus
 * ({@link TokenDocumentFrequency.fromTexts}; offset 0 unless stated, so that a token in every
 * document of the corpus — a function word — gets no weight). Tokens without a surface (control,
 * byte, unknown, no letters; see token-surface.ts) get zero rows and no weight.
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
    /** Added to every idf: 1 (smoothed, the profile default) or 0 (a corpus: tokens in every document get 0). */
    readonly offset: number,
  ) {}

  /** Counts, for each token id, the texts holding it (a stated corpus, e.g. all profiles of a split). Offset 0 unless given. */
  static fromTexts(source: VocabSource, texts: string[], options: { offset?: number } = {}): TokenDocumentFrequency {
    return TokenDocumentFrequency.fromTokenIds(source.vocabSize, texts.map((t) => source.tokenize(t)), { offset: options.offset ?? 0 });
  }

  /** Counts, for each token id, the tokenized documents holding it. Offset 1 (smoothed) unless given. */
  static fromTokenIds(vocabSize: number, docs: ArrayLike<number>[], options: { offset?: number } = {}): TokenDocumentFrequency {
    const counts = new Uint32Array(vocabSize);
    for (const ids of docs) TokenDocumentFrequency.count(counts, ids);
    return new TokenDocumentFrequency(docs.length, counts, options.offset ?? 1);
  }

  /** Adds one tokenized document to `counts` (each id once); for counting a corpus as it is read. */
  static count(counts: Uint32Array, ids: ArrayLike<number>): void {
    for (const id of new Set(Array.from(ids))) if (id >= 0 && id < counts.length) counts[id]++;
  }

  /** From counts made with {@link count} over `docs` documents (the array is kept, not copied). Offset 0 unless given. */
  static fromCounts(docs: number, counts: Uint32Array, options: { offset?: number } = {}): TokenDocumentFrequency {
    if (!Number.isInteger(docs) || docs < 0) throw new RangeError(`docs must be a non-negative integer, got ${docs}`);
    return new TokenDocumentFrequency(docs, counts, options.offset ?? 0);
  }

  /** The counts, one per token id (a copy). */
  countsCopy(): Uint32Array {
    return this.counts.slice();
  }

  /** Documents holding token `id`. */
  df(id: number): number {
    return this.counts[id] ?? 0;
  }

  /** idf of token `id`: ln((1 + N) / (1 + df)) + offset. */
  idf(id: number): number {
    return Math.log((1 + this.docs) / (1 + this.df(id))) + this.offset;
  }
}

/** Options of {@link NativeSpace}. */
export interface NativeSpaceOptions {
  encoding?: PieceEncoding;
  /**
   * Normalize `table.data` in place instead of into a copy: the caller hands the array over and
   * must not use it afterwards. Saves one table's memory while the space is built and kept
   * (Qwen2.5-0.5B's f32 table: 545 MB).
   */
  inPlace?: boolean;
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
    const data = opts.inPlace ? table.data : new Float32Array(table.data.length);
    let zeroRows = 0;
    for (let r = 0; r < table.rows; r++) {
      const row = table.data.subarray(r * table.dims, (r + 1) * table.dims);
      const n = norm(row);
      if (!this.included[r] || n === 0) {
        zeroRows++;
        this.included[r] = 0;
        if (opts.inPlace) row.fill(0);
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
