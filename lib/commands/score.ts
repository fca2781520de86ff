/**
 * `score <file.jsonl>`: ROUGE-1/2/L/Lsum (rouge_score 0.1.2, F-measures) and METEOR (NLTK)
 * for every `{prediction, reference, id?}` line, with means and 95% bootstrap CIs.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { scoreFile, SCORE_METRICS, type ScoreMetric, type ScoreSummary, type SkippedLine } from '../metrics/score-file.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from '../metrics/stats.js';
import { lowerInliningBudget } from './inlining-budget.js';
import { numberArg } from './number-arg.js';

/** Where the command writes (defaults to the process streams; tests pass their own). */
export interface ScoreCommandIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

interface ScoreCommandOptions {
  stem: boolean;
  perExample?: string;
  json: boolean;
  skipInvalid: boolean;
  seed: number;
  resamples: number;
  nltkData?: string;
  threads: number;
}

const LABELS: Record<ScoreMetric, string> = {
  rouge1: 'ROUGE-1',
  rouge2: 'ROUGE-2',
  rougeL: 'ROUGE-L',
  rougeLsum: 'ROUGE-Lsum',
  meteor: 'METEOR',
};

/** Most skipped-line warnings printed individually. */
const MAX_SKIP_WARNINGS = 10;


/**
 * Registers the `score` command on `program`.
 *
 * @param program - the commander program (or a parent command).
 * @param io - output streams; defaults to `process.stdout` / `process.stderr`.
 */
export function registerScoreCommand(
  program: Command,
  io: ScoreCommandIO = { stdout: process.stdout, stderr: process.stderr },
): void {
  program
    .command('score')
    .description(
      'score predictions against references: ROUGE-1/2/L/Lsum (rouge_score 0.1.2, F-measure) and ' +
        'METEOR (NLTK), with means and 95% bootstrap confidence intervals',
    )
    .argument('<file.jsonl>', 'JSONL file, one {"prediction": string, "reference": string, "id"?: string} per line')
    .option('--stem', 'Porter-stem tokens for ROUGE (rouge_score use_stemmer=True)', false)
    .option('--per-example <out.jsonl>', 'write one JSON line per example (id, rouge1, rouge2, rougeL, rougeLsum, meteor)')
    .option('--json', 'print the summary as JSON on stdout', false)
    .option('--skip-invalid', 'skip and count invalid lines instead of stopping at the first one', false)
    .option('--seed <N>', 'seed of the bootstrap resampling', numberArg('--seed', { integer: true, min: 0 }), DEFAULT_SEED)
    .option('--resamples <N>', 'number of bootstrap resamples', numberArg('--resamples', { integer: true, min: 1 }), DEFAULT_RESAMPLES)
    .option('--nltk-data <dir>', 'NLTK data folder for METEOR (default: NLTK_DATA / built-in lookup)')
    .option(
      '--threads <N>',
      'threads that score pairs: the main thread and N-1 workers (1: all on the main thread; files under 256 rows always are); the numbers do not depend on it',
      numberArg('--threads', { integer: true, min: 1 }),
      availableParallelism(),
    )
    .action(async (file: string, options: ScoreCommandOptions) => {
      lowerInliningBudget();
      await runScore(file, options, io);
    });
}

async function runScore(file: string, options: ScoreCommandOptions, io: ScoreCommandIO): Promise<void> {
  const out = options.perExample === undefined ? null : openSync(options.perExample, 'w');
  let skippedCount = 0;
  let scored = 0;
  const progress = io.stderr.isTTY === true && !options.json;
  const onSkip = (skipped: SkippedLine): void => {
    skippedCount++;
    if (skippedCount <= MAX_SKIP_WARNINGS) {
      io.stderr.write(`warning: ${file}:${skipped.line}: ${skipped.reason} (line skipped)\n`);
    } else if (skippedCount === MAX_SKIP_WARNINGS + 1) {
      io.stderr.write('warning: more invalid lines skipped; the total is reported at the end\n');
    }
  };
  let summary: ScoreSummary;
  try {
    const result = await scoreFile(file, {
      stem: options.stem,
      skipInvalid: options.skipInvalid,
      seed: options.seed,
      resamples: options.resamples,
      threads: options.threads,
      ...(options.nltkData === undefined ? {} : { nltkData: options.nltkData }),
      onSkip,
      onExample: (scores) => {
        if (out !== null) writeSync(out, `${JSON.stringify(scores)}\n`);
        scored++;
        if (progress && scored % 1000 === 0) io.stderr.write(`\rscored ${scored} examples...`);
      },
    });
    summary = result.summary;
    if (progress && scored >= 1000) io.stderr.write('\n');
  } finally {
    if (out !== null) {
      fsyncSync(out);
      closeSync(out);
    }
  }

  if (options.json) {
    const metrics: Partial<Record<ScoreMetric, { mean: number; low: number; high: number }>> = {};
    for (const metric of SCORE_METRICS) {
      const m = summary.metrics[metric];
      if (m !== undefined) metrics[metric] = { mean: m.mean, low: m.low, high: m.high };
    }
    const report = {
      file,
      n: summary.n,
      skipped: summary.skipped,
      stemmed: summary.stemmed,
      confidence: summary.confidence,
      resamples: summary.resamples,
      seed: summary.seed,
      metrics,
      perExample: options.perExample ?? null,
    };
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  io.stdout.write(formatSummary(file, summary, options.perExample));
}

/**
 * Formats the human-readable report of the `score` command.
 *
 * @param file - the scored file.
 * @param summary - its summary.
 * @param perExample - where per-example scores were written, if anywhere.
 */
export function formatSummary(file: string, summary: ScoreSummary, perExample?: string): string {
  const lines: string[] = [];
  lines.push(`scored ${summary.n} examples from ${file}`);
  lines.push(`invalid lines skipped: ${summary.skipped}`);
  lines.push(
    summary.stemmed
      ? 'stemming: on (ROUGE tokens longer than 3 characters Porter-stemmed, rouge_score use_stemmer=True)'
      : 'stemming: off (ROUGE on unstemmed tokens, rouge_score use_stemmer=False)',
  );
  const pct = Math.round(summary.confidence * 100);
  lines.push('');
  lines.push(`${'metric'.padEnd(12)}${'mean'.padStart(8)}   ${pct}% CI`);
  for (const metric of SCORE_METRICS) {
    const m = summary.metrics[metric];
    if (m === undefined) continue;
    lines.push(`${LABELS[metric].padEnd(12)}${m.mean.toFixed(4).padStart(8)}   [${m.low.toFixed(4)}, ${m.high.toFixed(4)}]`);
  }
  lines.push('');
  lines.push(
    `CI: percentile bootstrap over examples, ${summary.resamples} resamples, seed ${summary.seed}; ` +
      'ROUGE values are F-measures',
  );
  if (perExample !== undefined) lines.push(`per-example scores: ${perExample}`);
  return `${lines.join('\n')}\n`;
}
