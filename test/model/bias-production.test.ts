// The personalization stage through the production path: one decoding step of stories260K,
// with the context, options and sampler chain that generate() uses (testing.chainStep), checked
// against the documented formula computed here independently from the matrix's stored rows:
// every candidate moves by exactly beta * score (within float rounding), the dropped candidates
// are exactly the guard's, zero-row tokens follow the reference, and the bias comes before the
// temperature (its effect scales as beta / T).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeChainStep } from '../../bindings/dev.js';
import { mulberry32 } from '../../bench/prng.js';
import { NativeSpace } from '../../lib/embed/native-space.js';
import { toNativeOptions, type GenerateOptions } from '../../lib/generation-options.js';
import { loadModel, Model, VocabMatrix } from '../../lib/index.js';
import { nativeModelOf } from '../../lib/model.js';
import { loadDevAddon, useDevAddon } from '../../bindings/dev.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';

useDevAddon();

const PROMPT = 'Once upon a time, there was a little';

/** The documented scores, from the stored rows: s_v = dot(r_v, normalize(u)); neutral subtracts the non-zero rows' mean. */
function expectedScores(rows: Float32Array, dims: number, user: Float32Array, reference: 'neutral' | 'raw'): { score: Float64Array; zero: boolean[] } {
  const n = Math.sqrt(user.reduce((a, x) => a + x * x, 0));
  const u = Array.from(user, (x) => x / n);
  const V = rows.length / dims;
  const score = new Float64Array(V);
  const zero: boolean[] = [];
  let sum = 0;
  let count = 0;
  for (let v = 0; v < V; v++) {
    let s = 0;
    let allZero = true;
    for (let i = 0; i < dims; i++) {
      const r = rows[v * dims + i]!;
      if (r !== 0) allZero = false;
      s += r * u[i]!;
    }
    zero.push(allZero);
    score[v] = s;
    if (!allZero) {
      sum += s;
      count++;
    }
  }
  const ref = reference === 'neutral' ? sum / count : 0;
  for (let v = 0; v < V; v++) score[v] = zero[v] ? 0 : score[v]! - ref;
  return { score, zero };
}

/** float32 rounding of a logit plus a bias, with room for the kernel's f32 accumulation. */
function close(got: number, want: number): boolean {
  return Math.abs(got - want) <= 2e-5 * (1 + Math.abs(want));
}

describe.skipIf(!hasStoriesModel)('the bias through generate()\'s chain (stories260K)', () => {
  let model: Model;
  let f32: VocabMatrix;
  let f16: VocabMatrix;
  let user: Float32Array;

  beforeAll(async () => {
    model = await loadModel(storiesModel, { contextSize: 128, threads: 1 });
    // eval's native space: the model's rows, tokens without a surface (control, byte, punctuation) as zero rows.
    const space = new NativeSpace(model, await model.tokenEmbeddingRows());
    f32 = await space.toMatrix((d, r, c) => VocabMatrix.fromArray(d, r, c));
    f16 = await space.toMatrix((d, r, c) => VocabMatrix.fromArray(d, r, c, { dtype: 'f16' }));
    const rnd = mulberry32(11);
    user = Float32Array.from({ length: model.embeddingSize }, () => rnd() * 2 - 1);
  });
  afterAll(() => {
    f32?.dispose();
    f16?.dispose();
    model?.dispose();
  });

  const step = (options: GenerateOptions): NativeChainStep =>
    loadDevAddon().testing.chainStep(nativeModelOf(model), model.promptTokens(PROMPT), toNativeOptions(options, model, model.vocabSize));

  for (const [name, reference] of [['neutral (default)', undefined], ['raw', 'raw']] as const) {
    for (const dtype of ['f32', 'f16'] as const) {
      it(`${name}, ${dtype}: every candidate moves by exactly beta * score; zero-row tokens do not move`, () => {
        const matrix = dtype === 'f32' ? f32 : f16;
        const beta = 2.5;
        const s = step({ personalization: { matrix, user, beta, ...(reference ? { reference } : {}) } });
        expect(s.stages).toEqual(['persona-bias', 'greedy']);
        expect(s.ids.length).toBe(model.vocabSize); // no guard: nothing dropped
        const { score, zero } = expectedScores(matrix.toArray(), matrix.dims, user, reference ?? 'neutral');
        let bad = 0;
        let zeros = 0;
        for (let i = 0; i < s.ids.length; i++) {
          const id = s.ids[i]!;
          if (zero[id]) {
            zeros++;
            if (s.after[i] !== s.before[id]) bad++; // exactly unchanged
          } else if (!close(s.after[i]!, s.before[id]! + beta * score[id]!)) bad++;
        }
        expect(zeros).toBeGreaterThan(250); // stories260K: byte, control and punctuation tokens have no surface
        expect(bad).toBe(0);
        // The pick is the largest biased logit, and generate() picks the same first token.
        let best = 0;
        for (let i = 1; i < s.after.length; i++) if (s.after[i]! > s.after[best]!) best = i;
        expect(s.selected).toBe(s.ids[best]);
      });
    }
  }

  it("the chain's pick is generate()'s first token (same options, same chain)", async () => {
    for (const beta of [0, 1, 8]) {
      const options: GenerateOptions = { personalization: { matrix: f32, user, beta, guardTopK: 3 } };
      const r = await model.generate(PROMPT, { ...options, maxTokens: 1 });
      expect(step(options).selected).toBe(r.tokens[0]);
    }
  });

  it('guardTopK: the survivors are exactly the candidates >= the k-th largest unbiased logit, then biased', () => {
    const beta = 4;
    const s = step({ personalization: { matrix: f32, user, beta, guardTopK: 7 } });
    const kth = Array.from(s.before).sort((a, b) => b - a)[6]!;
    const want = Array.from(s.before.keys()).filter((id) => s.before[id]! >= kth);
    expect(Array.from(s.ids).sort((a, b) => a - b)).toEqual(want);
    const { score } = expectedScores(f32.toArray(), f32.dims, user, 'neutral');
    for (let i = 0; i < s.ids.length; i++) expect(close(s.after[i]!, s.before[s.ids[i]!]! + beta * score[s.ids[i]!]!)).toBe(true);
  });

  it('beta = 0 with guardMinP is the guard only: the survivors keep their exact logits', () => {
    const s = step({ personalization: { matrix: f32, user, beta: 0, guardMinP: 0.05 } });
    expect(s.stages).toEqual(['persona-bias', 'greedy']);
    const max = Math.max(...s.before);
    const want = Array.from(s.before.keys()).filter((id) => s.before[id]! >= Math.fround(max + Math.fround(Math.log(Math.fround(0.05)))));
    expect(Array.from(s.ids).sort((a, b) => a - b)).toEqual(want);
    expect(want.length).toBeLessThan(model.vocabSize);
    for (let i = 0; i < s.ids.length; i++) expect(s.after[i]).toBe(s.before[s.ids[i]!]);
  });

  it('beta = 0 without a guard: the chain has no personalization stage at all', () => {
    const s = step({ personalization: { matrix: f32, user, beta: 0 } });
    expect(s.stages).toEqual(['greedy']);
    expect(Array.from(s.after)).toEqual(Array.from(s.before));
  });

  it('the bias is added before the temperature: sampled candidates carry (logit + beta * score) / T', () => {
    const beta = 3;
    const T = 0.7;
    const s = step({ temperature: T, topK: 30, topP: 1, minP: 0, seed: 5, personalization: { matrix: f32, user, beta } });
    expect(s.stages).toEqual(['persona-bias', 'top-k', 'temp', 'dist']);
    expect(s.ids.length).toBe(30);
    const { score } = expectedScores(f32.toArray(), f32.dims, user, 'neutral');
    const biased = Array.from(s.before, (l, id) => l + beta * score[id]!);
    const kth = [...biased].sort((a, b) => b - a)[29]!;
    for (let i = 0; i < s.ids.length; i++) {
      const id = s.ids[i]!;
      expect(biased[id]! >= kth - 1e-4).toBe(true); // top-k of the biased logits
      expect(close(s.after[i]!, biased[id]! / T)).toBe(true);
    }
  });
});
