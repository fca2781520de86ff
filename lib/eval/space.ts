/**
 * The personalization space of a run: a {@link Personalizer} (the library's public way from
 * profile texts to personalization options) fed with LongLaMP records. A record's profile texts
 * are the user's own text of each profile item; an empty profile gives a zero user vector (no
 * bias), which the runner notes.
 * @module
 */
import type { LongLampRecord, ProfileItem } from '../data/records.js';
import type { Embedder } from '../embed/embedder.js';
import { loadEmbedder } from '../embed/load-embedder.js';
import { profileItemText } from '../embed/user-vector.js';
import type { HubOptions } from '../hub/download.js';
import type { Model } from '../model.js';
import { Personalizer, type SpaceDescription } from '../personalizer.js';
import type { VocabMatrix } from '../vocab-matrix.js';
import { EvalOptionError, type PersonalizationSpace } from './settings.js';

export type { SpaceDescription };

/** An open personalization space. */
export interface OpenSpace {
  description: SpaceDescription;
  matrix: VocabMatrix;
  /** The personalizer behind it. */
  personalizer: Personalizer;
  /** The unit-length user vector of a record's user (all zeros for an empty profile: no bias). */
  userVector(record: LongLampRecord): Promise<Float32Array>;
  /** The texts a user vector is made from (for the demo). */
  profileTexts(record: LongLampRecord): string[];
  /** Frees the matrix and the embedder. */
  dispose(): Promise<void>;
}

/** The user's own text of each profile item of a record. */
export function recordProfileTexts(record: LongLampRecord): string[] {
  return (record.profile as ProfileItem[]).map((it) => profileItemText(record.kind, it));
}

/**
 * Builds the space for a loaded model.
 *
 * @param model - the language model (its vocabulary, and its embeddings in the native space).
 * @param space - `sbert` or `native`.
 * @param embedder - embedder id or folder (sbert only).
 * @param hub - Hub options for downloading the embedder.
 * @throws EvalOptionError naming `--embedder` when the embedder cannot be loaded.
 */
export async function openSpace(
  model: Model,
  space: PersonalizationSpace,
  embedder: string,
  hub: HubOptions & { progressStream?: NodeJS.WritableStream & { isTTY?: boolean } } = {},
): Promise<OpenSpace> {
  let emb: Embedder | undefined;
  if (space === 'sbert') {
    try {
      emb = await loadEmbedder({ model: embedder, hub, progressStream: hub.progressStream });
    } catch (err) {
      throw new EvalOptionError('--embedder', err instanceof Error ? err.message : String(err));
    }
  }
  let personalizer: Personalizer;
  try {
    personalizer = await Personalizer.create(model, emb ? { space, embedder: emb } : { space });
  } catch (err) {
    await emb?.dispose();
    throw err;
  }
  return {
    description: personalizer.description,
    matrix: personalizer.matrix,
    personalizer,
    profileTexts: recordProfileTexts,
    userVector: (record) => personalizer.userVector(recordProfileTexts(record), { emptyProfile: 'zero' }),
    dispose: async () => {
      await personalizer.dispose();
      await emb?.dispose();
    },
  };
}
