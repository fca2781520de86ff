/**
 * `persona-gen score` end to end on long texts: pairs/s of the whole command (start, reading,
 * ROUGE-1/2/L/Lsum and METEOR of every pair, the bootstrap, the JSON summary) on the State of
 * the Union pairs (`long-texts.ts`), for the serial path (`--threads 1`), the worker-thread
 * path (`--threads N`, N = available parallelism) and, when given, another build of the
 * package (`--score-baseline DIR`: a checkout whose `dist/cli.js` is built, e.g. the release
 * before this change), alternating the variants in one run. Every variant must print the same
 * JSON (apart from the file name), to the last digit, or the section fails.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { alternate, benchStat, pairedRatio, type BenchStat } from './stats.js';

/** The section's result. */
export interface ScoreCommandBenchResult {
  file: string;
  pairs: number;
  threads: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  /** pairs/s of each variant: `serial`, `parallel`, and `baseline` when a baseline build was given. */
  pairsPerSec: Record<string, BenchStat>;
  /** parallel over serial, and (when measured) parallel over baseline, pair by pair. */
  ratios: Record<string, BenchStat>;
  /** The baseline build's folder, or null. */
  baseline: string | null;
  /** True when every variant printed the same summary. */
  identicalOutput: true;
}

function runScore(cli: string, file: string, extra: readonly string[], nltkData: string | undefined): { ms: number; json: string } {
  const args = [cli, 'score', file, '--json', ...extra];
  if (nltkData !== undefined) args.push('--nltk-data', nltkData);
  const t0 = performance.now();
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - t0;
  if (child.status !== 0) throw new Error(`${cli} score exited with ${child.status}: ${child.stderr.trim().split('\n').pop()}`);
  const summary = JSON.parse(child.stdout) as Record<string, unknown>;
  delete summary.file;
  return { ms, json: JSON.stringify(summary) };
}

/** Times the score command on `file` (`pairs` rows), `runs` rounds after a warm-up. */
export async function scoreCommandBench(o: {
  file: string;
  pairs: number;
  runs: number;
  nltkData: string | undefined;
  repoRoot: string;
  baselineRoot?: string;
  log: (line: string) => void;
}): Promise<ScoreCommandBenchResult> {
  const threads = availableParallelism();
  const ours = path.join(o.repoRoot, 'dist', 'cli.js');
  const outputs = new Map<string, string>();
  const variant = (name: string, cli: string, extra: string[]) => ({
    name,
    run: async () => {
      const r = runScore(cli, o.file, extra, o.nltkData);
      outputs.set(name, r.json);
      return { pairsPerSec: (o.pairs / r.ms) * 1000 };
    },
  });
  const variants = [variant('serial', ours, ['--threads', '1']), variant('parallel', ours, ['--threads', String(threads)])];
  if (o.baselineRoot !== undefined) variants.push(variant('baseline', path.join(o.baselineRoot, 'dist', 'cli.js'), []));
  const loadAverageBefore = loadavg();
  const runs = await alternate(variants, o.runs, (v, round, f) => o.log(`  ${v} round ${round + 1}: ${f.pairsPerSec.toFixed(0)} pairs/s`));
  const loadAverageAfter = loadavg();
  const first = outputs.get('serial')!;
  for (const [name, json] of outputs) {
    if (json !== first) throw new Error(`the ${name} score output differs from the serial one:\n${json}\n${first}`);
  }
  const pairsPerSec: Record<string, BenchStat> = {};
  for (const v of variants) pairsPerSec[v.name] = benchStat(runs[v.name]!.pairsPerSec);
  const ratios: Record<string, BenchStat> = { 'parallel / serial': pairedRatio(runs.parallel!.pairsPerSec, runs.serial!.pairsPerSec) };
  if (runs.baseline) ratios['parallel / baseline'] = pairedRatio(runs.parallel!.pairsPerSec, runs.baseline.pairsPerSec);
  return {
    file: o.file,
    pairs: o.pairs,
    threads,
    loadAverageBefore,
    loadAverageAfter,
    pairsPerSec,
    ratios,
    baseline: o.baselineRoot ?? null,
    identicalOutput: true,
  };
}
