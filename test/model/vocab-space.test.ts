// The vocabulary matrix of the real tiny model (stories260K) in both spaces: the sentence-
// embedding space (with the tests' own tiny BERT through transformers.js) and the model's own
// input embeddings ("native"), then used for a personalized generation.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Embedder } from '../../lib/embed/embedder.js';
import { NativeSpace } from '../../lib/embed/native-space.js';
import { buildVocabMatrix } from '../../lib/embed/vocab-space.js';
import { loadModel, type Model, VocabMatrix } from '../../lib/index.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';
import { writeTinyBert } from '../../bench/tiny-bert.js';

const toMatrix = (data: Float32Array, rows: number, dims: number) => VocabMatrix.fromArray(data, rows, dims, { dtype: 'f16' });

/** Ids whose row must be zero: special/control, byte, unknown/unused tokens and pieces with no letter. */
function expectedZeroIds(model: Model): number[] {
  const kinds = model.tokenKinds();
  return model
    .tokenPieces()
    .map((p, id) => (kinds[id] !== 'normal' && kinds[id] !== 'user-defined') || !/\p{L}/u.test(p) ? id : -1)
    .filter((id) => id >= 0);
}

describe.skipIf(!hasStoriesModel)('vocabulary matrix of stories260K', () => {
  let model: Model;
  const work = mkdtempSync(path.join(tmpdir(), 'persona-gen-vocab-'));

  beforeAll(async () => {
    model = await loadModel(storiesModel, { contextSize: 256, threads: 2 });
  });
  afterAll(() => model?.dispose());

  it('sbert space: shape, zero rows where expected, cache hit, invalidation when the embedder changes', async () => {
    const tinyA = writeTinyBert(path.join(work, 'a'), { dims: 16, seed: 1, name: 'tiny-a' });
    const tinyB = writeTinyBert(path.join(work, 'b'), { dims: 16, seed: 2, name: 'tiny-b' });
    const cacheDir = path.join(work, 'vocab-cache');
    const embA = await Embedder.create({ model: tinyA.modelId, localModelPath: tinyA.localModelPath, cacheDir: null });

    const first = await buildVocabMatrix({ source: model, embedder: embA, cacheDir }, toMatrix);
    const m1 = await first.matrix;
    expect(first.space.fromCache).toBe(false);
    expect([m1.rows, m1.dims]).toEqual([512, 16]);
    const zeros = expectedZeroIds(model);
    expect(zeros).toContain(1); // <s>
    expect(zeros).toContain(3); // <0x00>
    expect(zeros).toContain(432); // ","
    expect(first.space.zeroRows).toBe(zeros.length);
    expect(m1.zeroRows).toBe(zeros.length);
    const rows = m1.toArray();
    for (const id of zeros) expect(Array.from(rows.subarray(id * 16, id * 16 + 16)).every((x) => x === 0)).toBe(true);
    const dog = model.tokenPieces().indexOf(' Lily');
    expect(Math.hypot(...rows.subarray(dog * 16, dog * 16 + 16))).toBeCloseTo(1, 2);

    const second = await buildVocabMatrix({ source: model, embedder: embA, cacheDir }, toMatrix);
    expect(second.space.fromCache).toBe(true);
    expect(Array.from((await second.matrix).toArray())).toEqual(Array.from(rows));

    const embB = await Embedder.create({ model: tinyB.modelId, localModelPath: tinyB.localModelPath, cacheDir: null });
    const third = await buildVocabMatrix({ source: model, embedder: embB, cacheDir }, toMatrix);
    expect(third.space.fromCache).toBe(false);
    expect(third.space.cacheFile).not.toBe(first.space.cacheFile);
  });

  it('native space: the model\'s own rows, zero rows where expected, and a user vector that steers generation', async () => {
    const table = await model.tokenEmbeddingRows();
    const space = new NativeSpace(model, table);
    expect([space.space.rows, space.space.dims]).toEqual([512, 64]);
    expect(space.space.zeroRows).toBe(expectedZeroIds(model).length);
    const matrix = await space.toMatrix(toMatrix);
    expect(matrix.zeroRows).toBe(space.space.zeroRows);
    const user = space.userVector(['Timmy and his dog went to the park.', 'Timmy saw a big dog.']);
    expect(user).toHaveLength(64);
    const plain = await model.generate('Once upon a time', { maxTokens: 40 });
    const zero = await model.generate('Once upon a time', { maxTokens: 40, personalization: { matrix, user, beta: 0 } });
    const biased = await model.generate('Once upon a time', { maxTokens: 40, personalization: { matrix, user, beta: 8 } });
    expect(Array.from(zero.tokens)).toEqual(Array.from(plain.tokens));
    expect(Array.from(biased.tokens)).not.toEqual(Array.from(plain.tokens));
  });
});
