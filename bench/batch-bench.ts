/**
 * The batch engine against llama.cpp's own `llama-batched-bench` (built from the same pinned
 * source, same model file, same threads, in the same run), and against today's serial
 * generation:
 *
 * - aggregate decode tokens/s at each parallelism P (P requests of `promptTokens` distinct
 *   prompt tokens and `genTokens` new tokens each, through `generateMany({ parallel: P })`),
 *   next to llama-batched-bench's S_TG t/s (`-npp promptTokens -ntg genTokens -npl P`);
 * - the serial reference: requests through `generate()` one after another (of this build, or
 *   of the `--baseline` build: today's runner), whose aggregate is the one-sequence speed;
 * - personalized / plain aggregate decode in batched mode (every request its own user vector);
 * - shared prompts: U users x S systems with one prompt per user (as `eval` runs them) against
 *   U x S distinct prompts: the prompt tokens the engine need not decode, and the time saved.
 *
 * Aggregate decode tokens/s of our side is measured as the difference of two calls with the
 * same requests: `genTokens` and 1 new token each (the second holds the prompts and the first
 * sampled token): sum(tokens - 1) / (T_gen - T_1). That is what S_TG measures (tokens of the
 * decode steps over their time), plus everything our engine does per step (sampling,
 * detokenizing, callbacks), and it needs nothing from the engine but its public API.
 * @module
 */
import { VocabMatrix } from '../dist/vocab-matrix.js';
import { runBatchedBench, type AnchorProgram } from './anchors.js';
import type { GenerationResult } from '../dist/generation-options.js';
import type { BenchLibrary, BenchModel, BenchRequest } from './library.js';
import type { BenchModelFile } from './models.js';
import { alternate, benchStat, pairedRatio, quietMachine, randomVector, type BenchStat, type Variant } from './stats.js';

/** Settings of {@link batchBench}. */
export interface BatchBenchOptions {
  threads: number;
  runs: number;
  promptTokens: number;
  genTokens: number;
  parallel: readonly number[];
  /** This build (must have generateMany for the engine figures) and the serial reference's library. */
  library: BenchLibrary;
  serialLibrary: BenchLibrary;
  anchor: AnchorProgram;
  /** Also run llama-batched-bench with one unified KV buffer (`-kvu`), as the engine uses. */
  anchorUnified: boolean;
  /** Flash attention on both sides: the engine's `flashAttention` and llama-batched-bench's `-fa on|off` (its own default is auto, on for the CPU). */
  flashAttention: boolean;
  /** Parallelism of the personalized / plain comparison and of the shared-prompt figure. */
  batchParallel: number;
  /** A V x d matrix source for personalization: d, beta and guard. */
  matrixDims: number;
  beta: number;
  guardTopK: number;
  /** Users x systems of the shared-prompt figure. */
  sharedUsers: number;
  sharedSystems: number;
  /** Each external program run is killed after this long. */
  timeoutMs: number;
  log: (line: string) => void;
}

/** One parallelism's figures. */
export interface BatchRow {
  parallel: number;
  /** Our aggregate decode tokens/s (null without the engine). */
  ours: BenchStat | null;
  /** llama-batched-bench's S_TG t/s (null when it could not run). */
  anchor: BenchStat | null;
  anchorUnified: BenchStat | null;
  /** ours / anchor, round by round. */
  oursOverAnchor: BenchStat | null;
  oursOverAnchorUnified: BenchStat | null;
  /** ours / the serial reference, round by round. */
  oursOverSerial: BenchStat | null;
}

/** Everything measured on one model file. */
export interface BatchBenchResult {
  model: string;
  shapeOf: string;
  quant: string;
  file: string;
  threads: number;
  promptTokens: number;
  genTokens: number;
  engine: { available: boolean; library: string };
  /** OMP_WAIT_POLICY of both sides (llama-batched-bench inherits it): \`passive\` keeps a shared, oversubscribed machine's OpenMP barriers from spinning. */
  ompWaitPolicy: string;
  /** Flash attention on both sides. */
  flashAttention: boolean;
  serial: { library: string; aggregate: BenchStat };
  anchor: { program: string | null; commit: string | null; skipped: string | null };
  rows: BatchRow[];
  /** Aggregate decode at the largest over the smallest parallelism (ours), round by round. */
  largestOverSmallest: { from: number; to: number; ratio: BenchStat } | null;
  personalized: { parallel: number; plain: BenchStat; personalized: BenchStat; ratio: BenchStat; matrix: string } | null;
  sharedPrompts: {
    users: number;
    systems: number;
    promptTokensPerRequest: number;
    /** Prompt tokens that need no decoding when each user's prompt is decoded once. */
    promptTokensSaved: number;
    /** Prompt tokens the engine reports it copied instead of decoding (engineStats), shared and distinct prompts. */
    reusedShared: BenchStat;
    reusedDistinct: BenchStat;
    promptTokensTotal: number;
    /** Wall ms of the prompt phase (1 new token per request), distinct vs shared prompts. */
    distinctMs: BenchStat;
    sharedMs: BenchStat;
    sharedOverDistinct: BenchStat;
  } | null;
}

/** Words that start the prompts, so that no two distinct prompts share a prefix beyond BOS. */
const OPENERS = [
  'Anna', 'Boris', 'Chen', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kwame', 'Lucia', 'Mateo', 'Nadia', 'Omar', 'Priya',
  'Quentin', 'Rosa', 'Sven', 'Tariq', 'Ulla', 'Viktor', 'Wen', 'Ximena', 'Yusuf', 'Zora', 'Aiko', 'Bruno', 'Carmen', 'Dario', 'Emeka', 'Fiona',
];

const STORY =
  ' wrote about the history of the city, which begins with a small settlement on the banks of the river, where traders from the north ' +
  'and the south met to exchange grain, salt, wool and news. Over the centuries the settlement grew into a market town, then into a ' +
  'walled city with a cathedral, a university and a busy harbour. Its people wrote letters, kept accounts, argued about taxes and told ' +
  'stories about the floods that came every spring. ';

/** `count` prompts of exactly `n` tokens that differ from their first word on. */
export function distinctPrompts(model: Pick<BenchModel, 'tokenize'>, count: number, n: number): Int32Array[] {
  if (count > OPENERS.length) throw new RangeError(`distinctPrompts: at most ${OPENERS.length} prompts, asked for ${count}`);
  return OPENERS.slice(0, count).map((name) => {
    let text = name + STORY;
    let toks = model.tokenize(text, { addSpecial: true });
    while (toks.length < n) {
      text += STORY;
      toks = model.tokenize(text, { addSpecial: true });
    }
    return toks.slice(0, n);
  });
}

/** The benchmarks' V x d personalization matrix: random rows (seed 11), f32. */
export function randomMatrix(rows: number, dims: number): Promise<VocabMatrix> {
  return VocabMatrix.fromArray(randomVector(rows * dims, 11), rows, dims);
}

/** Wall ms of one generateMany call (the prefix figures: the prompt phase of requests with maxTokens 1). */
async function timeMany(model: BenchModel, requests: readonly BenchRequest[], parallel: number): Promise<{ ms: number }> {
  const t0 = performance.now();
  await model.generateMany!(requests, { parallel });
  return { ms: performance.now() - t0 };
}

/**
 * Aggregate decode tokens/s of one call's results, as llama-batched-bench's S_TG: the tokens
 * after each sequence's first over the decode phase, from the first sequence's first token to
 * the last sequence's end. Each result's `promptMs` runs from its request's submission (all
 * requests of a call are submitted together) to its first token and `decodeMs` from there to its
 * end, so the phase is max(promptMs + decodeMs) - min(promptMs). The prompt step is left out on
 * both sides.
 */
export function decodePhaseRate(results: readonly GenerationResult[]): number {
  const tokens = results.reduce((s, r) => s + Math.max(0, r.tokens.length - 1), 0);
  const start = Math.min(...results.map((r) => r.timings.promptMs));
  const end = Math.max(...results.map((r) => r.timings.promptMs + r.timings.decodeMs));
  return (tokens / Math.max(1e-3, end - start)) * 1000;
}

/** Aggregate decode tokens/s of `requests` run together with `genTokens` new tokens each (see {@link decodePhaseRate}). */
export async function aggregateMany(model: BenchModel, requests: readonly BenchRequest[], parallel: number, genTokens: number): Promise<number> {
  return decodePhaseRate(await model.generateMany!(requests.map((r) => ({ ...r, maxTokens: genTokens })), { parallel }));
}

/** The same through generate() one request after another: all their tokens after the first over all their decode phases. */
async function aggregateSerial(model: BenchModel, prompts: readonly Int32Array[], genTokens: number): Promise<number> {
  let ms = 0;
  let tokens = 0;
  for (const p of prompts) {
    const r = await model.generate(p, { maxTokens: genTokens, temperature: 0 });
    tokens += r.tokens.length - 1;
    ms += r.timings.decodeMs;
  }
  return (tokens / Math.max(1e-3, ms)) * 1000;
}

type Figures = Record<string, number>;

/** Measures one model file (see the module comment). */
export async function batchBench(file: BenchModelFile, o: BatchBenchOptions): Promise<BatchBenchResult> {
  const maxP = Math.max(...o.parallel, o.batchParallel, o.sharedUsers * o.sharedSystems);
  const perSeq = o.promptTokens + o.genTokens + 8;
  // The engine's context holds perSeq cells for each of its maxP sequences; llama-batched-bench
  // gets the same total.
  const contextSize = maxP * perSeq;
  // perSeq cells per sequence stream on both sides: attention runs over a stream's used cells
  // rounded up to 256 but never past the stream's size, so more cells would cost the engine
  // work llama-batched-bench does not do. Steps of up to 2048 tokens (computed in passes of
  // 512), as llama-batched-bench's -b 2048 -ub 512: all prompts of a call are read in one step,
  // so every sequence starts generating in the same step as there.
  // No shared prompts for the decode figures: a slot keeps a finished request's prompt, so the
  // next round's prompts would be copied instead of read. The prefix figures load models of their own.
  const batchSize = Math.min(2048, perSeq * maxP);
  const loadOptions = {
    threads: o.threads, contextSize: perSeq, batchSize, parallel: maxP, flashAttention: o.flashAttention, sharePrompts: false,
  };
  const model = await o.library.loadModel(file.path, loadOptions);
  const serialModel = o.serialLibrary === o.library ? model : await o.serialLibrary.loadModel(file.path, { threads: o.threads, contextSize: perSeq, batchSize: Math.min(batchSize, perSeq) });
  let matrix: VocabMatrix | undefined;
  try {
    const engine = typeof model.generateMany === 'function';
    const prompts = distinctPrompts(model, Math.max(maxP, 2), o.promptTokens);
    const plainRequests = (n: number): BenchRequest[] => prompts.slice(0, n).map((prompt) => ({ prompt, temperature: 0 }));
    const variants: Variant<string>[] = [];
    const label = `${file.spec.name} ${file.quant}`;
    let anchorSkipped: string | null = o.anchor.ok ? null : o.anchor.reason;

    variants.push({
      name: 'serial',
      run: async () => ({ agg: await aggregateSerial(serialModel, prompts.slice(0, 2), o.genTokens) }),
    });
    if (o.anchor.ok) {
      const program = o.anchor.path;
      const anchorRun = (unified: boolean) => async (): Promise<Figures> => {
        const rows = await runBatchedBench({
          program, model: file.path, threads: o.threads, promptTokens: o.promptTokens, genTokens: o.genTokens,
          parallel: o.parallel, contextSize, kvUnified: unified, flashAttention: o.flashAttention, timeoutMs: o.timeoutMs,
        });
        return Object.fromEntries(rows.map((r) => [`p${r.pl}`, r.speedTg]));
      };
      variants.push({ name: 'anchor', run: anchorRun(false) });
      if (o.anchorUnified) variants.push({ name: 'anchor-kvu', run: anchorRun(true) });
    }
    if (engine) {
      variants.push({
        name: 'engine',
        run: async () => {
          const f: Figures = {};
          for (const p of o.parallel) f[`p${p}`] = await aggregateMany(model, plainRequests(p), p, o.genTokens);
          return f;
        },
      });
      matrix = await randomMatrix(model.vocabSize, o.matrixDims);
      const m = matrix;
      const personalized = plainRequests(o.batchParallel).map((r, j) => ({
        ...r,
        personalization: { matrix: m, user: randomVector(o.matrixDims, 100 + j), beta: o.beta, guardTopK: o.guardTopK },
      }));
      variants.push(
        { name: 'batch-plain', run: async () => ({ agg: await aggregateMany(model, plainRequests(o.batchParallel), o.batchParallel, o.genTokens) }) },
        { name: 'batch-personalized', run: async () => ({ agg: await aggregateMany(model, personalized, o.batchParallel, o.genTokens) }) },
      );
      // Their bias scores (one dot product per vocabulary row and user, cached by the matrix)
      // computed before the timed rounds: otherwise the first round's 64-token call alone pays
      // for them, and its sequences, joining as their scores arrive, start in different steps.
      await model.generateMany!(personalized.map((r) => ({ ...r, maxTokens: 1 })), { parallel: o.batchParallel });
      // Shared prompts as eval sends them: per user the baseline, then S - 1 betas, one prompt.
      const n = o.sharedUsers * o.sharedSystems;
      const sysReq = (prompt: Int32Array, u: number, s: number): BenchRequest => ({
        prompt,
        temperature: 0,
        maxTokens: 1,
        ...(s === 0 ? {} : { personalization: { matrix: m, user: randomVector(o.matrixDims, 200 + u), beta: s * 0.5, guardTopK: o.guardTopK } }),
      });
      const shared: BenchRequest[] = [];
      const distinct: BenchRequest[] = [];
      for (let u = 0; u < o.sharedUsers; u++) {
        for (let s = 0; s < o.sharedSystems; s++) {
          shared.push(sysReq(prompts[u]!, u, s));
          distinct.push(sysReq(prompts[u * o.sharedSystems + s]!, u, s));
        }
      }
      // The engine's own count of the prompt tokens it copied instead of decoding, on a model of
      // its own (finished sequences' slots keep their cells: an earlier round's prompts must not
      // be found there).
      const reusedDuring = async (requests: BenchRequest[]): Promise<Figures> => {
        const fresh = await o.library.loadModel(file.path, { ...loadOptions, sharePrompts: true });
        try {
          // Context set up with tokens no measured prompt starts with (they all start with BOS),
          // so the slot it leaves holds nothing they could reuse.
          await fresh.generateMany!([{ prompt: prompts[0]!.subarray(1, 9), maxTokens: 2, temperature: 0 }], { parallel: 1 });
          const before = fresh.engineStats?.().promptTokensReused ?? NaN;
          const { ms } = await timeMany(fresh, requests, n);
          return { ms, reused: (fresh.engineStats?.().promptTokensReused ?? NaN) - before };
        } finally {
          fresh.dispose();
        }
      };
      variants.push(
        { name: 'prefix-distinct', run: () => reusedDuring(distinct) },
        { name: 'prefix-shared', run: () => reusedDuring(shared) },
      );
    }

    // Warm-up: thread teams started, weights paged in (llama-batched-bench warms up itself).
    if (engine) await model.generateMany!(plainRequests(2).map((r) => ({ ...r, maxTokens: 4 })), { parallel: 2 });
    await serialModel.generate(prompts[0]!, { maxTokens: 4 });
    const runs = await alternate(
      variants,
      o.runs,
      (name, round, f) =>
        o.log(`  ${label} round ${round + 1} ${name}: ${Object.entries(f).map(([k, v]) => `${k} ${v.toFixed(k === 'ms' ? 0 : 1)}`).join(', ')}`),
      () => quietMachine(),
      false,
    ).catch((err: unknown) => {
      throw err instanceof Error ? new Error(`${label}: ${err.message}`) : err;
    });

    const serial = runs.serial!.agg!;
    const stat = (v: string, k: string) => (runs[v]?.[k] ? benchStat(runs[v]![k]!) : null);
    const ratio = (a: string, ka: string, b: string, kb: string) =>
      runs[a]?.[ka] && runs[b]?.[kb] ? pairedRatio(runs[a]![ka]!, runs[b]![kb]!) : null;
    if (o.anchor.ok && !runs.anchor) anchorSkipped = 'no run finished';
    const rows: BatchRow[] = o.parallel.map((p) => ({
      parallel: p,
      ours: stat('engine', `p${p}`),
      anchor: stat('anchor', `p${p}`),
      anchorUnified: stat('anchor-kvu', `p${p}`),
      oursOverAnchor: ratio('engine', `p${p}`, 'anchor', `p${p}`),
      oursOverAnchorUnified: ratio('engine', `p${p}`, 'anchor-kvu', `p${p}`),
      oursOverSerial: engine ? pairedRatio(runs.engine![`p${p}`]!, serial) : null,
    }));
    const lo = Math.min(...o.parallel);
    const hi = Math.max(...o.parallel);
    const n = o.sharedUsers * o.sharedSystems;
    return {
      model: file.spec.name,
      shapeOf: file.spec.shapeOf,
      quant: file.quant,
      file: file.path,
      threads: o.threads,
      promptTokens: o.promptTokens,
      genTokens: o.genTokens,
      engine: { available: engine, library: o.library.label },
      ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? 'default',
      flashAttention: o.flashAttention,
      serial: { library: o.serialLibrary.label, aggregate: benchStat(serial) },
      anchor: { program: o.anchor.ok ? o.anchor.path : null, commit: o.anchor.ok ? o.anchor.commit : null, skipped: anchorSkipped },
      rows,
      largestOverSmallest: engine && hi > lo ? { from: lo, to: hi, ratio: ratio('engine', `p${hi}`, 'engine', `p${lo}`)! } : null,
      personalized: engine
        ? {
            parallel: o.batchParallel,
            plain: stat('batch-plain', 'agg')!,
            personalized: stat('batch-personalized', 'agg')!,
            ratio: ratio('batch-personalized', 'agg', 'batch-plain', 'agg')!,
            matrix: `${model.vocabSize} x ${o.matrixDims} f32, beta ${o.beta}, guardTopK ${o.guardTopK}, one user vector per request`,
          }
        : null,
      sharedPrompts: engine
        ? {
            users: o.sharedUsers,
            systems: o.sharedSystems,
            promptTokensPerRequest: o.promptTokens,
            promptTokensSaved: o.sharedUsers * (o.sharedSystems - 1) * o.promptTokens,
            reusedShared: stat('prefix-shared', 'reused')!,
            reusedDistinct: stat('prefix-distinct', 'reused')!,
            promptTokensTotal: n * o.promptTokens,
            distinctMs: stat('prefix-distinct', 'ms')!,
            sharedMs: stat('prefix-shared', 'ms')!,
            sharedOverDistinct: ratio('prefix-shared', 'ms', 'prefix-distinct', 'ms')!,
          }
        : null,
    };
  } finally {
    matrix?.dispose();
    if (serialModel !== model) serialModel.dispose();
    model.dispose();
  }
}
