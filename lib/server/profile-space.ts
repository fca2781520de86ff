/**
 * The personalization space the server embeds profiles in: a {@link Personalizer} (lib/
 * personalizer.ts: the `native` space, the model's own token embeddings, or the `sbert` space,
 * a Sentence-BERT embedder) set up for a server that must forget:
 *
 * - its in-memory user-vector cache is off (the server keeps its own, per tenant and user,
 *   which a DELETE clears);
 * - profile texts are embedded without the on-disk embedding cache, so a deleted profile
 *   leaves no vector of its texts behind (the vocabulary matrix is still cached on disk: it
 *   holds no user data).
 *
 * A space has a `key` stored with each user vector, so that vectors made in another space
 * (another model file or embedder) are never used: they are made again from the stored texts.
 * @module
 */
import type { HubOptions } from '../hub/download.js';
import type { Model } from '../model.js';
import { type PersonalizationSpace, Personalizer } from '../personalizer.js';
import type { VocabMatrix } from '../vocab-matrix.js';

/** The spaces a server can personalize in. */
export type SpaceName = PersonalizationSpace;

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

/** The `k` ids with the largest values (largest first), skipping zeros (tokens without a vector). */
export function topIds(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let v = 0; v < values.length; v++) {
    const x = values[v]!;
    if (x === 0 || k === 0) continue;
    if (best.length === k && x <= values[best[k - 1]!]!) continue;
    let i = Math.min(best.length, k - 1);
    best[i] = v;
    while (i > 0 && values[best[i - 1]!]! < x) {
      best[i] = best[i - 1]!;
      best[--i] = v;
    }
  }
  return best;
}

/**
 * Opens the space of a loaded model.
 * @throws Error naming `--embedder` when the embedder cannot be loaded
 */
export async function openProfileSpace(model: Model, options: ProfileSpaceOptions): Promise<ProfileSpace> {
  let p: Personalizer;
  try {
    p =
      options.space === 'native'
        ? await Personalizer.create(model, { space: 'native', userCacheSize: 0 })
        : await Personalizer.create(model, { space: 'sbert', embedder: options.embedder, embedderOptions: { cacheDir: null, hub: options.hub }, userCacheSize: 0 });
  } catch (err) {
    throw new Error(`${options.space === 'sbert' ? '--embedder: ' : ''}${(err as Error).message}`);
  }
  return {
    name: p.space,
    key: options.space === 'native' ? `native:${options.modelSha256}` : `sbert:${p.description.embedder}`,
    matrix: p.matrix,
    userVector: async (texts) => {
      const u = await p.userVector(texts, { emptyProfile: 'zero' });
      if (u.every((x) => x === 0)) throw new RangeError('the profile texts have nothing this space can embed (no token with letters): no user vector');
      return u;
    },
    favouredTokens: (user, k) => {
      const dots = p.matrix.dots(user);
      return topIds(dots, k).map((id) => ({ id, token: model.detokenize([id]), similarity: dots[id]! }));
    },
    dispose: () => p.dispose(),
  };
}
