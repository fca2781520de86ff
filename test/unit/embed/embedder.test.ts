import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { embeddingRetriever } from '../../../lib/embed/dense-retriever.js';
import { Embedder, requiredModelFiles } from '../../../lib/embed/embedder.js';
import { EmbeddingCache, textHash } from '../../../lib/embed/embedding-cache.js';
import { HubOfflineError } from '../../../lib/hub/errors.js';
import { startHubServer, type HubServer } from '../../helpers/hub-server.js';
import { expectedEmbedding, writeTinyBert, type TinyModel } from '../../../bench/tiny-bert.js';

let tmp: string;
let tiny: TinyModel;
const ids = (m: TinyModel, words: string[]) => words.map((w) => m.vocab.get(w)!);
const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pg-embed-'));
  tiny = writeTinyBert(tmp);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Embedder over transformers.js (tiny local ONNX model)', () => {
  test('loads through env.localModelPath with remote models off; vectors are mean-pooled and L2-normalized', async () => {
    const e = await Embedder.create({ model: tiny.modelId, localModelPath: tiny.localModelPath, cacheDir: null });
    expect(env.allowRemoteModels).toBe(false);
    expect(env.localModelPath).toBe(tiny.localModelPath);
    expect(e.dims).toBe(8);
    expect(e.id).toMatch(/^local:.*tiny-bert:[0-9a-f]{16}:fp32:mean:l2$/);
    const [a, b] = await e.embed(['The cat sat', 'cats running']);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
    expect(Math.hypot(...b)).toBeCloseTo(1, 6);
    expect(maxDiff(a, expectedEmbedding(tiny, ids(tiny, ['the', 'cat', 'sat'])))).toBeLessThan(1e-6);
    // "cats" → cat ##s, "running" → [UNK] (not in the tiny vocabulary)
    expect(maxDiff(b, expectedEmbedding(tiny, ids(tiny, ['cat', '##s', '[UNK]'])))).toBeLessThan(1e-6);
    await e.dispose();
  });

  test('batching gives the same vectors as one-by-one', async () => {
    const texts = ['the dog ran fast on the mat', 'a', 'the product is great , and the story is bad .', 'cat', 'slow slow slow dog'];
    const batched = await Embedder.create({ model: tiny.modelDir, cacheDir: null, batchSize: 3 });
    const single = await Embedder.create({ model: tiny.modelDir, cacheDir: null, batchSize: 1 });
    const a = await batched.embed(texts);
    const b = [];
    for (const t of texts) b.push(await single.embedOne(t));
    for (let i = 0; i < texts.length; i++) expect(maxDiff(a[i], b[i])).toBeLessThan(1e-6);
    expect(batched.stats).toEqual({ hits: 0, misses: 5 });
  });

  test('the disk cache answers the second call and a new process (same vectors, no recompute)', async () => {
    const cacheDir = path.join(tmp, 'emb-cache');
    const warnings: string[] = [];
    const first = await Embedder.create({ model: tiny.modelDir, cacheDir, warn: (m) => warnings.push(m) });
    const texts = ['the cat sat', 'a dog', 'the cat sat', 'model of a user'];
    const v1 = await first.embed(texts);
    expect(first.stats).toEqual({ hits: 0, misses: 3 }); // the duplicate is computed once
    expect(v1[2]).toEqual(v1[0]);
    await first.embed(texts);
    expect(first.stats).toEqual({ hits: 4, misses: 3 });
    await first.dispose();

    const second = await Embedder.create({ model: tiny.modelDir, cacheDir });
    const v2 = await second.embed(texts);
    expect(second.stats).toEqual({ hits: 4, misses: 0 });
    for (let i = 0; i < texts.length; i++) expect(v2[i]).toEqual(v1[i]);
    await second.dispose();
    expect(warnings).toEqual([]);
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  test('a corrupt cache is rebuilt with a warning; a torn last record is dropped', () => {
    const dir = path.join(tmp, 'corrupt');
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const c = EmbeddingCache.open(dir, 'key-a', 4, warn);
    c.putMany([{ hash: textHash('x'), vector: Float32Array.from([1, 0, 0, 0]) }, { hash: textHash('y'), vector: Float32Array.from([0, 1, 0, 0]) }]);
    c.close();
    appendFileSync(c.file, Buffer.from([1, 2, 3]));
    const torn = EmbeddingCache.open(dir, 'key-a', 4, warn);
    expect(torn.size).toBe(2);
    expect(Array.from(torn.get(textHash('y'))!)).toEqual([0, 1, 0, 0]);
    torn.close();
    expect(warnings.pop()).toMatch(/ends with a partial record \(interrupted write\); dropping it/);

    writeFileSync(c.file, 'garbage garbage garbage garbage garbage');
    const rebuilt = EmbeddingCache.open(dir, 'key-a', 4, warn);
    expect(rebuilt.size).toBe(0);
    expect(warnings.pop()).toBe(`embedding cache ${c.file} has a corrupt header; rebuilding it`);
    rebuilt.putMany([{ hash: textHash('z'), vector: Float32Array.from([NaN, 0, 0, 0]) }]);
    rebuilt.close();
    const nan = EmbeddingCache.open(dir, 'key-a', 4, warn);
    expect(nan.size).toBe(0);
    expect(warnings.pop()).toMatch(/holds non-finite values \(corrupt\); rebuilding it/);
    nan.close();
    expect(statSync(c.file).size).toBeGreaterThan(0);
  });

  test('progress lines on long runs', async () => {
    let text = '';
    const sink = Object.assign(new Writable({ write: (c, _e, cb) => ((text += c.toString()), cb()) }), { isTTY: false });
    const e = await Embedder.create({ model: tiny.modelDir, cacheDir: null, batchSize: 2, progressMin: 4, progressStream: sink });
    await e.embed(['a', 'the', 'cat', 'dog', 'mat']);
    expect(text.split('\n')[0]).toBe(`embedding with ${tiny.modelDir}: starting (5)`);
    expect(text).toMatch(/: done \(5 in \d+s/);
  });

  test('a dense retriever ranks by cosine similarity', async () => {
    const e = await Embedder.create({ model: tiny.modelDir, cacheDir: null });
    const r = embeddingRetriever(e);
    const docs = ['review of a product', 'the cat sat on the mat', 'reddit post'];
    const got = await r('the cat sat on the mat', docs, 2);
    expect(got[0]).toBe(1);
    expect(got).toHaveLength(2);
    expect(await r('x', [], 2)).toEqual([]);
  });
});

describe('Embedder with a Hub model id (served on 127.0.0.1)', () => {
  let server: HubServer;
  const commit = 'f'.repeat(40);
  beforeAll(async () => {
    const files: Record<string, { content: Buffer }> = {};
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) files[f] = { content: readFileSync(path.join(tiny.modelDir, f)) };
    files['README.md'] = { content: Buffer.from('tiny') };
    server = await startHubServer([{ type: 'model', id: 'test-org/tiny-bert', commit, files }]);
  });
  afterAll(() => server.close());

  test('downloads the needed files into the Hub cache, loads from the snapshot, works offline after', async () => {
    const hubCache = path.join(tmp, 'hub');
    const hub = { endpoint: server.url, cacheDir: hubCache, progress: 'none' as const, offline: false };
    const e = await Embedder.create({ model: 'test-org/tiny-bert', hub, cacheDir: null });
    expect(e.id).toBe(`test-org/tiny-bert@${commit}:fp32:mean:l2`);
    const snapshot = path.join(hubCache, 'models--test-org--tiny-bert', 'snapshots', commit);
    expect(readdirSync(snapshot).sort()).toEqual(['config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const [v] = await e.embed(['the cat sat']);
    expect(maxDiff(v, expectedEmbedding(tiny, ids(tiny, ['the', 'cat', 'sat'])))).toBeLessThan(1e-6);

    server.requests.length = 0;
    const offline = await Embedder.create({ model: 'test-org/tiny-bert', hub: { ...hub, offline: true }, cacheDir: null });
    expect(offline.id).toBe(e.id);
    expect(server.requests).toHaveLength(0);
    const err = await Embedder.create({ model: 'test-org/other', hub: { ...hub, offline: true }, cacheDir: null }).catch((x: Error) => x);
    expect(err).toBeInstanceOf(HubOfflineError);
    expect((err as Error).message).toContain('hf download test-org/other config.json tokenizer.json tokenizer_config.json onnx/model.onnx');
  });

  test('a repo without the ONNX variant says which ONNX files exist', () => {
    expect(() => requiredModelFiles(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'], 'q8')).toThrow(
      'the model repo lacks onnx/model_quantized.onnx; transformers.js needs an ONNX export (ONNX files there: onnx/model.onnx; pick another dtype or a Xenova/onnx-community model)',
    );
    expect(requiredModelFiles(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model.onnx_data'], 'fp32')).toContain(
      'onnx/model.onnx_data',
    );
  });
});
