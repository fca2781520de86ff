// The Personalizer (the public way from profile texts to personalization options) on the real tiny
// model, in both spaces: the same user vectors as the space code it wraps, option checks that
// name the option, the user-vector cache, generation with its options, and its lifetime.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Embedder } from '../../lib/embed/embedder.js';
import { NativeSpace } from '../../lib/embed/native-space.js';
import { userVectorFromItems } from '../../lib/embed/user-vector.js';
import { loadModel, Personalizer, type Model } from '../../lib/index.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';
import { writeTinyBert } from '../../bench/tiny-bert.js';

const PROFILE = ['Timmy and his dog went to the park.', 'Timmy saw a big dog and a red ball.'];

describe.skipIf(!hasStoriesModel)('Personalizer on stories260K', () => {
  let model: Model;
  const work = mkdtempSync(path.join(tmpdir(), 'persona-gen-personalizer-'));

  beforeAll(async () => {
    model = await loadModel(storiesModel, { contextSize: 256, threads: 2 });
  });
  afterAll(() => model?.dispose());

  it('native space: the NativeSpace user vector, options that steer generation, a cache, a clean lifetime', async () => {
    const p = await Personalizer.create(model, { space: 'native' });
    expect(p.space).toBe('native');
    expect(p.description).toMatchObject({ name: 'native', embedder: null, rows: 512, dims: 64 });
    const expected = new NativeSpace(model, await model.tokenEmbeddingRows()).userVector(PROFILE);
    const user = await p.userVector(PROFILE);
    expect(Array.from(user)).toEqual(Array.from(expected));
    expect(await p.userVector(PROFILE)).toBe(user); // cached: the same array back

    const personalization = await p.personalization(PROFILE, { beta: 8, guardTopK: 40 });
    expect(personalization).toEqual({ matrix: p.matrix, user, beta: 8, guardTopK: 40 });
    const byHand = await model.generate('Once upon a time', { maxTokens: 30, personalization: { matrix: p.matrix, user: expected, beta: 8, guardTopK: 40 } });
    const viaApi = await model.generate('Once upon a time', { maxTokens: 30, personalization });
    const plain = await model.generate('Once upon a time', { maxTokens: 30 });
    expect(Array.from(viaApi.tokens)).toEqual(Array.from(byHand.tokens));
    expect(Array.from(viaApi.tokens)).not.toEqual(Array.from(plain.tokens));

    await expect(p.userVector([])).rejects.toThrow(/the profile is empty/);
    expect(Array.from(await p.userVector([], { emptyProfile: 'zero' })).every((x) => x === 0)).toBe(true);
    await expect(p.userVector(PROFILE, { input: 'a prompt' })).rejects.toThrow(/^input: .*needs the sbert space/);
    await expect(p.personalization(PROFILE, { beta: Number.NaN })).rejects.toThrow(/beta must be a finite number/);
    await expect(p.personalization(PROFILE, { beta: 1, guardMinP: 2 })).rejects.toThrow(/guardMinP must be between 0 and 1/);
    await expect(p.userVector('text' as unknown as string[])).rejects.toThrow(/profile must be an array of strings/);

    await p.dispose();
    await p.dispose();
    expect(p.disposed).toBe(true);
    expect(p.matrix.disposed).toBe(true);
    await expect(p.userVector(PROFILE)).rejects.toThrow(/Personalizer has been disposed/);
  });

  it('sbert space: the mean of the embedder\'s profile vectors, and the input weighting', async () => {
    const tiny = writeTinyBert(path.join(work, 'bert'), { dims: 16, seed: 3, name: 'tiny-p' });
    const load = { localModelPath: tiny.localModelPath, cacheDir: null };
    await using p = await Personalizer.create(model, { space: 'sbert', embedder: tiny.modelId, embedderOptions: { ...load } });
    const reference = await Embedder.create({ model: tiny.modelId, ...load });
    try {
      expect(p.description).toMatchObject({ name: 'sbert', embedder: reference.id, rows: 512, dims: 16 });
      const vectors = await reference.embed(PROFILE);
      expect(Array.from(await p.userVector(PROFILE))).toEqual(Array.from(userVectorFromItems(vectors, 16)));
      const input = 'a dog in the park';
      const [query] = await reference.embed([input]);
      const weighted = userVectorFromItems(vectors, 16, { weighting: { query: query!, temperature: 0.5 } });
      expect(Array.from(await p.userVector(PROFILE, { input, inputTemperature: 0.5 }))).toEqual(Array.from(weighted));
      await expect(p.userVector(PROFILE, { input, inputTemperature: 0 })).rejects.toThrow(/inputTemperature must be > 0/);
    } finally {
      await reference.dispose();
    }
  });

  it('names the bad option', async () => {
    await expect(Personalizer.create(model, { space: 'word2vec' as 'native' })).rejects.toThrow(/options\.space must be "sbert" or "native", got "word2vec"/);
    await expect(Personalizer.create(model, { space: 'native', embedder: 'x' })).rejects.toThrow(/^options\.embedder: the native space uses no embedder/);
    await expect(Personalizer.create(model, { space: 'native', userCacheSize: -1 })).rejects.toThrow(/options\.userCacheSize must be between/);
  });
});
