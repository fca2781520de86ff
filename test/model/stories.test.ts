// Generation on the real tiny model (test/fixtures/models/stories260K.gguf): the greedy
// reference text, determinism, beta = 0, a bias that pulls a token in, abort, a timer that
// keeps ticking, and an error for every bad input.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, Model, VocabMatrix } from '../../lib/index.js';
import { hasStoriesModel, storiesGreedyReference, storiesModel } from '../helpers/shared.js';

describe.skipIf(!hasStoriesModel)('stories260K', () => {
  let model: Model;
  let matrix: VocabMatrix;

  beforeAll(async () => {
    model = await loadModel(storiesModel, { contextSize: 256, threads: 2 });
    matrix = await model.tokenEmbeddingMatrix();
  });
  afterAll(() => {
    matrix?.dispose();
    model?.dispose();
  });

  it('knows its vocabulary', () => {
    expect(model.vocabSize).toBe(512);
    expect(model.embeddingSize).toBe(64);
    const toks = model.tokenize('Once upon a time');
    expect(model.detokenize(toks)).toBe('Once upon a time');
    expect(model.tokenPieces()).toHaveLength(512);
    const kinds = model.tokenKinds();
    expect(kinds[1]).toBe('control'); // <s>
    expect(kinds[3]).toBe('byte'); // <0x00>
    expect(model.vocabularyHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('greedy "Once upon a time" reproduces llama.cpp\'s own output', async () => {
    const r = await model.generate('Once upon a time', { maxTokens: 60 });
    expect(r.text.startsWith(storiesGreedyReference)).toBe(true);
    expect(r.text).toContain("Lily");
    expect(r.tokens.length).toBe(60);
    expect(r.stopReason).toBe('maxTokens');
    expect(r.promptTokens).toBe(5);
    expect(r.timings.decodeTokensPerSecond).toBeGreaterThan(0);
  });

  it('same seed and options give the same tokens; stop strings cut the text', async () => {
    const opts = { maxTokens: 40, temperature: 0.9, seed: 1234 };
    const a = await model.generate('Once upon a time', opts);
    const b = await model.generate('Once upon a time', opts);
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    const s = await model.generate('Once upon a time', { maxTokens: 60, stop: ['park'] });
    expect(s.text).toBe(', there was a little girl named Lily. She loved to play outside in the ');
    expect(s.stopReason).toBe('stop');
  });

  it('beta = 0 without a guard gives exactly the unpersonalized tokens (greedy and sampled), for both references', async () => {
    const user = new Float32Array(64).fill(0.5);
    for (const opts of [{ maxTokens: 50 }, { maxTokens: 50, temperature: 1, seed: 99 }]) {
      const plain = await model.generate('Once upon a time', opts);
      const zero = await model.generate('Once upon a time', { ...opts, personalization: { matrix, user, beta: 0 } });
      expect(Array.from(zero.tokens)).toEqual(Array.from(plain.tokens));
      const raw = await model.generate('Once upon a time', { ...opts, personalization: { matrix, user, beta: 0, reference: 'raw' } });
      expect(Array.from(raw.tokens)).toEqual(Array.from(plain.tokens));
    }
  });

  it('a user vector equal to one token\'s row with a large beta makes that token appear', async () => {
    const rows = matrix.toArray();
    const pieces = model.tokenPieces();
    const target = pieces.indexOf(' Timmy');
    expect(target).toBeGreaterThan(0);
    const plain = await model.generate('Once upon a time', { maxTokens: 30 });
    expect(Array.from(plain.tokens)).not.toContain(target);
    const user = rows.slice(target * 64, target * 64 + 64);
    const biased = await model.generate('Once upon a time', {
      maxTokens: 30,
      personalization: { matrix, user, beta: 50 },
    });
    expect(Array.from(biased.tokens)).toContain(target);
    expect(biased.text).toContain('Timmy');
  });

  it('the guard keeps implausible tokens out: the same huge beta changes every token without it, none with guardTopK 1', async () => {
    const rows = matrix.toArray();
    const user = rows.slice(100 * 64, 101 * 64);
    const plain = await model.generate('Once upon a time', { maxTokens: 30 });
    // The bias is on: unguarded, beta 1000 takes over the text.
    const unguarded = await model.generate('Once upon a time', { maxTokens: 30, personalization: { matrix, user, beta: 1000 } });
    expect(Array.from(unguarded.tokens)).not.toEqual(Array.from(plain.tokens));
    expect(unguarded.tokens[0]).not.toBe(plain.tokens[0]);
    const guarded = await model.generate('Once upon a time', {
      maxTokens: 30,
      personalization: { matrix, user, beta: 1000, guardTopK: 1 },
    });
    expect(Array.from(guarded.tokens)).toEqual(Array.from(plain.tokens));
    // With two candidates let through, the bias picks between them: the text changes.
    const two = await model.generate('Once upon a time', { maxTokens: 30, personalization: { matrix, user, beta: 1000, guardTopK: 2 } });
    expect(Array.from(two.tokens)).not.toEqual(Array.from(plain.tokens));
  });

  it('streams the same text as generate returns', async () => {
    const s = model.stream('Once upon a time', { maxTokens: 40 });
    let streamed = '';
    for await (const chunk of s) streamed += chunk;
    const r = await s.result;
    expect(streamed).toBe(r.text);
    expect(r.text.startsWith(', there was a little girl')).toBe(true);
  });

  it("generate's onText gets the same text, piece by piece, before the promise settles", async () => {
    const pieces: string[] = [];
    let settled = false;
    const p = model.generate('Once upon a time', { maxTokens: 40, stop: ['girl'], onText: (t) => pieces.push(settled ? `late:${t}` : t) });
    const r = await p.finally(() => (settled = true));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(r.text);
    expect(r.text).toBe(', there was a little ');
    // A listener that throws does not stop the generation.
    const again = await model.generate('Once upon a time', { maxTokens: 40, onText: () => { throw new Error('listener'); } });
    expect(again.text.startsWith(', there was a little girl')).toBe(true);
    await expect(model.generate('Once', { onText: 'x' as unknown as () => void })).rejects.toThrow(/options\.onText must be a function/);
  });

  it('an AbortSignal stops generation, and the event loop keeps running meanwhile', async () => {
    const big = await loadModel(storiesModel, { contextSize: 512, threads: 1 });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const controller = new AbortController();
      const p = big.generate('Once upon a time', { maxTokens: 500, temperature: 1, seed: 3, signal: controller.signal });
      await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      await expect(p).rejects.toThrow(/abort/i);
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(3);
      // stopOnAbortSignal gives the text so far instead
      const c2 = new AbortController();
      const p2 = big.generate('Once upon a time', { maxTokens: 500, temperature: 1, seed: 3, signal: c2.signal, stopOnAbortSignal: true });
      setTimeout(() => c2.abort(), 5);
      const r2 = await p2;
      expect(r2.stopReason).toBe('abort');
      expect(r2.tokens.length).toBeLessThan(500);
      // an already-aborted signal rejects at once
      await expect(big.generate('Once', { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    } finally {
      big.dispose();
    }
  });

  it('disposing a model while it generates rejects that generation with a clear error', async () => {
    const m = await loadModel(storiesModel, { contextSize: 512, threads: 1 });
    const p = m.generate('Once upon a time', { maxTokens: 480, temperature: 1, seed: 5 });
    m.dispose();
    m.dispose();
    await expect(p).rejects.toThrow(/disposed/);
    expect(() => m.tokenize('x')).toThrow(/disposed/);
    await expect(m.generate('Once')).rejects.toThrow(/disposed/);
  });

  describe('bad input gets a clear error, never a crash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'persona-gen-bad-'));

    it('files', async () => {
      await expect(loadModel(path.join(dir, 'missing.gguf'))).rejects.toThrow(/model file not found: .*missing\.gguf/);
      const notGguf = path.join(dir, 'not.gguf');
      writeFileSync(notGguf, 'this is not a model at all');
      await expect(loadModel(notGguf)).rejects.toThrow(/not a GGUF file/);
      const truncated = path.join(dir, 'truncated.gguf');
      const { readFileSync } = await import('node:fs');
      writeFileSync(truncated, readFileSync(storiesModel).subarray(0, 5000));
      await expect(loadModel(truncated)).rejects.toThrow(/failed to load model|truncated/);
      await expect(loadModel(dir)).rejects.toThrow(/not a regular file/);
      await expect(loadModel('')).rejects.toThrow(/path must be a non-empty string/);
      await expect(loadModel(storiesModel, { contextSize: 3 })).rejects.toThrow(/options\.contextSize/);
    });

    it('personalization', async () => {
      const user = new Float32Array(64).fill(1);
      const wrongRows = await VocabMatrix.fromArray(new Float32Array(10 * 64).fill(1), 10, 64);
      await expect(model.generate('Hi', { personalization: { matrix: wrongRows, user, beta: 1 } })).rejects.toThrow(
        /matrix has 10 rows, but the model's vocabulary has 512 tokens/,
      );
      await expect(model.generate('Hi', { personalization: { matrix, user: new Float32Array(63), beta: 1 } })).rejects.toThrow(
        /user has 63 values, but the matrix has 64 dims/,
      );
      const nan = new Float32Array(64);
      nan[5] = NaN;
      await expect(model.generate('Hi', { personalization: { matrix, user: nan, beta: 1 } })).rejects.toThrow(
        /user\[5\] is NaN/,
      );
      await expect(model.generate('Hi', { personalization: { matrix, user, beta: Infinity } })).rejects.toThrow(/beta must be a finite/);
      await expect(model.generate('Hi', { personalization: { matrix, user, beta: NaN } })).rejects.toThrow(/beta must be a finite/);
      await expect(model.generate('Hi', { personalization: { matrix, user, beta: 1, guardMinP: 2 } })).rejects.toThrow(/guardMinP/);
      wrongRows.dispose();
      await expect(model.generate('Hi', { personalization: { matrix: wrongRows, user, beta: 1 } })).rejects.toThrow(/disposed/);
    });

    it('prompts and options', async () => {
      await expect(model.generate('')).rejects.toThrow(/prompt must not be empty/);
      await expect(model.generate(new Int32Array([1, 99999]))).rejects.toThrow(/prompt token 1 = 99999/);
      await expect(model.generate('Hi', { maxTokens: 0 })).rejects.toThrow(/options\.maxTokens/);
      await expect(model.generate('Hi', { maxTokens: 1.5 })).rejects.toThrow(/options\.maxTokens must be an integer/);
      await expect(model.generate('Hi', { temperature: -1 })).rejects.toThrow(/options\.temperature/);
      await expect(model.generate('Hi', { topP: 2 })).rejects.toThrow(/options\.topP/);
      await expect(model.generate('Hi', { seed: -1 })).rejects.toThrow(/options\.seed/);
      await expect(model.generate('Hi', { stop: [''] })).rejects.toThrow(/options\.stop\[0\]/);
      await expect(model.generate('Hi', { repeatPenalty: 0 })).rejects.toThrow(/options\.repeatPenalty/);
      await expect(model.generate('word '.repeat(400))).rejects.toThrow(/does not fit the context size of 256/);
      expect(() => model.detokenize([1, 600])).toThrow(/tokens\[1\] = 600 is not a token id/);
    });
  });

  it('a reused context (after an aborted, a sampled and a long generation) gives what a fresh model gives', async () => {
    const opts = { maxTokens: 40, temperature: 0.8, seed: 11 } as const;
    const fresh = await loadModel(storiesModel, { contextSize: 256, threads: 2 });
    let expected: Int32Array;
    try {
      expected = (await fresh.generate('Lily and Ben', opts)).tokens;
    } finally {
      fresh.dispose();
    }
    const reused = await loadModel(storiesModel, { contextSize: 256, threads: 2 });
    try {
      const c = new AbortController();
      const p = reused.generate('Once upon a time', { maxTokens: 200, temperature: 1, seed: 3, signal: c.signal, stopOnAbortSignal: true });
      setTimeout(() => c.abort(), 2);
      await p;
      await reused.generate('Once upon a time there was', { maxTokens: 200, temperature: 1, seed: 5 });
      await reused.generate('The cat', { maxTokens: 200 });
      expect(Array.from((await reused.generate('Lily and Ben', opts)).tokens)).toEqual(Array.from(expected));
      const greedy = await reused.generate('Once upon a time', { maxTokens: 60 });
      expect(greedy.text.startsWith(storiesGreedyReference)).toBe(true);
    } finally {
      reused.dispose();
    }
  });

  it('several generations at once give the same tokens as one by one', async () => {
    const opts = (seed: number) => ({ maxTokens: 40, temperature: 0.8, seed });
    const serial = [];
    for (let i = 0; i < 4; i++) serial.push(Array.from((await model.generate('Once upon a time', opts(i))).tokens));
    const parallel = await Promise.all([0, 1, 2, 3].map((i) => model.generate('Once upon a time', opts(i))));
    expect(parallel.map((r) => Array.from(r.tokens))).toEqual(serial);
  });

  it('reads the token embedding rows through the GGUF API', async () => {
    const rows = await model.tokenEmbeddingRows();
    expect(rows.rows).toBe(512);
    expect(rows.dims).toBe(64);
    expect(rows.type).toBe('f32');
    expect(matrix.rows).toBe(512);
    expect(matrix.dims).toBe(64);
  });
});
