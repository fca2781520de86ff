/**
 * The personalization space the server embeds profiles in, built from lib/embed:
 *
 * - `native`: the model's own input embedding rows; a user vector is the idf-weighted mean of
 *   the rows of the profile's tokens (no embedder);
 * - `sbert`: every vocabulary piece embedded by a Sentence-BERT embedder (the vocabulary matrix
 *   is cached on disk by lib/embed); a user vector is the normalized mean of the profile texts'
 *   embeddings. Profile texts are embedded without the on-disk embedding cache, so deleting a
 *   profile leaves no vector of its texts behind.
 *
 * A space has a `key` that is stored with each user vector, so that vectors made in another
 * space (another model or embedder) are never used: they are made again from the stored texts.
 * @module
 */
import { NativeSpace } from '../embed/native-space.js';
import { userVectorFromItems } from '../embed/user-vector.js';
import { buildVocabMatrix } from '../embed/vocab-space.js';
import type { HubOptions } from '../hub/download.js';
import type { Model } from '../model.js';
import { VocabMatrix } from '../vocab-matrix.js';

/** The spaces a server can personalize in. */
export type SpaceName = 'sbert' | 'native';

/** A token the bias favours, for the playground. */
export interface FavouredToken {
  id: number;
  /** The token's text. */
  token: string;
  /** dot(row, user): the bias is beta times this. */
  similarity: number;
}

/** An open space. */
export interface ProfileSpace {
  name: SpaceName;
  /** Identity of the vectors (space, and the model file or embedder they depend on). */
  key: string;
  /** The matrix the bias sampler reads. */
  matrix: VocabMatrix;
  /**
   * The unit-length user vector of profile texts.
   * @throws RangeError when no text has anything the space can embed
   */
  userVector(texts: readonly string[]): Promise<Float32Array>;
  /** The `k` tokens with the largest similarity to a user vector (largest first). */
  favouredTokens(user: Float32Array, k: number): FavouredToken[];
  /** Frees the matrix (and the embedder). */
  dispose(): Promise<void>;
}

/** Options of {@link openProfileSpace}. */
export interface ProfileSpaceOptions {
  space: SpaceName;
  /** sha256 of the model file: the identity of the native space. */
  modelSha256: string;
  /** Embedder id or folder (sbert). */
  embedder?: string;
  /** Hub settings for downloading the embedder (sbert). */
  hub?: HubOptions;
}

function topTokens(model: Model, matrix: VocabMatrix, user: Float32Array, k: number): FavouredToken[] {
  const dots = matrix.dots(user);
  const best: number[] = [];
  for (let v = 0; v < dots.length; v++) {
    if (dots[v] === 0) continue;
    if (best.length === k && dots[v]! <= dots[best[k - 1]!]!) continue;
    let i = Math.min(best.length, k - 1);
    best[i] = v;
    while (i > 0 && dots[best[i - 1]!]! < dots[v]!) {
      best[i] = best[i - 1]!;
      best[--i] = v;
    }
  }
  return best.map((id) => ({ id, token: model.detokenize([id]), similarity: dots[id]! }));
}

const noUsableText = (): RangeError =>
  new RangeError('the profile texts have nothing this space can embed (no token with letters): no user vector');

/**
 * Opens the space of a loaded model.
 * @throws Error naming the embedder when it cannot be loaded
 */
export async function openProfileSpace(model: Model, options: ProfileSpaceOptions): Promise<ProfileSpace> {
  const favouredTokens = (matrix: VocabMatrix) => (user: Float32Array, k: number) => topTokens(model, matrix, user, k);
  if (options.space === 'native') {
    const ns = new NativeSpace(model, await model.tokenEmbeddingRows());
    const matrix = await ns.toMatrix((d, r, c) => VocabMatrix.fromArray(d, r, c));
    return {
      name: 'native',
      key: `native:${options.modelSha256}`,
      matrix,
      userVector: async (texts) => {
        const u = ns.userVector([...texts], { emptyProfile: 'zero' });
        if (u.every((x) => x === 0)) throw noUsableText();
        return u;
      },
      favouredTokens: favouredTokens(matrix),
      dispose: async () => matrix.dispose(),
    };
  }
  // Loaded only here: transformers.js and onnxruntime are heavy, and the native space needs neither.
  const { Embedder } = await import('../embed/embedder.js');
  let emb;
  try {
    emb = await Embedder.create({ model: options.embedder, hub: options.hub, cacheDir: null });
  } catch (err) {
    throw new Error(`--embedder: ${(err as Error).message}`);
  }
  try {
    const built = await buildVocabMatrix({ source: model, embedder: emb }, (d, r, c) => VocabMatrix.fromArray(d, r, c));
    const matrix = await built.matrix;
    const embedder = emb;
    return {
      name: 'sbert',
      key: `sbert:${emb.id}`,
      matrix,
      userVector: async (texts) => {
        const useful = texts.filter((t) => /\p{L}|\p{N}/u.test(t));
        if (useful.length === 0) throw noUsableText();
        return userVectorFromItems(await embedder.embed(useful, { cache: false }), embedder.dims);
      },
      favouredTokens: favouredTokens(matrix),
      dispose: async () => {
        matrix.dispose();
        await embedder.dispose();
      },
    };
  } catch (err) {
    await emb.dispose();
    throw err;
  }
}
