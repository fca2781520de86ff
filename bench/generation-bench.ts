/**
 * Generation throughput: prompt and decode tokens/s of one model file, unpersonalized vs
 * personalized (beta > 0, a V x 384 vocabulary matrix, guard on), and optionally the same
 * file through node-llama-cpp, plain and with its per-step `tokenBias`. Same prompt tokens,
 * greedy, same threads, batch and context size; the variants run alternately.
 *
 * Figures, per variant:
 * - prompt tokens/s: prompt tokens / prompt ms (persona-gen: llama_decode of the prompt;
 *   node-llama-cpp: from the call to the first generated token);
 * - decode tokens/s: (n - 1) / ms from the first to the last generated token, n generated;
 * - wall ms: the whole call as the JavaScript caller sees it (persona-gen creates a fresh
 *   llama.cpp context per call; node-llama-cpp reuses one and clears its history).
 * @module
 */
import { loadModel, type Model } from '../dist/model.js';
import { VocabMatrix } from '../dist/vocab-matrix.js';
import type { BenchModelFile } from './models.js';
import { loadNodeLlamaCpp, type NlcRunner } from './node-llama-cpp-runner.js';
import { alternate, benchStat, pairedRatio, quietMachine, randomVector, type BenchStat, type Variant } from './stats.js';

/** Settings of {@link generationBench}. */
export interface GenerationBenchOptions {
  threads: number;
  runs: number;
  promptTokens: number;
  genTokens: number;
  contextSize: number;
  batchSize: number;
  matrixDims: number;
  beta: number;
  guardTopK: number;
  /** Also run node-llama-cpp on the same file. */
  compare: boolean;
  log: (line: string) => void;
}

type Figure = 'promptTps' | 'decodeTps' | 'wallMs';

/** Median/min/max of each figure of one variant. */
export type VariantFigures = Record<Figure, BenchStat>;

/** Ratios of one variant over another, pair by pair. */
export type VariantRatios = Record<Figure, BenchStat>;

/** The node-llama-cpp side, or why it was skipped. */
export type NodeLlamaCppFigures =
  | {
      skipped: false;
      version: string;
      plain: VariantFigures;
      tokenBias: VariantFigures;
      /** persona-gen plain over node-llama-cpp plain. */
      oursPlainOverTheirs: VariantRatios;
      /** persona-gen personalized over node-llama-cpp with the per-step tokenBias. */
      oursPersonalizedOverTheirTokenBias: VariantRatios;
      /** Whether both libraries' plain greedy runs produced the same tokens. */
      sameTokensAsOurs: boolean;
      /** How many leading tokens of the two plain greedy runs agree (random weights give near-tied logits, which tiny float differences between builds can flip). */
      sameLeadingTokens: number;
    }
  | { skipped: true; reason: string };

/** Everything measured on one model file. */
export interface GenerationBenchResult {
  model: string;
  shapeOf: string;
  quant: string;
  file: string;
  fileBytes: number;
  /** Bytes of weights llama.cpp reports (llama_model_size): read once per decoded token. */
  weightBytes: number;
  parameters: number;
  vocabSize: number;
  promptTokens: number;
  genTokens: number;
  threads: number;
  matrix: { rows: number; dims: number; dtype: 'f32'; beta: number; guardTopK: number };
  plain: VariantFigures;
  personalized: VariantFigures;
  /** personalized over plain, pair by pair. */
  personalizedOverPlain: VariantRatios;
  /** Of the generated tokens, how many the personalization changed (shows the bias is active). */
  tokensChangedByBias: number;
  nodeLlamaCpp: NodeLlamaCppFigures;
}

const PROMPT_TEXT =
  'The history of the city begins with a small settlement on the banks of the river, where traders from the north ' +
  'and the south met to exchange grain, salt, wool and news. Over the centuries the settlement grew into a market ' +
  'town, then into a walled city with a cathedral, a university and a busy harbour. Its people wrote letters, kept ' +
  'accounts, argued about taxes and told stories about the floods that came every spring. ';

/** Exactly `n` prompt tokens of English text (with the model's BOS token where it adds one). */
export function benchPrompt(model: Model, n: number): Int32Array {
  let text = PROMPT_TEXT;
  let toks = model.tokenize(text, { addSpecial: true });
  while (toks.length < n) {
    text += PROMPT_TEXT;
    toks = model.tokenize(text, { addSpecial: true });
  }
  return toks.slice(0, n);
}

function leadingAgreement(x: readonly number[], y: readonly number[]): number {
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

function summarize(runs: Record<Figure, number[]>): VariantFigures {
  return { promptTps: benchStat(runs.promptTps), decodeTps: benchStat(runs.decodeTps), wallMs: benchStat(runs.wallMs) };
}

function ratios(b: Record<Figure, number[]>, a: Record<Figure, number[]>): VariantRatios {
  return {
    promptTps: pairedRatio(b.promptTps, a.promptTps),
    decodeTps: pairedRatio(b.decodeTps, a.decodeTps),
    wallMs: pairedRatio(b.wallMs, a.wallMs),
  };
}

/** Measures one model file (see the module comment). */
export async function generationBench(file: BenchModelFile, o: GenerationBenchOptions): Promise<GenerationBenchResult> {
  const model = await loadModel(file.path, { threads: o.threads, contextSize: o.contextSize, batchSize: o.batchSize });
  let matrix: VocabMatrix | undefined;
  let runner: NlcRunner | undefined;
  try {
    const prompt = benchPrompt(model, o.promptTokens);
    const V = model.vocabSize;
    matrix = await VocabMatrix.fromArray(randomVector(V * o.matrixDims, 11), V, o.matrixDims);
    const user = randomVector(o.matrixDims, 13);
    const personalization = { matrix, user, beta: o.beta, guardTopK: o.guardTopK };
    const tokensOf: Record<string, Int32Array | number[]> = {};

    const ours = (name: string, personalized: boolean): Variant<Figure> => ({
      name,
      run: async () => {
        const t0 = performance.now();
        const r = await model.generate(prompt, {
          maxTokens: o.genTokens,
          temperature: 0,
          ...(personalized ? { personalization } : {}),
        });
        const wallMs = performance.now() - t0;
        if (r.tokens.length !== o.genTokens) {
          throw new Error(`${file.path}: generated ${r.tokens.length} tokens (${r.stopReason}), expected ${o.genTokens}`);
        }
        tokensOf[name] = r.tokens;
        return {
          promptTps: (prompt.length / r.timings.promptMs) * 1000,
          decodeTps: ((r.tokens.length - 1) / r.timings.decodeMs) * 1000,
          wallMs,
        };
      },
    });
    const variants: Variant<Figure>[] = [ours('plain', false), ours('personalized', true)];

    let nlcSkip: string | undefined;
    let nlcVersion = '';
    if (o.compare) {
      const loaded = await loadNodeLlamaCpp(file.path, { threads: o.threads, contextSize: o.contextSize, batchSize: o.batchSize });
      if (loaded.ok) {
        const r = loaded.runner;
        runner = r;
        nlcVersion = r.describe;
        // The same full-vocabulary bias: beta * dot(E_v, u) with u normalized, as the sampler adds it.
        const norm = Math.hypot(...user);
        const dots = matrix.dots(user.map((x) => x / norm));
        r.setBias(dots.map((d) => o.beta * d));
        const theirs = (name: string, biased: boolean): Variant<Figure> => ({
          name,
          run: async () => {
            const g = await r.generate(prompt, o.genTokens, biased);
            if (g.tokens.length !== o.genTokens) {
              throw new Error(`node-llama-cpp on ${file.path}: generated ${g.tokens.length} tokens, expected ${o.genTokens}`);
            }
            tokensOf[name] = g.tokens;
            return {
              promptTps: (prompt.length / g.promptMs) * 1000,
              decodeTps: ((g.tokens.length - 1) / g.decodeMs) * 1000,
              wallMs: g.wallMs,
            };
          },
        });
        variants.push(theirs('nlc-plain', false), theirs('nlc-tokenBias', true));
      } else {
        nlcSkip = loaded.reason;
        o.log(`  node-llama-cpp skipped: ${loaded.reason}`);
      }
    }

    const runs = await alternate(
      variants,
      o.runs,
      (name, round, f) =>
        o.log(
          `  ${file.spec.name} ${file.quant} round ${round + 1} ${name}: decode ${f.decodeTps.toFixed(2)} tok/s, ` +
            `prompt ${f.promptTps.toFixed(1)} tok/s, wall ${f.wallMs.toFixed(0)} ms`,
        ),
      () => quietMachine(),
    );
    const plain = runs.plain!;
    const personalized = runs.personalized!;
    const a = Array.from(tokensOf.plain!);
    const b = Array.from(tokensOf.personalized!);
    let nodeLlamaCpp: NodeLlamaCppFigures = { skipped: true, reason: nlcSkip ?? 'not requested' };
    if (runner) {
      nodeLlamaCpp = {
        skipped: false,
        version: nlcVersion,
        plain: summarize(runs['nlc-plain']!),
        tokenBias: summarize(runs['nlc-tokenBias']!),
        oursPlainOverTheirs: ratios(plain, runs['nlc-plain']!),
        oursPersonalizedOverTheirTokenBias: ratios(personalized, runs['nlc-tokenBias']!),
        sameTokensAsOurs: Array.from(tokensOf['nlc-plain']!).every((t, i) => t === a[i]),
        sameLeadingTokens: leadingAgreement(Array.from(tokensOf['nlc-plain']!), a),
      };
    }
    return {
      model: file.spec.name,
      shapeOf: file.spec.shapeOf,
      quant: file.quant,
      file: file.path,
      fileBytes: file.bytes,
      weightBytes: model.info.sizeBytes,
      parameters: model.info.parameters,
      vocabSize: V,
      promptTokens: prompt.length,
      genTokens: o.genTokens,
      threads: o.threads,
      matrix: { rows: V, dims: o.matrixDims, dtype: 'f32', beta: o.beta, guardTopK: o.guardTopK },
      plain: summarize(plain),
      personalized: summarize(personalized),
      personalizedOverPlain: ratios(personalized, plain),
      tokensChangedByBias: a.filter((t, i) => t !== b[i]).length,
      nodeLlamaCpp,
    };
  } finally {
    await runner?.dispose();
    matrix?.dispose();
    model.dispose();
  }
}
