// The native benchmark tools: the synthetic model writer (real tokenizer, random weights),
// quantization through llama_model_quantize, and the argument checks in front of both.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevAddon, useDevAddon } from '../../../bindings/dev.js';
import { packageRoot } from '../../../bindings/index.js';
import { TINY_QWEN, writerSpec } from '../../../bench/models.js';
import { loadModel } from '../../../lib/model.js';
import { VocabMatrix, nativeMatrixOf } from '../../../lib/vocab-matrix.js';

useDevAddon();

const vocab = path.join(packageRoot, 'deps', 'llama.cpp', 'models', 'ggml-vocab-qwen2.gguf');
const llamaVocab = path.join(packageRoot, 'deps', 'llama.cpp', 'models', 'ggml-vocab-llama-bpe.gguf');
if (!existsSync(vocab)) console.warn(`[tests] ${vocab} is absent (run npm run fetch-llama): the bench tools tests are skipped`);

const spec = (out: string) => writerSpec(TINY_QWEN, vocab, out);

describe.skipIf(!existsSync(vocab))('bench tools', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'persona-gen-tools-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a loadable model with the real tokenizer, then quantizes it', async () => {
    const tools = loadDevAddon().tools;
    const f16 = path.join(dir, 'tiny.f16.gguf');
    const w = await tools.writeSyntheticModel(spec(f16));
    // token_embd 151936 x 64 + output_norm 64 + 2 layers x (3 norms... ): 64*151936 + 64 + 2 * (64 + 64*64*2 + 64*32*2 + 64 + 32 + 32 + 64 + 64*128*3)
    expect(w.parameters).toBe(64 * 151_936 + 64 + 2 * (64 + 4096 + 2048 + 2048 + 64 + 32 + 32 + 4096 + 64 + 3 * 8192));
    expect(w.vocabSize).toBe(151_936);
    expect(w.tensors).toBe(2 + 2 * 12);
    expect(w.zeroRows).toBeGreaterThan(0);
    expect(w.fileBytes).toBe(statSync(f16).size);
    expect(existsSync(`${f16}.tmp`)).toBe(false);

    const q8 = path.join(dir, 'tiny.q8_0.gguf');
    const q = await tools.quantizeModel(f16, q8, 'q8_0', { threads: 2 });
    expect(q.path).toBe(q8);
    expect(q.bytes).toBe(statSync(q8).size);
    expect(q.bytes).toBeLessThan(w.fileBytes);

    const model = await loadModel(q8, { threads: 2, contextSize: 256 });
    try {
      expect(model.vocabSize).toBe(151_936);
      expect(model.embeddingSize).toBe(64);
      expect(model.info.architecture).toBe('qwen2');
      expect(model.info.layers).toBe(2);
      expect(model.info.description).toContain('Q8_0');
      expect(model.detokenize(model.tokenize('Hello, world'))).toBe('Hello, world');
      expect(model.tokenize('Hello, world').length).toBe(3); // the real Qwen2 tokenizer: "Hello" "," " world"
      // end-of-generation rows are zero, so greedy decoding never stops early
      const r = await model.generate('Once upon a time', { maxTokens: 12 });
      expect(r.tokens.length).toBe(12);
      expect(r.stopReason).toBe('maxTokens');
    } finally {
      model.dispose();
    }
  });

  it('writes llama-architecture models too (no q/k/v biases)', async () => {
    if (!existsSync(llamaVocab)) return;
    const out = path.join(dir, 'tiny-llama.f16.gguf');
    const w = await loadDevAddon().tools.writeSyntheticModel({ ...spec(out), arch: 'llama', vocabPath: llamaVocab, heads: 8, kvHeads: 4 });
    expect(w.vocabSize).toBe(128_256);
    expect(w.tensors).toBe(2 + 2 * 9);
    const model = await loadModel(out, { threads: 2, contextSize: 128 });
    expect(model.info.architecture).toBe('llama');
    expect(model.tokenize('Hello', { addSpecial: true })[0]).toBe(128_000); // <|begin_of_text|>
    model.dispose();
  });

  it('checks every argument before llama.cpp sees it', async () => {
    const tools = loadDevAddon().tools;
    const out = path.join(dir, 'bad.gguf');
    expect(() => tools.writeSyntheticModel({ ...spec(out), arch: 'gpt2' as 'qwen2' })).toThrow(/spec\.arch must be 'qwen2' or 'llama', got 'gpt2'/);
    expect(() => tools.writeSyntheticModel({ ...spec(out), heads: 5 })).toThrow(/spec\.embd \(64\) must be a multiple of spec\.heads \(5\)/);
    expect(() => tools.writeSyntheticModel({ ...spec(out), kvHeads: 3 })).toThrow(/spec\.heads must be a multiple of spec\.kvHeads/);
    expect(() => tools.writeSyntheticModel({ ...spec(out), layers: 0 })).toThrow(/spec\.layers must be an integer between 1/);
    expect(() => tools.writeSyntheticModel({ ...spec(out), embd: 64.5 })).toThrow(/spec\.embd must be an integer/);
    expect(() => tools.writeSyntheticModel({ ...spec(out), ffn: undefined as unknown as number })).toThrow(/spec\.ffn must be a number/);
    expect(() => tools.writeSyntheticModel({ ...spec(out), ropeFreqBase: Number.NaN })).toThrow(/spec\.ropeFreqBase must be a number between/);
    await expect(tools.writeSyntheticModel({ ...spec(out), vocabPath: path.join(dir, 'missing.gguf') })).rejects.toThrow(/model file not found/);
    const notGguf = path.join(dir, 'not.gguf');
    writeFileSync(notGguf, 'hello, this is not a GGUF file at all');
    await expect(tools.writeSyntheticModel({ ...spec(out), vocabPath: notGguf })).rejects.toThrow(/not a GGUF file/);
    expect(existsSync(out)).toBe(false);

    const f16 = path.join(dir, 'tiny.f16.gguf');
    expect(() => tools.quantizeModel(f16, path.join(dir, 'x.gguf'), 'q3_k' as 'q8_0')).toThrow(/type must be one of f16, q8_0, q6_k, q5_k_m, q4_k_m, q4_0, got 'q3_k'/);
    expect(() => tools.quantizeModel(f16, f16, 'q8_0')).toThrow(/output must differ from input/);
    await expect(tools.quantizeModel(vocab, path.join(dir, 'x.gguf'), 'q8_0')).rejects.toThrow(/holds no tensors: not a model GGUF/);
    await expect(tools.quantizeModel(notGguf, path.join(dir, 'x.gguf'), 'q8_0')).rejects.toThrow(/not a GGUF file/);
    await expect(tools.quantizeModel(f16, path.join(dir, 'no', 'such', 'x.gguf'), 'q8_0')).rejects.toThrow(/the output folder .* does not exist/);
    expect(() => tools.memoryCopy({ bytes: 100, reps: 1, threads: 1 })).toThrow(/options\.bytes must be between/);
    expect(() => tools.memoryCopy({ bytes: 1 << 20, reps: 0, threads: 1 })).toThrow(/options\.reps must be between/);

    const m = await VocabMatrix.fromArray(new Float32Array([1, 0, 0, 1, 0.6, 0.8]), 3, 2);
    const h = nativeMatrixOf(m, 'm');
    expect(Array.from(await tools.kernelPasses(h, new Float32Array([1, 0]), 'scalar', 3)).length).toBe(3);
    expect(() => tools.kernelPasses(h, new Float32Array([1, 0, 0]), 'simd', 1)).toThrow(/user has 3 values, the matrix has 2 dims/);
    expect(() => tools.kernelPasses(h, new Float32Array([Number.NaN, 0]), 'simd', 1)).toThrow(/user must hold only finite numbers/);
    expect(() => tools.kernelPasses(h, new Float32Array([1, 0]), 'gpu' as 'simd', 1)).toThrow(/impl must be/);
    expect(() => tools.kernelPasses(h, new Float32Array([1, 0]), 'simd', 0)).toThrow(/reps must be an integer between 1 and 10000/);
    m.dispose();
    expect(() => tools.kernelPasses(h, new Float32Array([1, 0]), 'simd', 1)).toThrow(/has been disposed/);
  });
});
