/**
 * `persona-gen serve` in the sbert space (the default `--space`), with `--embedder` a local
 * folder (a tiny BERT the test writes: nothing from the Hub): a stored profile personalizes a
 * completion, streamed and not, exactly as the library's Personalizer does with the same
 * embedder, profile and beta; the profile reports the sbert space.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeTinyBert } from '../../bench/tiny-bert.js';
import { loadModel, type Model, Personalizer } from '../../lib/index.js';
import { startServer, type RunningServer } from '../../lib/server/start.js';
import { KEYS, call, serverFolder, tinyServerSettings } from '../helpers/serve.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';

const PROMPT = 'Once upon a time';
const PROFILE = ['The dog ran to the park with his ball.', 'My dog Max likes to bark at the big tree.'];

describe.skipIf(!hasStoriesModel)('persona-gen serve (stories260K, sbert space, a local embedder folder)', () => {
  let server: RunningServer;
  let ref: Model;
  let embedder: string;

  beforeAll(async () => {
    const tiny = writeTinyBert(path.join(mkdtempSync(path.join(tmpdir(), 'serve-sbert-')), 'bert'), { dims: 16, seed: 5, name: 'tiny-serve' });
    embedder = path.join(tiny.localModelPath, tiny.modelId);
    server = await startServer(tinyServerSettings(serverFolder(), { space: 'sbert', embedder }));
    ref = await loadModel(storiesModel, { contextSize: 256, threads: 1 });
  });
  afterAll(async () => {
    await server?.close();
    ref?.dispose();
  });

  it('personalizes as the library does with the same embedder, profile and beta, as JSON and as a stream', async () => {
    const put = await call(server.url, 'PUT', '/v1/users/alice/profile', { key: KEYS.acme, json: { texts: PROFILE } });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: 'alice', items: 2, space: 'sbert' });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEYS.acme, maxRetries: 0 });
    const params = { model: 'stories260K', prompt: PROMPT, max_tokens: 40, temperature: 0, user: 'alice', persona: { beta: 8 } };
    const whole = (await client.completions.create(params as OpenAI.CompletionCreateParamsNonStreaming)) as OpenAI.Completion & { persona: unknown };
    expect(whole.persona).toEqual({ applied: true, beta: 8, space: 'sbert', user: 'alice' });
    let streamed = '';
    for await (const c of await client.completions.create({ ...params, stream: true } as OpenAI.CompletionCreateParamsStreaming)) streamed += c.choices[0]?.text ?? '';

    await using p = await Personalizer.create(ref, { space: 'sbert', embedder, embedderOptions: { cacheDir: null } });
    const personalization = await p.personalization(PROFILE, { beta: 8 });
    const lib = await ref.generate(PROMPT, { maxTokens: 40, personalization });
    const baseline = await ref.generate(PROMPT, { maxTokens: 40 });
    expect(whole.choices[0]!.text).toBe(lib.text);
    expect(streamed).toBe(lib.text);
    expect(lib.text).not.toBe(baseline.text);
  });
});
