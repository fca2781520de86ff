/**
 * eval's model loading (lib/eval/model-file.ts) on stories260K: the model's KV-cell size, and the
 * default parallelism lowered to what fits the available memory (given here, so that the test
 * does not depend on the machine's).
 */
import { describe, expect, it } from 'vitest';

import { loadRunModel, type ModelFile } from '../../lib/eval/model-file.js';
import { resolveEvalSettings } from '../../lib/eval/settings.js';
import { kvCacheBytes } from '../../lib/kv-memory.js';
import { hasStoriesModel, storiesFitNote, storiesModel } from '../helpers/shared.js';

const file: ModelFile = { ref: storiesModel, path: storiesModel, sha256: '0'.repeat(64), bytes: 0 };
const settings = resolveEvalSettings({ model: storiesModel, contextSize: 256, maxTokens: 16, parallel: 16 }, { threads: 1 });

describe.skipIf(!hasStoriesModel)('loadRunModel (stories260K)', () => {
  it('reports the KV bytes of one cell: 5 layers x 4 KV heads x (8 + 8) x 2 bytes', async () => {
    const { model } = await loadRunModel(file, settings);
    try {
      expect(model.info.kvCellBytes).toBe(640);
      expect(kvCacheBytes(model.info, 256, 16)).toBe(640 * 256 * 17);
    } finally {
      model.dispose();
    }
  });

  it('lowers a default parallel to fit the memory and says so; keeps a given one', async () => {
    const notes: string[] = [];
    const fitted = await loadRunModel(file, settings, { fitParallel: true, availableBytes: 1_000_000, note: (l) => notes.push(l) });
    try {
      expect(fitted.parallel).toBe(3);
      expect(fitted.contextSize).toBe(256);
      expect(fitted.model.engineStats().parallel).toBe(3);
      expect(notes).toEqual([storiesFitNote]);
      const out = await fitted.model.generateMany(Array.from({ length: 5 }, () => ({ prompt: 'Once upon a time', maxTokens: 4 })));
      expect(out.map((r) => r.tokens.length)).toEqual([4, 4, 4, 4, 4]);
      expect(fitted.model.engineStats().maxBatchSequences).toBeLessThanOrEqual(3);
    } finally {
      fitted.model.dispose();
    }
    const given = await loadRunModel(file, settings, { fitParallel: false, availableBytes: 1_000_000 });
    try {
      expect(given.parallel).toBe(16);
      expect(given.model.engineStats().parallel).toBe(16);
    } finally {
      given.model.dispose();
    }
  });
});
