/**
 * Metrics throughput for the combined benchmark: runs `metrics-bench.js --json` (ROUGE and
 * METEOR pairs/s on the shared dev fixture) in a child process and returns its report.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PythonReference } from './metrics-bench.js';
import type { ScoreCommandBenchResult } from './score-command-bench.js';
import type { BenchStat } from './stats.js';

/** The report of metrics-bench.js, or why it was skipped. */
export type MetricsSectionResult =
  | {
      skipped: false;
      fixture: string;
      pairsPerRun: number;
      runs: number;
      rougeAllFourPairsPerSec: BenchStat;
      rougeAllFourStemmedPairsPerSec: BenchStat;
      meteorPairsPerSec: BenchStat;
      meteorFirstScoreMs: BenchStat;
      /** NLTK's METEOR in Python on the same fixture, when a Python with NLTK was found. */
      pythonReference: PythonReference;
      /** Our METEOR pairs/s over NLTK's (medians), or null when NLTK was not measured. */
      meteorOverPython: number | null;
      /** `persona-gen score` end to end on long texts, serial vs worker threads. */
      scoreCommand: ScoreCommandBenchResult;
    }
  | { skipped: true; reason: string };

const here = path.dirname(fileURLToPath(import.meta.url));

/** The default fixture: ../shared/fixtures/metrics-dev.jsonl beside the repository. */
export function defaultMetricsFixture(): string {
  return path.resolve(here, '../../shared/fixtures/metrics-dev.jsonl');
}

/** Runs the metrics benchmark with `pairs` pairs per run (`longPairs` long-text pairs for the score command) and `runs` timed runs. */
export async function metricsSection(o: { pairs: number; longPairs: number; runs: number; fixture?: string }): Promise<MetricsSectionResult> {
  const fixture = o.fixture ?? defaultMetricsFixture();
  if (!existsSync(fixture)) return { skipped: true, reason: `the metrics fixture ${fixture} is absent` };
  const args = [path.join(here, 'metrics-bench.js'), '--json', '--fixture', fixture, '--pairs', String(o.pairs), '--long-pairs', String(o.longPairs), '--runs', String(o.runs)];
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`metrics-bench exited with ${code}: ${stderr.trim()}`))));
  });
  const r = JSON.parse(out) as Omit<Extract<MetricsSectionResult, { skipped: false }>, 'skipped'>;
  return {
    skipped: false,
    fixture: r.fixture,
    pairsPerRun: r.pairsPerRun,
    runs: r.runs,
    rougeAllFourPairsPerSec: r.rougeAllFourPairsPerSec,
    rougeAllFourStemmedPairsPerSec: r.rougeAllFourStemmedPairsPerSec,
    meteorPairsPerSec: r.meteorPairsPerSec,
    meteorFirstScoreMs: r.meteorFirstScoreMs,
    pythonReference: r.pythonReference,
    meteorOverPython: r.meteorOverPython,
    scoreCommand: r.scoreCommand,
  };
}
