/**
 * The benchmark models: GGUF files of real architectures' shapes (Qwen2.5-0.5B, a
 * Llama-3.2-1B-style model) with random weights and the real tokenizers, written by the
 * native `tools.writeSyntheticModel` and quantized with llama.cpp's `llama_model_quantize`.
 * Speed does not depend on weight values, so these stand in for the real models, which
 * cannot be downloaded everywhere. Files are cached outside the repository, in
 * `$PERSONA_GEN_CACHE/bench-models` (default `~/.cache/persona-gen/bench-models`).
 *
 * Run `node build-bench/models.js [--quick] [--model NAME] [--quant TYPE]` to build them ahead
 * of `npm run bench` (which builds what is missing itself).
 * @module
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeQuantType, NativeSyntheticModelSpec } from '../bindings/dev.js';
import { loadDevAddon, useDevAddon } from '../bindings/dev.js';
import { packageRoot } from '../bindings/index.js';

// The model writer and quantizer live in the development addon, which the whole process must then use.
useDevAddon();

/** A benchmark model: the architecture's hyperparameters (the writer's own spec fields) and the vocabulary GGUF it copies. */
export type BenchModelSpec = Pick<
  NativeSyntheticModelSpec,
  'arch' | 'layers' | 'embd' | 'heads' | 'kvHeads' | 'ffn' | 'contextLength'
> &
  Required<Pick<NativeSyntheticModelSpec, 'ropeFreqBase' | 'rmsEps'>> & {
    /** File-name stem and table label. */
    name: string;
    /** The real model whose shapes these are. */
    shapeOf: string;
    /** File name in llama.cpp's models/ folder. */
    vocabFile: string;
  };

/** Bumped whenever the writer's output changes, so that stale cached files are not reused. */
const WRITER_VERSION = 1;
const SEED = 1;

/** Qwen2.5-0.5B: 24 layers, n_embd 896, 14 heads / 2 KV heads, FFN 4864, vocabulary 151,936, tied embeddings. */
export const QWEN25_05B: BenchModelSpec = {
  name: 'qwen2.5-0.5b',
  shapeOf: 'Qwen2.5-0.5B',
  arch: 'qwen2',
  vocabFile: 'ggml-vocab-qwen2.gguf',
  layers: 24,
  embd: 896,
  heads: 14,
  kvHeads: 2,
  ffn: 4864,
  contextLength: 32768,
  ropeFreqBase: 1_000_000,
  rmsEps: 1e-6,
};

/** Llama-3.2-1B: 16 layers, n_embd 2048, 32 heads / 8 KV heads, FFN 8192, vocabulary 128,256, tied embeddings. */
export const LLAMA32_1B: BenchModelSpec = {
  name: 'llama-3.2-1b',
  shapeOf: 'Llama-3.2-1B',
  arch: 'llama',
  vocabFile: 'ggml-vocab-llama-bpe.gguf',
  layers: 16,
  embd: 2048,
  heads: 32,
  kvHeads: 8,
  ffn: 8192,
  contextLength: 131072,
  ropeFreqBase: 500_000,
  rmsEps: 1e-5,
};

/** A 2-layer model with the Qwen2 tokenizer (vocabulary 151,936) for the quick smoke run. */
export const TINY_QWEN: BenchModelSpec = {
  name: 'tiny-qwen2',
  shapeOf: 'none (2 layers, n_embd 64: smoke runs only)',
  arch: 'qwen2',
  vocabFile: 'ggml-vocab-qwen2.gguf',
  layers: 2,
  embd: 64,
  heads: 4,
  kvHeads: 2,
  ffn: 128,
  contextLength: 4096,
  ropeFreqBase: 1_000_000,
  rmsEps: 1e-6,
};

/**
 * The Qwen2 vocabulary (151,936 tokens) on a 2-layer, n_embd 256 body, used in f16: a model small
 * enough that the sampler's per-step cost (the bias over the vocabulary) shows in decode speed.
 */
export const QWEN_VOCAB_SMALL: BenchModelSpec = {
  name: 'qwen2-vocab-2l-256',
  shapeOf: 'none (Qwen2 vocabulary, 2 layers, n_embd 256: the per-step cost of sampling shows)',
  arch: 'qwen2',
  vocabFile: 'ggml-vocab-qwen2.gguf',
  layers: 2,
  embd: 256,
  heads: 4,
  kvHeads: 2,
  ffn: 1024,
  contextLength: 4096,
  ropeFreqBase: 1_000_000,
  rmsEps: 1e-6,
};

/** Every model the benchmark knows, by name. */
export const BENCH_MODELS: Record<string, BenchModelSpec> = {
  [QWEN25_05B.name]: QWEN25_05B,
  [LLAMA32_1B.name]: LLAMA32_1B,
  [TINY_QWEN.name]: TINY_QWEN,
  [QWEN_VOCAB_SMALL.name]: QWEN_VOCAB_SMALL,
};

/** Where the benchmark models are cached. */
export function benchModelDir(): string {
  const base =
    process.env.PERSONA_GEN_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'persona-gen');
  return path.join(base, 'bench-models');
}

/** The cached file of `spec` quantized as `quant`. */
export function benchModelPath(spec: BenchModelSpec, quant: NativeQuantType): string {
  return path.join(benchModelDir(), `${spec.name}-random-s${SEED}-v${WRITER_VERSION}.${quant}.gguf`);
}

/** The vocabulary GGUF of `spec` in the pinned llama.cpp tree (deps/llama.cpp/models). */
export function vocabPath(spec: BenchModelSpec): string {
  const p = path.join(packageRoot, 'deps', 'llama.cpp', 'models', spec.vocabFile);
  if (!existsSync(p)) {
    throw new Error(`${p} not found: the benchmark models take their tokenizer from the pinned llama.cpp tree (run \`npm run fetch-llama\`)`);
  }
  return p;
}

/** How a model file came to be (for the results). */
export interface BenchModelFile {
  path: string;
  spec: BenchModelSpec;
  quant: NativeQuantType;
  bytes: number;
  /** Whether it was built by this call (false: taken from the cache). */
  built: boolean;
  /** ms to write the F16 source and to quantize, when built now. */
  writeMs?: number;
  quantizeMs?: number;
}

/** The writer's spec for a benchmark model's shapes (the tests write the same shapes with it). */
export function writerSpec(spec: BenchModelSpec, vocab: string, outPath: string, seed?: number): NativeSyntheticModelSpec {
  const { name: _name, shapeOf: _shapeOf, vocabFile: _vocabFile, ...shapes } = spec;
  return { ...shapes, vocabPath: vocab, outPath, ...(seed !== undefined ? { seed } : {}) };
}

/**
 * Returns the cached model file of `spec` quantized as `quant`, writing and quantizing it
 * first when it is missing. The F16 source is removed once every quantization in `keepFor`
 * exists (it is 2 bytes per parameter).
 */
export async function ensureBenchModel(
  spec: BenchModelSpec,
  quant: NativeQuantType,
  options: { threads: number; keepFor?: readonly NativeQuantType[]; log?: (line: string) => void } = { threads: 2 },
): Promise<BenchModelFile> {
  const out = benchModelPath(spec, quant);
  if (existsSync(out)) return { path: out, spec, quant, bytes: statSync(out).size, built: false };
  mkdirSync(benchModelDir(), { recursive: true });
  const tools = loadDevAddon().tools;
  const f16 = benchModelPath(spec, 'f16');
  let writeMs: number | undefined;
  if (!existsSync(f16)) {
    options.log?.(`writing ${path.basename(f16)} (random weights, ${spec.shapeOf} shapes)...`);
    const s: NativeSyntheticModelSpec = {
      ...writerSpec(spec, vocabPath(spec), f16, SEED),
      name: `${spec.shapeOf} shapes, random weights (persona-gen benchmark)`,
    };
    writeMs = (await tools.writeSyntheticModel(s)).ms;
  }
  let quantizeMs: number | undefined;
  if (quant !== 'f16') {
    options.log?.(`quantizing to ${path.basename(out)}...`);
    quantizeMs = (await tools.quantizeModel(f16, out, quant, { threads: options.threads })).ms;
    const keepFor = options.keepFor ?? [];
    if (keepFor.every((q) => q === 'f16' || existsSync(benchModelPath(spec, q)))) rmSync(f16, { force: true });
  }
  return { path: out, spec, quant, bytes: statSync(out).size, built: true, writeMs, quantizeMs };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const pick = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const names = pick('--model')?.split(',') ?? (quick ? [TINY_QWEN.name] : [QWEN25_05B.name, LLAMA32_1B.name]);
  const quants = (pick('--quant')?.split(',') ?? ['q4_k_m', 'q8_0']) as NativeQuantType[];
  for (const name of names) {
    const spec = BENCH_MODELS[name];
    if (!spec) throw new Error(`--model: unknown model "${name}" (known: ${Object.keys(BENCH_MODELS).join(', ')})`);
    for (const q of quants) {
      const f = await ensureBenchModel(spec, q, { threads: 2, keepFor: quants, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${f.path} ${(f.bytes / 2 ** 20).toFixed(1)} MiB${f.built ? ' (built now)' : ' (cached)'}\n`);
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
