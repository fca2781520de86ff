/**
 * Inputs that the sanitizer run (`npm run test:asan`) caught as undefined behaviour, kept as
 * regression cases; under the normal build they only check the results.
 *
 * - `tokenize('')`: the empty result was copied with memcpy into a zero-length typed array, whose
 *   data pointer is null (UBSan: "null pointer passed as argument 1"), found by the user-vector
 *   fuzzing (profile texts that are empty strings).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Model } from '../../lib/index.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';

describe.skipIf(!hasStoriesModel)('sanitizer regressions (stories260K)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(storiesModel, { contextSize: 64, threads: 1 });
  });
  afterAll(() => model?.dispose());

  it('tokenizes the empty string to no tokens (or just BOS), and detokenizes no tokens to ""', () => {
    expect(Array.from(model.tokenize(''))).toEqual([]);
    expect(Array.from(model.tokenize('', { addSpecial: true }))).toEqual([1]);
    expect(model.detokenize([])).toBe('');
    expect(model.detokenize(new Int32Array(0))).toBe('');
  });
});
