/**
 * `persona-gen serve`'s model loading on stories260K: a default parallelism is lowered to what
 * fits the available memory (given here, so that the test does not depend on the machine's) and
 * the server's sequence slots follow it; a given one is kept.
 */
import { rmSync } from 'node:fs';

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

import { startServer } from '../../lib/server/start.js';
import { KEYS, serverFolder, tinyServerSettings } from '../helpers/serve.js';
import { hasStoriesModel, storiesFitNote } from '../helpers/shared.js';

describe.skipIf(!hasStoriesModel)('persona-gen serve: parallelism fitted to memory (stories260K)', () => {
  it('lowers a default parallel to what fits, says so, and serves more requests than slots', async () => {
    const folder = serverFolder();
    const notes: string[] = [];
    const server = await startServer(tinyServerSettings(folder, { parallel: 16, fitParallel: true, availableBytes: 1_000_000, note: (l) => notes.push(l) }));
    try {
      expect(notes).toEqual([storiesFitNote]);
      expect(server.queue.parallel).toBe(3);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEYS.acme, maxRetries: 0 });
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => client.completions.create({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 6, temperature: 0 })),
      );
      expect(answers.map((a) => a.usage?.completion_tokens)).toEqual([6, 6, 6, 6, 6]);
      expect(new Set(answers.map((a) => a.choices[0]!.text)).size).toBe(1);
    } finally {
      await server.close();
      rmSync(folder.dir, { recursive: true, force: true });
    }
  });

  it('keeps a given parallel (no fit) whatever the memory', async () => {
    const folder = serverFolder();
    const notes: string[] = [];
    const server = await startServer(tinyServerSettings(folder, { parallel: 16, fitParallel: false, availableBytes: 1_000_000, note: (l) => notes.push(l) }));
    try {
      expect(server.queue.parallel).toBe(16);
      expect(notes).toEqual([]);
    } finally {
      await server.close();
      rmSync(folder.dir, { recursive: true, force: true });
    }
  });
});
