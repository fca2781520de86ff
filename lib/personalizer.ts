/**
 * The personalizer: from a user's profile texts (their earlier writing) to the `personalization`
 * options of `model.generate()` / `model.stream()` / `model.generateMany()`, in either space:
 *
 * - `sbert`: every vocabulary piece embedded by a Sentence-BERT embedder (transformers.js, loaded
 *   only for this space), and the user vector = the normalized mean of the embeddings of the
 *   profile texts, optionally weighted by their similarity to the current input;
 * - `native`: the language model's own input embedding rows, and the user vector = the
 *   idf-weighted mean of the rows of the profile's tokens (no embedder, nothing to download).
 *
 * It caches what the eval runner caches: the vocabulary matrix is built once per personalizer
 * (in the `sbert` space also on disk, keyed by the vocabulary and the embedder), text embeddings
 * on disk, and user vectors in memory, keyed by the profile texts (and input).
 * @module
 */
import { createHash } from 'node:crypto';

import type { EmbedderOptions, TextEmbedder } from './embed/embedder.js';
import { NativeSpace, type TokenDocumentFrequency } from './embed/native-space.js';
import { userVectorFromItems } from './embed/user-vector.js';
import { buildVocabMatrix } from './embed/vocab-space.js';
import { DEFAULT_EMBEDDING_MODEL, loadEmbedder } from './embed/load-embedder.js';
import { checkNumber, DisposedError, expectRange, expectType } from './errors.js';
import type { BiasReference, PersonalizationOptions } from './generation-options.js';
import { LruMap } from './lru-map.js';
import type { Model } from './model.js';
import { VocabMatrix } from './vocab-matrix.js';

/** Where the token vectors and user vectors live. */
export type PersonalizationSpace = 'sbert' | 'native';

/** What a personalizer's space is made of (the eval runner records it in `config.json`). */
export interface SpaceDescription {
  name: PersonalizationSpace;
  /** The embedder's full identity (model, revision, dtype, pooling), or null in the native space. */
  embedder: string | null;
  /** How the token rows were made. */
  matrix: string;
  /** How a user vector is made. */
  userVector: string;
  rows: number;
  dims: number;
  /** Rows that are all zero (tokens without a surface: control, byte, punctuation); they never get a bias. */
  zeroRows: number;
}

/** Options of {@link Personalizer.create}. */
export interface PersonalizerOptions {
  /** `sbert` (Sentence-BERT token and user vectors) or `native` (the model's own token embeddings). */
  space: PersonalizationSpace;
  /**
   * `sbert` only: a Hub id or local folder of a Sentence-BERT ONNX model (default
   * `Xenova/all-MiniLM-L6-v2`), or an open embedder, which the personalizer then uses but does not
   * dispose.
   */
  embedder?: string | TextEmbedder;
  /** `sbert` only, with an embedder id: how to load it (Hub settings, weight variant, cache folder, progress). */
  embedderOptions?: Omit<EmbedderOptions, 'model'>;
  /** Most user vectors kept in memory (least recently used go first). Default 1024. */
  userCacheSize?: number;
  /**
   * `native` only: the idf's corpus (e.g. every profile of a split, {@link TokenDocumentFrequency.fromTexts}:
   * a token in every document gets no weight) and how to describe it. Default: each profile's own items.
   */
  idf?: { df: TokenDocumentFrequency; description: string };
}

/** Options of {@link Personalizer.userVector}. */
export interface UserVectorRequest {
  /**
   * `sbert` only: the current input (e.g. the prompt); the profile texts are then weighted by
   * softmax(cos(text, input) / inputTemperature) instead of equally.
   */
  input?: string;
  /** Temperature of that weighting (> 0). Default 0.1. */
  inputTemperature?: number;
  /** A profile without any usable text: `error` (the default) or a zero vector (no personalization). */
  emptyProfile?: 'error' | 'zero';
}

/** Options of {@link Personalizer.personalization}: the bias strength and guards, and the user-vector options. */
export interface PersonalizationRequest extends UserVectorRequest {
  /** Bias strength (finite; 0 without a guard gives exactly the unpersonalized tokens). */
  beta: number;
  /** Guard: candidates below the k-th largest unbiased logit are dropped before the bias, for every beta (see {@link PersonalizationOptions}). */
  guardTopK?: number;
  /** Guard: candidates with p < guardMinP * p_max (unbiased) are dropped before the bias, for every beta. */
  guardMinP?: number;
  /** What the bias is measured against. Default `neutral`. */
  reference?: BiasReference;
}

/** How one space turns profile texts into a user vector. */
type UserVectorFn = (texts: readonly string[], request: UserVectorRequest) => Promise<Float32Array>;

const DEFAULT_INPUT_TEMPERATURE = 0.1;

/**
 * Personalization options for one language model: its vocabulary matrix in a space, and user
 * vectors from profile texts. Create with {@link Personalizer.create}; free with
 * {@link Personalizer.dispose} (or `await using`). The model must outlive it.
 *
 * @example
 * ```ts
 * const model = await loadModel('model.gguf');
 * await using personalizer = await Personalizer.create(model, { space: 'native' });
 * const personalization = await personalizer.personalization(profileTexts, { beta: 2 });
 * const { text } = await model.generate(prompt, { maxTokens: 200, personalization });
 * ```
 */
export class Personalizer implements AsyncDisposable {
  readonly #users: LruMap<string, Float32Array>;
  readonly #userVector: UserVectorFn;
  readonly #release: () => Promise<void>;
  #disposed = false;

  private constructor(
    /** What the space is made of. */
    readonly description: SpaceDescription,
    /** The vocabulary matrix (V x d, rows unit length or zero) that the bias sampler reads. */
    readonly matrix: VocabMatrix,
    userVector: UserVectorFn,
    release: () => Promise<void>,
    cacheSize: number,
  ) {
    this.#userVector = userVector;
    this.#release = release;
    this.#users = new LruMap(cacheSize);
  }

  /**
   * Builds the vocabulary matrix of `model` in a space (in `sbert`, loading the embedder and
   * embedding every vocabulary piece, or reading them from the on-disk cache).
   *
   * @param model - The language model the options are for.
   * @param options - The space and, for `sbert`, the embedder.
   * @throws Error naming `options.space`, `options.embedder` or `options.userCacheSize` when one is invalid;
   *   the embedder's own error when it cannot be loaded.
   */
  static async create(model: Model, options: PersonalizerOptions): Promise<Personalizer> {
    expectType(typeof options === 'object' && options !== null, 'options must be an object');
    const cacheSize = checkNumber(options.userCacheSize, 'options.userCacheSize', 0, 2 ** 31, true) ?? 1024;
    if (options.space === 'native') {
      if (options.embedder !== undefined) throw new Error('options.embedder: the native space uses no embedder (use space: "sbert")');
      return Personalizer.#native(model, cacheSize, options.idf);
    }
    if (options.space === 'sbert') return Personalizer.#sbert(model, options, cacheSize);
    throw new Error(`options.space must be "sbert" or "native", got ${JSON.stringify(options.space)}`);
  }

  static async #native(model: Model, cacheSize: number, idf: PersonalizerOptions['idf']): Promise<Personalizer> {
    const rows = await model.tokenEmbeddingRows();
    const space = new NativeSpace(model, rows, { inPlace: true }); // the rows are ours alone: no second copy of the table
    const matrix = await space.toMatrix((d, r, c) => VocabMatrix.fromArray(d, r, c));
    const description: SpaceDescription = {
      name: 'native',
      embedder: null,
      matrix: `the model's input token embeddings (token_embd, ${rows.type}), L2-normalized; tokens without a surface are zero rows`,
      userVector: `normalize(sum over the profile texts' tokens of idf(token) * row(token)), idf(t) = ln((1 + N) / (1 + df(t))) + offset over ${idf ? idf.description : "the profile's own items, offset 1"}`,
      rows: matrix.rows,
      dims: matrix.dims,
      zeroRows: matrix.zeroRows,
    };
    const userVector: UserVectorFn = async (texts, request) => {
      if (request.input !== undefined) throw new Error('input: weighting the profile by the input needs the sbert space');
      return space.userVector([...texts], { emptyProfile: request.emptyProfile ?? 'error', ...(idf ? { idf: idf.df } : {}) });
    };
    return new Personalizer(description, matrix, userVector, async () => matrix.dispose(), cacheSize);
  }

  static async #sbert(model: Model, options: PersonalizerOptions, cacheSize: number): Promise<Personalizer> {
    const given = typeof options.embedder === 'object' && options.embedder !== null ? options.embedder : undefined;
    if (options.embedder !== undefined && !given && typeof options.embedder !== 'string') {
      throw new Error('options.embedder must be a model id, a folder or an embedder');
    }
    const owned = given ? undefined : await loadEmbedder({ ...options.embedderOptions, model: (options.embedder as string | undefined) ?? DEFAULT_EMBEDDING_MODEL });
    const embedder: TextEmbedder = given ?? owned!;
    const closeEmbedder = async () => void (await owned?.dispose());
    try {
      const { matrix } = await buildVocabMatrix({ source: model, embedder }, (d, r, c) => VocabMatrix.fromArray(d, r, c));
      const m = await matrix;
      const description: SpaceDescription = {
        name: 'sbert',
        embedder: embedder.id,
        matrix: `each vocabulary piece's surface text embedded by ${embedder.id} (stored as f16), L2-normalized; pieces without letters are zero rows`,
        userVector: `normalize(mean of the ${embedder.id} embeddings of the profile texts)`,
        rows: m.rows,
        dims: m.dims,
        zeroRows: m.zeroRows,
      };
      const userVector: UserVectorFn = async (texts, request) => {
        const withInput = request.input !== undefined;
        if (texts.length === 0) return userVectorFromItems([], embedder.dims, { emptyProfile: request.emptyProfile ?? 'error' });
        const vectors = await embedder.embed(withInput ? [...texts, request.input!] : [...texts]);
        return userVectorFromItems(withInput ? vectors.slice(0, -1) : vectors, embedder.dims, {
          weighting: withInput ? { query: vectors[vectors.length - 1]!, temperature: request.inputTemperature ?? DEFAULT_INPUT_TEMPERATURE } : null,
          emptyProfile: request.emptyProfile ?? 'error',
        });
      };
      const release = async () => {
        m.dispose();
        await closeEmbedder();
      };
      return new Personalizer(description, m, userVector, release, cacheSize);
    } catch (err) {
      await closeEmbedder();
      throw err;
    }
  }

  /** The space's name. */
  get space(): PersonalizationSpace {
    return this.description.name;
  }

  /** Whether {@link dispose} has been called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The unit-length user vector of a profile (remembered: the same texts and input give the
   * cached vector back). All zeros only with `emptyProfile: 'zero'` and no usable text.
   *
   * @param profile - The user's own texts (e.g. their earlier abstracts, reviews or posts).
   * @param request - Input weighting (`sbert` only) and the empty-profile rule.
   * @throws Error naming `profile`, `input` or `inputTemperature` when one is invalid; on a disposed personalizer.
   */
  async userVector(profile: readonly string[], request: UserVectorRequest = {}): Promise<Float32Array> {
    if (this.#disposed) throw new DisposedError('Personalizer');
    if (!Array.isArray(profile) || profile.some((t) => typeof t !== 'string')) throw new TypeError('profile must be an array of strings');
    if (request.input !== undefined && typeof request.input !== 'string') throw new TypeError('input must be a string');
    expectRange(request.inputTemperature === undefined || request.inputTemperature > 0, `inputTemperature must be > 0, got ${request.inputTemperature}`);
    checkNumber(request.inputTemperature, 'inputTemperature', Number.MIN_VALUE, Number.MAX_VALUE);
    const key = cacheKey(profile, request);
    const hit = this.#users.get(key);
    if (hit) return hit;
    const u = await this.#userVector(profile, request);
    this.#users.set(key, u);
    return u;
  }

  /**
   * The `personalization` option of a generation for a user: this personalizer's matrix, the
   * profile's user vector, the bias strength and the guards.
   *
   * @param profile - The user's own texts.
   * @param request - `beta`, the guards, and the user-vector options.
   * @throws Error naming `beta`, `guardTopK` or `guardMinP` when one is invalid, and as {@link userVector}.
   */
  async personalization(profile: readonly string[], request: PersonalizationRequest): Promise<PersonalizationOptions> {
    expectType(typeof request === 'object' && request !== null, 'request must be an object with a beta');
    expectType(typeof request.beta === 'number', `beta must be a number, got ${typeof request.beta}`);
    checkNumber(request.beta, 'beta', -1e6, 1e6);
    checkNumber(request.guardTopK, 'guardTopK', 0, 2 ** 31, true);
    checkNumber(request.guardMinP, 'guardMinP', 0, 1);
    const user = await this.userVector(profile, request);
    return {
      matrix: this.matrix,
      user,
      beta: request.beta,
      ...(request.guardTopK !== undefined ? { guardTopK: request.guardTopK } : {}),
      ...(request.guardMinP !== undefined ? { guardMinP: request.guardMinP } : {}),
      ...(request.reference !== undefined ? { reference: request.reference } : {}),
    };
  }

  /** Frees the matrix and the embedder it loaded (idempotent). */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#users.clear();
    await this.#release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** The user-vector cache key: a hash of the texts, the input and the options that change the vector. */
function cacheKey(profile: readonly string[], request: UserVectorRequest): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([request.input ?? null, request.inputTemperature ?? null, request.emptyProfile ?? 'error', profile.length]));
  for (const t of profile) h.update('\0').update(t);
  return h.digest('hex');
}
