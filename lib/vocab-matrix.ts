/**
 * VocabMatrix: the V x d matrix of token vectors that the personalization bias reads,
 * held in native memory with L2-normalized rows.
 * @module
 */
import type { NativeBiasReference, NativeKernelImpl, NativeVocabMatrix } from '../bindings/index.js';
import { DisposedError, checkNumber, expectType, toFiniteFloat32 } from './errors.js';
import { native } from './native.js';

/** Storage type of the rows in native memory. */
export type VocabMatrixDtype = 'f32' | 'f16';

/** Options of {@link VocabMatrix.fromArray}. */
export interface VocabMatrixOptions {
  /**
   * Subtract the centre `c` (the mean of the non-zero rows) from each non-zero row before
   * normalizing. The bias then subtracts `c` from the user vector too before normalizing it,
   * so rows and user are in one space. Default false.
   */
  center?: boolean;
  /** Row storage: `f32` (default) or `f16` (half the memory; values rounded to half precision). */
  dtype?: VocabMatrixDtype;
}

const handles = new WeakMap<VocabMatrix, NativeVocabMatrix>();

/**
 * A V x d matrix of token vectors in native memory. Rows are L2-normalized; rows that are
 * all zero (special, control and byte tokens by convention) stay zero and never receive a
 * bias. Build one with {@link VocabMatrix.fromArray} or `model.tokenEmbeddingMatrix()`.
 */
export class VocabMatrix implements Disposable {
  #disposed = false;

  private constructor(handle: NativeVocabMatrix) {
    handles.set(this, handle);
  }

  /**
   * Builds a matrix from row-major data (`rows * dims` finite values). The copy, centering
   * and normalization run off the JavaScript thread.
   */
  static async fromArray(
    data: Float32Array | ArrayLike<number>,
    rows: number,
    dims: number,
    options: VocabMatrixOptions = {},
  ): Promise<VocabMatrix> {
    checkNumber(rows, 'rows', 1, 16_000_000, true);
    checkNumber(dims, 'dims', 1, 65_536, true);
    expectType(data != null && typeof data.length === 'number', 'data must be a Float32Array or an array of numbers');
    if (data.length !== rows * dims) {
      throw new RangeError(`data has ${data.length} values, expected rows * dims = ${rows} * ${dims} = ${rows * dims}`);
    }
    if (options.dtype !== undefined && options.dtype !== 'f32' && options.dtype !== 'f16') {
      throw new TypeError(`options.dtype must be 'f32' or 'f16', got ${String(options.dtype)}`);
    }
    const values = toFiniteFloat32(data, 'data');
    const handle = await native().AddonVocabMatrix.create(values, rows, dims, {
      center: options.center ?? false,
      dtype: options.dtype ?? 'f32',
    });
    return new VocabMatrix(handle);
  }

  /** Number of rows (V, the vocabulary size it is meant for). */
  get rows(): number {
    return this.#handle().rows;
  }

  /** Number of dimensions (d). */
  get dims(): number {
    return this.#handle().dims;
  }

  /** Row storage type. */
  get dtype(): VocabMatrixDtype {
    return this.#handle().dtype;
  }

  /** How many rows are all zero. */
  get zeroRows(): number {
    return this.#handle().zeroRows;
  }

  /** Bytes of native memory the rows take. */
  get byteSize(): number {
    return this.#handle().byteSize;
  }

  /** Whether {@link dispose} has been called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** A copy of the (normalized) rows as f32, row-major. */
  toArray(): Float32Array {
    return this.#handle().toArray();
  }

  /**
   * `dot(row_v, user)` for every row, computed by the same kernel the bias sampler uses.
   * `user` is used as given (not normalized). `impl` picks the SIMD or scalar path.
   */
  dots(user: Float32Array | ArrayLike<number>, impl: NativeKernelImpl = 'auto'): Float32Array {
    const h = this.#handle();
    const u = toFiniteFloat32(user, 'user');
    if (u.length !== h.dims) throw new RangeError(`user has ${u.length} values, the matrix has ${h.dims} dims`);
    return h.dots(u, impl);
  }

  /**
   * The score of every token that the bias multiplies by beta for this user vector, as
   * generate() computes it: `u' = normalize(user - c)` (see `center`), `s_v = dot(row_v, u')`,
   * then `s_v - mean of s over the non-zero rows` for `neutral` (the default) or `s_v` for `raw`;
   * zero rows score 0 either way. `reference` is the mean subtracted (0 for `raw`).
   */
  biasScores(
    user: Float32Array | ArrayLike<number>,
    reference: NativeBiasReference = 'neutral',
  ): { scores: Float32Array; reference: number } {
    const h = this.#handle();
    const u = toFiniteFloat32(user, 'user');
    if (u.length !== h.dims) throw new RangeError(`user has ${u.length} values, the matrix has ${h.dims} dims`);
    if (reference !== 'neutral' && reference !== 'raw') throw new TypeError(`reference must be 'neutral' or 'raw', got ${String(reference)}`);
    return h.biasScores(u, reference);
  }

  /**
   * Drops what the matrix caches for a user vector: the bias sampler keeps the bias scores of
   * the last few user vectors (and a copy of each vector) so that a user's next generation
   * skips the full-vocabulary pass. Call it when that user's data must be erased. Generations
   * already running keep their copy. Returns how many cache entries were dropped (one per bias reference used).
   */
  forgetUser(user: Float32Array | ArrayLike<number>): number {
    const h = this.#handle();
    const u = toFiniteFloat32(user, 'user');
    if (u.length !== h.dims) throw new RangeError(`user has ${u.length} values, the matrix has ${h.dims} dims`);
    return h.forgetUser(u);
  }

  /** Frees the native memory now (idempotent); later use throws. Generations already running keep their copy. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    handles.get(this)?.dispose();
    handles.delete(this);
  }

  /** Same as {@link dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #handle(): NativeVocabMatrix {
    const h = handles.get(this);
    if (this.#disposed || !h) throw new DisposedError('VocabMatrix');
    return h;
  }
}

/** The native handle behind a matrix, for the library's own use. @internal */
export function nativeMatrixOf(matrix: VocabMatrix, name: string): NativeVocabMatrix {
  if (!(matrix instanceof VocabMatrix)) throw new TypeError(`${name} must be a VocabMatrix`);
  const h = handles.get(matrix);
  if (!h || matrix.disposed) throw new DisposedError('VocabMatrix');
  return h;
}
