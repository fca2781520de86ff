/**
 * A queue worker's model loading (lib/eval/queue/worker-models.ts) on stories260K: a default
 * parallelism is lowered to what fits the available memory (given here, so that the test does
 * not depend on the machine's) and logged with the file's name; a given one is kept.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { RUN_SPEC_SCHEMA, type QueueRunSpec } from '../../lib/eval/queue/payload.js';
import { WorkerModels } from '../../lib/eval/queue/worker-models.js';
import { resolveEvalSettings } from '../../lib/eval/settings.js';
import { hasStoriesModel, storiesFitNote, storiesModel } from '../helpers/shared.js';

describe.skipIf(!hasStoriesModel)('WorkerModels: parallelism fitted to memory (stories260K)', () => {
  const spec = (): QueueRunSpec => ({
    schema: RUN_SPEC_SCHEMA,
    runId: 'fit-run',
    settings: resolveEvalSettings({ model: storiesModel, contextSize: 256, maxTokens: 16, space: 'native' }, { threads: 1 }),
    model: { ref: storiesModel, fileName: path.basename(storiesModel), sha256: createHash('sha256').update(readFileSync(storiesModel)).digest('hex') },
    contextSize: 256,
    chat: false,
  });
  const sources = { modelDirs: [path.dirname(storiesModel)], hub: {}, threads: 1, parallel: 16, availableBytes: 1_000_000 };

  it("lowers a default parallel to what fits each run's KV cache and logs it with the file's name", async () => {
    const lines: string[] = [];
    const models = new WorkerModels({ ...sources, fitParallel: true, log: (l) => lines.push(l) });
    try {
      const run = await models.forRun(spec());
      expect(run.model.engineStats().parallel).toBe(3);
      expect(lines).toEqual([`stories260K.gguf: ${storiesFitNote}`]);
      const out = await run.model.generateMany(Array.from({ length: 5 }, () => ({ prompt: 'Once upon a time', maxTokens: 4 })));
      expect(out.map((r) => r.tokens.length)).toEqual([4, 4, 4, 4, 4]);
      expect(run.model.engineStats().maxBatchSequences).toBeLessThanOrEqual(3);
    } finally {
      await models.dispose();
    }
  });

  it('keeps a given parallel whatever the memory', async () => {
    const lines: string[] = [];
    const models = new WorkerModels({ ...sources, fitParallel: false, log: (l) => lines.push(l) });
    try {
      expect((await models.forRun(spec())).model.engineStats().parallel).toBe(16);
      expect(lines).toEqual([]);
    } finally {
      await models.dispose();
    }
  });
});
