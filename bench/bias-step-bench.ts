/**
 * The per-step cost of the bias: personalized / plain decode speed on a model so small that
 * the sampler's work over the vocabulary is a visible part of each step (the Qwen2 vocabulary,
 * 151,936 tokens, on 2 layers of n_embd 256, f16). One sequence through `generate()` (the
 * generation benchmark's measurement), and, with the batch engine, `batchParallel` sequences
 * through `generateMany()`, each with its own user vector.
 * @module
 */
import { loadModel } from '../dist/model.js';
import { aggregateMany, distinctPrompts, randomMatrix } from './batch-bench.js';
import { generationBench, type GenerationBenchResult } from './generation-bench.js';
import type { BenchModel, BenchRequest } from './library.js';
import type { BenchModelFile } from './models.js';
import { alternate, benchStat, pairedRatio, quietMachine, randomVector, type BenchStat } from './stats.js';

/** Settings of {@link biasStepBench}. */
export interface BiasStepOptions {
  threads: number;
  runs: number;
  promptTokens: number;
  genTokens: number;
  batchParallel: number;
  matrixDims: number;
  beta: number;
  guardTopK: number;
  log: (line: string) => void;
}

/** The figures. */
export interface BiasStepResult {
  model: string;
  quant: string;
  vocabSize: number;
  /** One sequence: the generation benchmark's plain / personalized figures. */
  single: GenerationBenchResult;
  /** Batched: aggregate decode tokens/s plain and personalized, and their ratio (null without the engine). */
  batched: { parallel: number; plain: BenchStat; personalized: BenchStat; ratio: BenchStat } | null;
}

/** Measures `file` (see the module comment). */
export async function biasStepBench(file: BenchModelFile, o: BiasStepOptions): Promise<BiasStepResult> {
  const single = await generationBench(file, {
    threads: o.threads,
    runs: o.runs,
    promptTokens: o.promptTokens,
    genTokens: o.genTokens,
    contextSize: 1024,
    batchSize: 512,
    matrixDims: o.matrixDims,
    beta: o.beta,
    guardTopK: o.guardTopK,
    compare: false,
    log: o.log,
  });
  const perSeq = o.promptTokens + o.genTokens + 8;
  const model = (await loadModel(file.path, {
    threads: o.threads,
    contextSize: Math.max(512, perSeq),
    batchSize: 512,
    parallel: o.batchParallel,
  } as Parameters<typeof loadModel>[1])) as unknown as BenchModel;
  let batched: BiasStepResult['batched'] = null;
  try {
    if (typeof model.generateMany === 'function') {
      const matrix = await randomMatrix(model.vocabSize, o.matrixDims);
      try {
        const plain: BenchRequest[] = distinctPrompts(model, o.batchParallel, o.promptTokens).map((prompt) => ({ prompt, temperature: 0 }));
        const personalized = plain.map((r, j) => ({
          ...r,
          personalization: { matrix, user: randomVector(o.matrixDims, 100 + j), beta: o.beta, guardTopK: o.guardTopK },
        }));
        const runs = await alternate(
          [
            { name: 'plain', run: async () => ({ agg: await aggregateMany(model, plain, o.batchParallel, o.genTokens) }) },
            { name: 'personalized', run: async () => ({ agg: await aggregateMany(model, personalized, o.batchParallel, o.genTokens) }) },
          ],
          o.runs,
          (name, round, f) => o.log(`  ${file.spec.name} batched x${o.batchParallel} round ${round + 1} ${name}: ${f.agg.toFixed(1)} tok/s`),
          () => quietMachine(),
        );
        batched = {
          parallel: o.batchParallel,
          plain: benchStat(runs.plain!.agg!),
          personalized: benchStat(runs.personalized!.agg!),
          ratio: pairedRatio(runs.personalized!.agg!, runs.plain!.agg!),
        };
      } finally {
        matrix.dispose();
      }
    }
  } finally {
    model.dispose();
  }
  return { model: file.spec.name, quant: file.quant, vocabSize: single.vocabSize, single, batched };
}
