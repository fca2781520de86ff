/**
 * The personalization space of a run, built from lib/embed:
 *
 * - `sbert`: every vocabulary piece embedded by the Sentence-BERT embedder (cached on disk), and
 *   the user vector = the normalized mean of the embeddings of the user's profile texts;
 * - `native`: the language model's own input embedding rows, and the user vector = the
 *   idf-weighted mean of the rows of the tokens in the user's profile (no embedder needed), with
 *   the idf of a stated corpus (eval: every profile item of the data, see idf-corpus.ts).
 *
 * Either way the matrix goes to native memory as a {@link VocabMatrix} for the bias sampler.
 * @module
 */
import type { LongLampRecord, ProfileItem } from '../data/records.js';
import type { Embedder } from '../embed/embedder.js';
import { NativeSpace, type TokenDocumentFrequency } from '../embed/native-space.js';
import { embedUserVector, profileItemText } from '../embed/user-vector.js';
import { buildVocabMatrix } from '../embed/vocab-space.js';
import type { HubOptions } from '../hub/download.js';
import type { Model } from '../model.js';
import { VocabMatrix } from '../vocab-matrix.js';
import { EvalOptionError, type PersonalizationSpace } from './settings.js';

/** The space, as recorded in `config.json`. */
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

/** An open personalization space. */
export interface OpenSpace {
  description: SpaceDescription;
  matrix: VocabMatrix;
  /** The unit-length user vector of a record's user (all zeros for an empty profile: no bias). */
  userVector(record: LongLampRecord): Promise<Float32Array>;
  /** The texts a user vector is made from (for the demo). */
  profileTexts(record: LongLampRecord): string[];
  /** Frees the matrix and the embedder. */
  dispose(): Promise<void>;
}

function profileTexts(record: LongLampRecord): string[] {
  return (record.profile as ProfileItem[]).map((it) => profileItemText(record.kind, it));
}

/**
 * Builds the space for a loaded model.
 *
 * @param model - the language model (its vocabulary, and its embeddings in the native space).
 * @param space - `sbert` or `native`.
 * @param embedder - embedder id or folder (sbert only).
 * @param hub - Hub options for downloading the embedder.
 * @param nativeIdf - native only: the idf's corpus and its description (default: each profile's own items).
 * @throws EvalOptionError naming `--embedder` when the embedder cannot be loaded.
 */
export async function openSpace(
  model: Model,
  space: PersonalizationSpace,
  embedder: string,
  hub: HubOptions & { progressStream?: NodeJS.WritableStream & { isTTY?: boolean } } = {},
  nativeIdf?: { df: TokenDocumentFrequency; description: string },
): Promise<OpenSpace> {
  if (space === 'native') {
    const rows = await model.tokenEmbeddingRows();
    const ns = new NativeSpace(model, rows);
    const matrix = await ns.toMatrix((d, r, c) => VocabMatrix.fromArray(d, r, c));
    return {
      description: {
        name: 'native',
        embedder: null,
        matrix: `the model's input token embeddings (token_embd, ${rows.type}), L2-normalized; tokens without a surface are zero rows`,
        userVector: `normalize(sum over the profile texts' tokens of idf(token) * row(token)), idf(t) = ln((1 + N) / (1 + df(t))) + offset over ${nativeIdf ? nativeIdf.description : "the profile's own items, offset 1"}`,
        rows: matrix.rows,
        dims: matrix.dims,
        zeroRows: matrix.zeroRows,
      },
      matrix,
      profileTexts,
      userVector: async (record) => ns.userVector(profileTexts(record), { emptyProfile: 'zero', ...(nativeIdf ? { idf: nativeIdf.df } : {}) }),
      dispose: async () => matrix.dispose(),
    };
  }
  let emb: Embedder;
  try {
    // Loaded only here: transformers.js and onnxruntime are heavy, and the native space needs neither.
    const { Embedder } = await import('../embed/embedder.js');
    emb = await Embedder.create({ model: embedder, hub, progressStream: hub.progressStream });
  } catch (err) {
    throw new EvalOptionError('--embedder', err instanceof Error ? err.message : String(err));
  }
  try {
    const built = await buildVocabMatrix({ source: model, embedder: emb }, (d, r, c) => VocabMatrix.fromArray(d, r, c));
    const matrix = await built.matrix;
    return {
      description: {
        name: 'sbert',
        embedder: emb.id,
        matrix: `each vocabulary piece's surface text embedded by ${emb.id} (stored as f16), L2-normalized; pieces without letters are zero rows`,
        userVector: `normalize(mean of the ${emb.id} embeddings of the profile texts)`,
        rows: matrix.rows,
        dims: matrix.dims,
        zeroRows: matrix.zeroRows,
      },
      matrix,
      profileTexts,
      userVector: (record) => embedUserVector(emb, record, { emptyProfile: 'zero' }),
      dispose: async () => {
        matrix.dispose();
        await emb.dispose();
      },
    };
  } catch (err) {
    await emb.dispose();
    throw err;
  }
}
