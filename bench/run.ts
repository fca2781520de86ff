/**
 * `npm run bench`: every benchmark of persona-gen in one run, printed as a table and written
 * to `bench/results.json`.
 *
 * Sections (`--only` picks some, comma-separated):
 * - `bandwidth`: memory copy bandwidth with 1 and N threads (the physical limit);
 * - `kernel`: the bias kernel's full-vocabulary pass, V = 32,000 / 151,936, d = 64 / 384 / 768,
 *   f32 and f16 rows, SIMD vs scalar;
 * - `decode`: prompt and decode tokens/s unpersonalized vs personalized on the benchmark
 *   models (random weights, real shapes), against the bandwidth bound;
 * - `compare`: the same model files through node-llama-cpp, plain and with `tokenBias`
 *   (adds those variants to the `decode` runs);
 * - `metrics`: ROUGE and METEOR pairs/s; `embed`: embedder sentences/s for batch 1, 8, 32;
 * - `memory`: peak RSS of a personalized generation and its growth over 100 calls;
 * - `batch`: the batch engine's aggregate decode tokens/s at `--parallel` 1..16 next to
 *   llama.cpp's `llama-batched-bench` (`npm run bench:anchors`), the serial reference (today's
 *   runner from `--baseline DIR`, else this build's generate()), personalized / plain in
 *   batched mode and the prompt tokens saved by shared prompts;
 * - `biasstep`: personalized / plain decode on the Qwen2 vocabulary with 2 layers, n_embd 256,
 *   f16 (the bias's per-step cost), one sequence and batched;
 * - `evalscale`: `eval` users/hour, today's serial runner vs `eval --parallel`, same data and model.
 *
 * Every figure is the median of `--runs` timed runs (default 5) after a warm-up, the
 * compared variants alternating; ratios are taken pair by pair.
 *
 * Options: `--quick` (a tiny model and small sizes: a smoke run of ~30 s), `--only LIST`,
 * `--runs N`, `--threads N` (default: available parallelism), `--models LIST`, `--quants LIST`,
 * `--gen-tokens N`, `--prompt-tokens N`, `--rss-calls N`, `--out FILE`, `--json`; for `batch`,
 * `biasstep` and `evalscale`: `--parallel LIST` (default 1,2,4,8,16), `--batch-gen-tokens N`
 * (default 64), `--baseline DIR` (a checkout built before the engine: today's runner),
 * `--library DIR` (the engine side from another built checkout instead of this build), `--anchor-kvu` (also llama-batched-bench with one unified KV buffer),
 * `--flash-attention on|off` (`batch`: both sides, default off as the engine's default; `evalscale`: the
 * new runner's, default the environment's PERSONA_GEN_FLASH_ATTENTION), `--eval-users N`,
 * `--eval-parallel N`. The default `--only` leaves out `batch`, `biasstep` and `evalscale`
 * (minutes each on 2 cores): ask for them by name.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeQuantType } from '../bindings/dev.js';
import { packageRoot } from '../bindings/index.js';
import { systemInfo } from '../dist/system-info.js';
import { embedBench, type EmbedBenchResult } from './embed-bench.js';
import type { Goal } from './goals.js';
import { generationBench, type GenerationBenchResult } from './generation-bench.js';
import { bandwidthBench, kernelBench, type BandwidthResult, type KernelResult } from './kernel-bench.js';
import { memoryBench, type MemoryBenchResult } from './memory-bench.js';
import { findAnchor } from './anchors.js';
import { batchGoals, renderBatchSections } from './batch-report.js';
import { batchBench, type BatchBenchResult } from './batch-bench.js';
import { biasStepBench, type BiasStepResult } from './bias-step-bench.js';
import { evalBench, type EvalBenchResult } from './eval-bench.js';
import { importLibrary } from './library.js';
import { ROUGE_PYTHON_NOTE } from './metrics-bench.js';
import { metricsSection, type MetricsSectionResult } from './metrics-section.js';
import type { ScoreCommandBenchResult } from './score-command-bench.js';
import { BENCH_MODELS, ensureBenchModel, QWEN_VOCAB_SMALL, TINY_QWEN, type BenchModelFile } from './models.js';
import { renderSection, type Row } from './table.js';

/** Section names of `--only`. */
export const SECTIONS = ['bandwidth', 'kernel', 'decode', 'compare', 'metrics', 'embed', 'memory', 'batch', 'biasstep', 'evalscale'] as const;
/** Sections that run only when `--only` names them. */
const ON_REQUEST: readonly Section[] = ['batch', 'biasstep', 'evalscale'];
/** One section. */
export type Section = (typeof SECTIONS)[number];

/** Settings of one benchmark run (from the command line). */
export interface BenchSettings {
  quick: boolean;
  sections: Section[];
  runs: number;
  threads: number;
  models: string[];
  quants: NativeQuantType[];
  genTokens: number;
  promptTokens: number;
  rssCalls: number;
  out: string;
  json: boolean;
  parallel: number[];
  batchGenTokens: number;
  baseline: string | null;
  library: string | null;
  anchorUnified: boolean;
  /** `batch`: flash attention on both sides (the engine's `flashAttention`, llama-batched-bench's `-fa`); default off, the engine's default. */
  flashAttention: boolean;
  /** Whether `--flash-attention` was given (`evalscale` then sets the new runner's; else the environment's). */
  flashAttentionGiven: boolean;
  evalUsers: number;
  evalParallel: number | null;
}

export type { Goal } from './goals.js';

/** The whole report (written as JSON). */
export interface BenchReport {
  date: string;
  settings: Omit<BenchSettings, 'json'>;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    platform: string;
    llamaRelease: string;
    simdPath: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  randomWeightModels: string;
  bandwidth: BandwidthResult[];
  kernel: KernelResult[];
  models: { name: string; quant: string; path: string; bytes: number; builtNow: boolean; writeMs?: number; quantizeMs?: number }[];
  generation: (GenerationBenchResult & { bound: { bandwidthGBps: number; tokensPerSec: number; fractionReached: number } | null })[];
  metrics: MetricsSectionResult | null;
  embed: EmbedBenchResult | null;
  memory: MemoryBenchResult | null;
  batch: BatchBenchResult[];
  biasStep: BiasStepResult | null;
  evalScale: EvalBenchResult | null;
  goals: Goal[];
  /** Sections that threw: the run goes on with the others, then exits non-zero. */
  failures: { section: Section; error: string }[];
  durationSec: number;
}

const QUANTS: readonly NativeQuantType[] = ['f16', 'q8_0', 'q6_k', 'q5_k_m', 'q4_k_m', 'q4_0'];

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} expects a positive integer, got "${value}"`);
  return n;
}

/** `on` / `off` of a flag (default off). */
function onOff(flag: string, value: string | undefined): boolean {
  if (value === undefined || value === 'off') return false;
  if (value === 'on') return true;
  throw new Error(`${flag} expects on or off, got "${value}"`);
}

/** Parses the command line (see the module comment). */
export function parseBenchArgs(argv: readonly string[]): BenchSettings {
  const flags = new Set(['--quick', '--json', '--anchor-kvu']);
  const known = new Set([
    ...flags, '--only', '--runs', '--threads', '--models', '--quants', '--gen-tokens', '--prompt-tokens', '--rss-calls', '--out',
    '--parallel', '--batch-gen-tokens', '--baseline', '--library', '--eval-users', '--eval-parallel', '--flash-attention',
  ]);
  const takesValue = new Set([...known].filter((k) => !flags.has(k)));
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!known.has(a)) throw new Error(`unknown option ${a} (known: ${[...known].join(', ')})`);
    if (takesValue.has(a)) {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      values.set(a, v);
      i++;
    } else values.set(a, '');
  }
  const quick = values.has('--quick');
  const sections = (values.get('--only')?.split(',') ?? SECTIONS.filter((x) => !ON_REQUEST.includes(x))).map((s) => s.trim());
  for (const s of sections) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (known: ${SECTIONS.join(', ')})`);
  }
  const models = values.get('--models')?.split(',') ?? (quick ? [TINY_QWEN.name] : ['qwen2.5-0.5b', 'llama-3.2-1b']);
  for (const m of models) {
    if (!BENCH_MODELS[m]) throw new Error(`--models: unknown model "${m}" (known: ${Object.keys(BENCH_MODELS).join(', ')})`);
  }
  const quants = (values.get('--quants')?.split(',') ?? (quick ? ['q8_0'] : ['q4_k_m', 'q8_0'])) as NativeQuantType[];
  for (const q of quants) if (!QUANTS.includes(q)) throw new Error(`--quants: unknown type "${q}" (known: ${QUANTS.join(', ')})`);
  return {
    quick,
    sections: sections as Section[],
    runs: positiveInt('--runs', values.get('--runs'), quick ? 2 : 5),
    threads: positiveInt('--threads', values.get('--threads'), Math.max(1, availableParallelism())),
    models,
    quants,
    genTokens: positiveInt('--gen-tokens', values.get('--gen-tokens'), quick ? 8 : 48),
    promptTokens: positiveInt('--prompt-tokens', values.get('--prompt-tokens'), quick ? 16 : 128),
    rssCalls: positiveInt('--rss-calls', values.get('--rss-calls'), quick ? 5 : 100),
    out: path.resolve(values.get('--out') ?? path.join(packageRoot, 'bench', 'results.json')),
    json: values.has('--json'),
    parallel: (values.get('--parallel') ?? (quick ? '1,2' : '1,2,4,8,16')).split(',').map((v) => positiveInt('--parallel', v.trim(), 1)),
    batchGenTokens: positiveInt('--batch-gen-tokens', values.get('--batch-gen-tokens'), quick ? 8 : 64),
    baseline: values.has('--baseline') ? path.resolve(values.get('--baseline')!) : null,
    library: values.has('--library') ? path.resolve(values.get('--library')!) : null,
    anchorUnified: values.has('--anchor-kvu'),
    evalUsers: positiveInt('--eval-users', values.get('--eval-users'), quick ? 2 : 6),
    evalParallel: values.has('--eval-parallel') ? positiveInt('--eval-parallel', values.get('--eval-parallel'), 1) : null,
    flashAttention: onOff('--flash-attention', values.get('--flash-attention')),
    flashAttentionGiven: values.has('--flash-attention'),
  };
}

/** Runs the selected sections and returns the report. */
export async function runBench(s: BenchSettings, log: (line: string) => void): Promise<BenchReport> {
  const t0 = performance.now();
  const info = systemInfo();
  const has = (x: Section) => s.sections.includes(x);
  const { json: _json, ...settings } = s;
  const report: BenchReport = {
    date: new Date().toISOString(),
    settings,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      llamaRelease: `${info.llamaRelease} (${info.llamaCommit.slice(0, 12)})`,
      simdPath: info.simdPath,
      loadAverageBefore: loadavg(),
      loadAverageAfter: [],
    },
    randomWeightModels:
      'Every generation and memory figure comes from GGUF models with random weights, real architecture shapes and real tokenizers (written by tools.writeSyntheticModel, quantized by llama_model_quantize); speed does not depend on weight values.',
    bandwidth: [],
    kernel: [],
    models: [],
    generation: [],
    metrics: null,
    embed: null,
    memory: null,
    batch: [],
    biasStep: null,
    evalScale: null,
    goals: [],
    failures: [],
    durationSec: 0,
  };
  // A section that throws is recorded and the others still run; main() then exits non-zero.
  const attempt = async (section: Section, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`FAILED: ${section}: ${error}`);
      report.failures.push({ section, error });
    }
  };
  if (report.machine.loadAverageBefore[0]! > s.threads * 0.5) {
    log(`note: the load average is ${report.machine.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')}: other work shares the CPUs, timings will be noisy`);
  }

  // Models first (building them is slow and must not overlap any measurement).
  const files: BenchModelFile[] = [];
  if (has('decode') || has('compare') || has('memory') || has('batch') || has('evalscale')) {
    for (const name of s.models) {
      for (const q of s.quants) {
        const f = await ensureBenchModel(BENCH_MODELS[name]!, q, { threads: s.threads, keepFor: s.quants, log });
        files.push(f);
        report.models.push({ name, quant: q, path: f.path, bytes: f.bytes, builtNow: f.built, writeMs: f.writeMs, quantizeMs: f.quantizeMs });
      }
    }
  }

  if (has('bandwidth') || has('kernel') || has('decode')) {
    log('bandwidth...');
    const counts = [...new Set([1, s.threads])];
    await attempt('bandwidth', async () => {
      report.bandwidth = await bandwidthBench({ bufferBytes: s.quick ? 64 * 2 ** 20 : 512 * 2 ** 20, runs: s.runs, threadCounts: counts });
    });
  }
  const bw1 = report.bandwidth.find((b) => b.threads === 1)?.gbps.median ?? null;
  const bwN = report.bandwidth.find((b) => b.threads === s.threads)?.gbps.median ?? null;

  if (has('kernel')) {
    log('bias kernel...');
    await attempt('kernel', async () => {
      report.kernel = await kernelBench({
        rows: s.quick ? [32_000] : [32_000, 151_936],
        dims: s.quick ? [64, 384] : [64, 384, 768],
        dtypes: ['f32', 'f16'],
        runs: s.runs,
        bandwidthGBps: bw1,
        log,
      });
    });
  }

  if (has('decode') || has('compare')) {
    for (const f of files) {
      log(`generation: ${f.spec.name} ${f.quant}...`);
      await attempt(has('compare') ? 'compare' : 'decode', async () => {
        const r = await generationBench(f, {
          threads: s.threads,
          runs: s.runs,
          promptTokens: s.promptTokens,
          genTokens: s.genTokens,
          contextSize: 1024,
          batchSize: 512,
          matrixDims: 384,
          beta: 2,
          guardTopK: 20,
          compare: has('compare'),
          log,
        });
        const bound =
          bwN === null
            ? null
            : {
                bandwidthGBps: bwN,
                tokensPerSec: (bwN * 1e9) / r.weightBytes,
                fractionReached: r.plain.decodeTps.median / ((bwN * 1e9) / r.weightBytes),
              };
        report.generation.push({ ...r, bound });
        if (has('compare') && r.nodeLlamaCpp.skipped) throw new Error(`node-llama-cpp did not run: ${r.nodeLlamaCpp.reason}`);
      });
    }
  }

  if (has('metrics')) {
    log('metrics...');
    await attempt('metrics', async () => {
      report.metrics = await metricsSection({ pairs: s.quick ? 200 : 2000, longPairs: s.quick ? 300 : 4000, runs: s.runs });
      if (report.metrics.skipped) throw new Error(report.metrics.reason);
    });
  }
  if (has('embed')) {
    log('embeddings...');
    await attempt('embed', async () => {
      report.embed = await embedBench({ batchSizes: [1, 8, 32], sentences: s.quick ? 32 : 256, wordsPerSentence: 16, dims: 384, runs: s.runs });
    });
  }
  if (has('memory')) {
    const f = files.find((x) => x.spec.name === 'qwen2.5-0.5b' && x.quant === 'q4_k_m') ?? files[0];
    if (f) {
      log(`memory (${s.rssCalls} calls)...`);
      await attempt('memory', async () => {
        report.memory = await memoryBench({
          label: `${f.spec.name} ${f.quant}`,
          model: f.path,
          threads: s.threads,
          contextSize: 1024,
          promptTokens: 16,
          genTokens: 8,
          matrixDims: 384,
          calls: s.rssCalls,
        });
      });
    }
  }

  const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
  if (has('batch')) {
    await attempt('batch', async () => {
      const library = await importLibrary(s.library);
      const serialLibrary = s.baseline === null ? library : await importLibrary(s.baseline);
      const anchor = findAnchor('llama-batched-bench');
      if (!anchor.ok) log(`note: ${anchor.reason}`);
      for (const f of files) {
        log(`batch: ${f.spec.name} ${f.quant} (load ${load()})...`);
        report.batch.push(
          await batchBench(f, {
            threads: s.threads, runs: s.runs, promptTokens: s.promptTokens, genTokens: s.batchGenTokens, parallel: s.parallel,
            library, serialLibrary, anchor, anchorUnified: s.anchorUnified, flashAttention: s.flashAttention, batchParallel: Math.min(8, Math.max(...s.parallel)),
            matrixDims: 384, beta: 2, guardTopK: 20, sharedUsers: s.quick ? 1 : 4, sharedSystems: s.quick ? 2 : 4,
            timeoutMs: 15 * 60_000, log,
          }),
        );
      }
    });
  }
  if (has('biasstep')) {
    await attempt('biasstep', async () => {
      const spec = s.quick ? TINY_QWEN : QWEN_VOCAB_SMALL;
      const f = await ensureBenchModel(spec, 'f16', { threads: s.threads, log });
      log(`bias per step: ${f.spec.name} f16 (load ${load()})...`);
      report.biasStep = await biasStepBench(f, {
        threads: s.threads, runs: s.runs, promptTokens: s.promptTokens, genTokens: s.quick ? 8 : 128, batchParallel: s.quick ? 2 : 8,
        matrixDims: 384, beta: 2, guardTopK: 20, log,
      });
    });
  }
  const evalModel = files.find((x) => x.spec.name === 'qwen2.5-0.5b' && x.quant === 'q4_k_m') ?? files[0];
  if (has('evalscale') && evalModel) {
    await attempt('evalscale', async () => {
      log(`eval users/hour: ${evalModel.spec.name} ${evalModel.quant} (load ${load()})...`);
      report.evalScale = await evalBench({
        model: evalModel.path, modelLabel: `${evalModel.spec.name} ${evalModel.quant}`, users: s.evalUsers, betas: [0.5, 1, 2],
        maxTokens: s.batchGenTokens, threads: s.threads, runs: s.runs, baselineRoot: s.baseline, parallel: s.evalParallel,
        flashAttention: s.flashAttentionGiven ? s.flashAttention : null, timeoutMs: 20 * 60_000, log,
      });
    });
  }

  for (const g of report.generation) {
    const v = g.personalizedOverPlain.decodeTps.median;
    report.goals.push({ name: `${g.model} ${g.quant}: personalized / plain decode`, target: '>= 0.98', value: v, met: v >= 0.98 });
    if (!g.nodeLlamaCpp.skipped) {
      const p = g.nodeLlamaCpp.oursPlainOverTheirs.decodeTps.median;
      report.goals.push({ name: `${g.model} ${g.quant}: persona-gen / node-llama-cpp plain decode`, target: '>= 1.0', value: p, met: p >= 1.0 });
      const b = g.nodeLlamaCpp.oursPersonalizedOverTheirTokenBias.decodeTps.median;
      report.goals.push({ name: `${g.model} ${g.quant}: persona-gen personalized / node-llama-cpp tokenBias decode`, target: '> 1.0 (well above)', value: b, met: b > 1.0 });
    }
  }
  report.goals.push(...batchGoals(report.batch, report.biasStep, report.evalScale));
  if (report.metrics && !report.metrics.skipped && report.metrics.meteorOverPython !== null) {
    const m = report.metrics.meteorOverPython;
    report.goals.push({ name: `METEOR pairs/s: ours / NLTK ${report.metrics.pythonReference.skipped ? '' : report.metrics.pythonReference.nltk}`, target: '>= 10', value: m, met: m >= 10 });
  }
  report.machine.loadAverageAfter = loadavg();
  report.durationSec = (performance.now() - t0) / 1000;
  return report;
}

const MiB = 2 ** 20;

function scoreCommandRows(sc: ScoreCommandBenchResult): Row[] {
  const note = `${sc.pairs} State of the Union pairs, load ${sc.loadAverageBefore[0]!.toFixed(2)}`;
  return [
    ...Object.entries(sc.pairsPerSec).map(([name, stat]) => ({ label: `score command, long texts: ${name}`, stat, unit: 'pairs/s', digits: 0, note })),
    ...Object.entries(sc.ratios).map(([name, stat]) => ({ label: `score command: ${name}`, stat, unit: 'x', digits: 2 })),
  ];
}

/** The report as text tables. */
export function renderReport(r: BenchReport): string {
  const parts: string[] = [];
  const m = r.machine;
  parts.push(
    `persona-gen benchmark, ${r.date}\n${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform}, node ${m.node}, ` +
      `llama.cpp ${m.llamaRelease}, bias kernel ${m.simdPath}, ${r.settings.threads} threads, ${r.settings.runs} runs per figure after a warm-up\n` +
      `load average before ${m.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')}, after ${m.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')}` +
      (r.settings.quick ? '\nQUICK smoke run: tiny sizes, the figures mean nothing' : '') +
      '\n',
  );
  if (r.bandwidth.length > 0) {
    parts.push(
      renderSection(
        'memory bandwidth (memcpy, read + written bytes)',
        r.bandwidth.map((b) => ({ label: `copy ${b.bufferBytes / MiB} MiB, ${b.threads} thread${b.threads > 1 ? 's' : ''}`, stat: b.gbps, unit: 'GB/s', digits: 1 })),
      ),
    );
  }
  if (r.kernel.length > 0) {
    const rows: Row[] = [];
    for (const k of r.kernel) {
      const label = `V=${k.rows} d=${k.dims} ${k.dtype} (${(k.matrixBytes / MiB).toFixed(0)} MiB)`;
      rows.push({ label: `${label} ${k.simdPath}`, stat: k.simdMs, unit: 'ms', digits: 2, note: `${k.simdGBps.median.toFixed(1)} GB/s${k.fractionOfBandwidth === null ? '' : `, ${(k.fractionOfBandwidth * 100).toFixed(0)}% of 1-thread copy`}` });
      rows.push({ label: `${label} scalar`, stat: k.scalarMs, unit: 'ms', digits: 2, note: `${k.scalarGBps.median.toFixed(1)} GB/s, SIMD ${k.speedup.median.toFixed(1)}x faster` });
    }
    parts.push(renderSection('bias kernel: one full-vocabulary pass dot(E_v, u), 1 thread', rows));
  }
  for (const g of r.generation) {
    const rows: Row[] = [
      { label: 'plain: decode', stat: g.plain.decodeTps, unit: 'tok/s' },
      { label: 'personalized: decode', stat: g.personalized.decodeTps, unit: 'tok/s' },
      { label: 'personalized / plain: decode', stat: g.personalizedOverPlain.decodeTps, unit: 'x', digits: 3, note: 'goal >= 0.98' },
      { label: 'plain: prompt', stat: g.plain.promptTps, unit: 'tok/s', digits: 1 },
      { label: 'personalized: prompt', stat: g.personalized.promptTps, unit: 'tok/s', digits: 1 },
      { label: 'personalized / plain: prompt', stat: g.personalizedOverPlain.promptTps, unit: 'x', digits: 3 },
      { label: 'plain: wall per call', stat: g.plain.wallMs, unit: 'ms', digits: 0 },
      { label: 'personalized: wall per call', stat: g.personalized.wallMs, unit: 'ms', digits: 0 },
    ];
    if (g.bound) {
      rows.push({
        label: 'bandwidth bound: decode',
        value: g.bound.tokensPerSec,
        unit: 'tok/s',
        note: `${(g.weightBytes / MiB).toFixed(0)} MiB weights per token at ${g.bound.bandwidthGBps.toFixed(1)} GB/s; plain reaches ${(g.bound.fractionReached * 100).toFixed(0)}%`,
      });
    }
    const n = g.nodeLlamaCpp;
    if (!n.skipped) {
      rows.push(
        { label: `node-llama-cpp ${n.version}: decode`, stat: n.plain.decodeTps, unit: 'tok/s', note: n.sameTokensAsOurs ? 'same tokens as persona-gen' : `first ${n.sameLeadingTokens} of ${g.genTokens} tokens as persona-gen` },
        { label: 'node-llama-cpp tokenBias: decode', stat: n.tokenBias.decodeTps, unit: 'tok/s', note: `per-step tokenBias of ${g.vocabSize} entries` },
        { label: 'node-llama-cpp: prompt', stat: n.plain.promptTps, unit: 'tok/s', digits: 1 },
        { label: 'node-llama-cpp: wall per call', stat: n.plain.wallMs, unit: 'ms', digits: 0 },
        { label: 'ours / theirs plain: decode', stat: n.oursPlainOverTheirs.decodeTps, unit: 'x', digits: 3, note: 'goal >= 1.0' },
        { label: 'ours / theirs plain: prompt', stat: n.oursPlainOverTheirs.promptTps, unit: 'x', digits: 3 },
        { label: 'ours personalized / theirs tokenBias: decode', stat: n.oursPersonalizedOverTheirTokenBias.decodeTps, unit: 'x', digits: 2 },
      );
    } else if (r.settings.sections.includes('compare')) {
      rows.push({ label: 'node-llama-cpp', value: 'skipped', note: n.reason });
    }
    parts.push(
      renderSection(
        `generation: ${g.model} ${g.quant} (${g.shapeOf} shapes, random weights), ${g.promptTokens} prompt + ${g.genTokens} generated tokens, ` +
          `matrix ${g.matrix.rows} x ${g.matrix.dims} beta ${g.matrix.beta} guardTopK ${g.matrix.guardTopK} (changed ${g.tokensChangedByBias}/${g.genTokens} tokens)`,
        rows,
      ),
    );
  }
  if (r.metrics) {
    parts.push(
      r.metrics.skipped
        ? renderSection('metrics', [{ label: 'skipped', value: '-', note: r.metrics.reason }])
        : renderSection(`metrics (${r.metrics.pairsPerRun} pairs per run)`, [
            { label: 'ROUGE 1/2/L/Lsum, no stemming', stat: r.metrics.rougeAllFourPairsPerSec, unit: 'pairs/s', digits: 0 },
            { label: 'ROUGE 1/2/L/Lsum, stemming', stat: r.metrics.rougeAllFourStemmedPairsPerSec, unit: 'pairs/s', digits: 0 },
            { label: 'METEOR', stat: r.metrics.meteorPairsPerSec, unit: 'pairs/s', digits: 0 },
            { label: 'METEOR time to first score', stat: r.metrics.meteorFirstScoreMs, unit: 'ms', digits: 0 },
            ...(r.metrics.pythonReference.skipped
              ? [{ label: 'METEOR in Python (NLTK)', value: '-', note: `skipped: ${r.metrics.pythonReference.reason}` }]
              : [
                  {
                    label: `METEOR, NLTK ${r.metrics.pythonReference.nltk}`,
                    stat: r.metrics.pythonReference.meteorPairsPerSec,
                    unit: 'pairs/s',
                    digits: 0,
                    note: `${r.metrics.pythonReference.python}; first score after ${r.metrics.pythonReference.firstScoreMs.toFixed(0)} ms`,
                  },
                  { label: 'METEOR: ours / NLTK', value: r.metrics.meteorOverPython, unit: 'x', digits: 1, note: 'goal >= 10' },
                ]),
            { label: 'ROUGE in Python (rouge_score)', value: '-', note: ROUGE_PYTHON_NOTE },
            ...scoreCommandRows(r.metrics.scoreCommand),
          ]),
    );
  }
  if (r.embed) {
    parts.push(
      renderSection(
        `embeddings: ${r.embed.model}, ${r.embed.sentences} sentences of ${r.embed.wordsPerSentence} words`,
        r.embed.byBatchSize.map((b) => ({ label: `batch ${b.batchSize}`, stat: b.sentencesPerSec, unit: 'sentences/s', digits: 0 })),
      ),
    );
  }
  if (r.memory) {
    const x = r.memory;
    parts.push(
      renderSection(`memory: ${x.model}, matrix ${x.matrixMiB.toFixed(0)} MiB, weights ${x.weightMiB.toFixed(0)} MiB, ${x.promptTokens} + ${x.genTokens} tokens per call`, [
        { label: 'RSS before generating', value: x.rssBeforeMiB, unit: 'MiB', digits: 0 },
        { label: 'peak RSS during a personalized generation', value: x.peakDuringGenerationMiB, unit: 'MiB', digits: 0 },
        { label: 'process peak before (load + matrix build)', value: x.processPeakMiB, unit: 'MiB', digits: 0 },
        { label: 'RSS after call 1', value: x.rssAfterFirstCallMiB, unit: 'MiB', digits: 0 },
        { label: `RSS after call ${x.calls}`, value: x.rssAfterLastCallMiB, unit: 'MiB', digits: 0 },
        { label: `growth over ${x.calls} calls`, value: x.growthMiB, unit: 'MiB', digits: 1, note: x.growthAfterTenthMiB === null ? '' : `${x.growthAfterTenthMiB.toFixed(1)} MiB from call 10 on` },
      ]),
    );
  }
  parts.push(...renderBatchSections(r.batch, r.biasStep, r.evalScale));
  if (r.goals.length > 0) {
    parts.push(
      renderSection(
        'goals',
        r.goals.map((g) => ({ label: g.name, value: g.value, unit: 'x', digits: 3, note: `${g.target}: ${g.met === null ? '?' : g.met ? 'met' : 'NOT met'}` })),
      ),
    );
  }
  if (r.failures.length > 0) {
    parts.push(renderSection('FAILED sections', r.failures.map((f) => ({ label: f.section, value: 'failed', note: f.error.split('\n')[0] }))));
  }
  parts.push(`${r.randomWeightModels}\nduration ${r.durationSec.toFixed(0)} s`);
  return parts.join('\n');
}

async function main(): Promise<void> {
  const s = parseBenchArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const report = await runBench(s, log);
  mkdirSync(path.dirname(s.out), { recursive: true });
  writeFileSync(s.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(s.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\nwritten to ${s.out}\n`);
  if (report.failures.length > 0) {
    process.stderr.write(`bench: ${report.failures.length} section(s) failed: ${report.failures.map((f) => f.section).join(', ')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
