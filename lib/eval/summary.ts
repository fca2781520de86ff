/**
 * `metrics.json` of a run, computed from the prediction records alone (so anyone can recompute
 * it from `predictions.jsonl`): per system the mean of every metric with a percentile-bootstrap
 * 95% CI (users resampled), and per personalized / RAG system the paired difference from its
 * control (and from the baseline) with a paired-bootstrap CI, a sign-flip permutation p-value
 * and win/tie/loss counts. Speed figures are kept apart under `speed`.
 * @module
 */
import { bootstrapSummary, pairedComparison, type ResampleOptions, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED } from '../metrics/stats.js';
import { PREDICTION_METRICS, type PredictionRecord } from './predictions.js';
import type { SystemKind, SystemSpec } from './systems.js';

/** A metric name of the summary. */
export type SummaryMetric = (typeof PREDICTION_METRICS)[number];

/** A mean with its CI. */
export interface MeanWithCI {
  mean: number;
  low: number;
  high: number;
}

/** The paired difference (system − other) of one metric. */
export interface DifferenceWithCI {
  /** Mean of the per-user differences. */
  meanDiff: number;
  low: number;
  high: number;
  /** Two-sided paired sign-flip permutation p-value. */
  pValue: number;
  pValueMethod: 'exact-sign-flip' | 'monte-carlo-sign-flip';
  /** Users where the system scored higher / the same / lower. */
  wins: number;
  ties: number;
  losses: number;
}

/** A system compared with another on the same users. */
export interface SystemComparison {
  /** The other system's id. */
  against: string;
  /** Whether `against` is the system's control (same prompt without the bias, or the baseline). */
  control: boolean;
  n: number;
  metrics: Record<SummaryMetric, DifferenceWithCI>;
}

/** Speed of a system's generations (timing: differs between identical runs). */
export interface SystemSpeed {
  /** Total generated tokens / total decode seconds. */
  tokensPerSecond: number;
  /** Median over generations of each generation's tokens/s. */
  medianTokensPerSecond: number;
  /** Mean prompt (prefill) tokens per second. */
  promptTokensPerSecond: number;
}

/** One system's results. */
export interface SystemSummary {
  id: string;
  kind: SystemKind;
  label: string;
  beta: number | null;
  ragK: number | null;
  /** Number of users scored. */
  n: number;
  /** Generations that came out empty (scored 0 and counted in every mean). */
  emptyOutputs: number;
  /** Prompts cut to fit the context. */
  truncatedPrompts: number;
  meanPromptTokens: number;
  meanOutputTokens: number;
  metrics: Record<SummaryMetric, MeanWithCI>;
  /** Against the control first, then the baseline when that is a different system. */
  comparisons: SystemComparison[];
  speed: SystemSpeed;
}

/** The statistics settings, as recorded. */
export interface SummaryStatistics {
  confidence: number;
  resamples: number;
  seed: number;
  ci: string;
  pValue: string;
}

/** The content of `metrics.json`. */
export interface EvalSummary {
  schema: 'persona-gen/eval-metrics@1';
  /** Users scored (every system has all of them). */
  users: number;
  /** The metric names, in report order. */
  metricNames: SummaryMetric[];
  /** ROUGE without stemming (as the official LongLaMP scripts); METEOR is NLTK's (always stems). */
  rougeStemming: false;
  statistics: SummaryStatistics;
  systems: SystemSummary[];
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function compare(
  a: PredictionRecord[],
  b: PredictionRecord[],
  against: string,
  control: boolean,
  options: Required<ResampleOptions>,
): SystemComparison {
  const metrics = {} as Record<SummaryMetric, DifferenceWithCI>;
  for (const m of PREDICTION_METRICS) {
    const x = a.map((r) => r.metrics[m]);
    const y = b.map((r) => r.metrics[m]);
    const p = pairedComparison(x, y, options);
    let wins = 0;
    let ties = 0;
    let losses = 0;
    x.forEach((v, i) => {
      if (v > y[i]!) wins++;
      else if (v < y[i]!) losses++;
      else ties++;
    });
    metrics[m] = { meanDiff: p.meanDiff, low: p.low, high: p.high, pValue: p.pValue, pValueMethod: p.pValueMethod, wins, ties, losses };
  }
  return { against, control, n: a.length, metrics };
}

/**
 * Summarizes complete prediction records.
 *
 * @param records - one record per (user, system), for every user in `users` and every system.
 * @param systems - the run's systems, in report order.
 * @param users - the user ids, in run order (pairs are matched by user).
 * @param options - bootstrap settings (default 10,000 resamples, seed 0, 95%).
 * @throws Error naming the missing (user, system) pair when the records are incomplete.
 */
export function summarizeRun(
  records: readonly PredictionRecord[],
  systems: readonly SystemSpec[],
  users: readonly string[],
  options: ResampleOptions = {},
): EvalSummary {
  const stats: Required<ResampleOptions> = {
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    seed: options.seed ?? DEFAULT_SEED,
    confidence: options.confidence ?? DEFAULT_CONFIDENCE,
  };
  const bySystem = new Map<string, PredictionRecord[]>();
  for (const s of systems) {
    const index = new Map(records.filter((r) => r.system === s.id).map((r) => [r.userId, r]));
    bySystem.set(
      s.id,
      users.map((u) => {
        const r = index.get(u);
        if (!r) throw new Error(`no prediction for user "${u}" and system "${s.id}": the run is incomplete (resume it with --resume)`);
        return r;
      }),
    );
  }
  const summaries = systems.map((s): SystemSummary => {
    const rows = bySystem.get(s.id)!;
    const columns = {} as Record<SummaryMetric, number[]>;
    for (const m of PREDICTION_METRICS) columns[m] = rows.map((r) => r.metrics[m]);
    const ci = bootstrapSummary(columns, stats);
    const metrics = {} as Record<SummaryMetric, MeanWithCI>;
    for (const m of PREDICTION_METRICS) metrics[m] = { mean: ci[m].mean, low: ci[m].low, high: ci[m].high };
    const comparisons: SystemComparison[] = [];
    if (s.control !== null) {
      comparisons.push(compare(rows, bySystem.get(s.control)!, s.control, true, stats));
      if (s.control !== 'baseline') comparisons.push(compare(rows, bySystem.get('baseline')!, 'baseline', false, stats));
    }
    const tokens = rows.reduce((a, r) => a + r.outputTokens, 0);
    const decodeMs = rows.reduce((a, r) => a + r.timing.decodeMs, 0);
    return {
      id: s.id,
      kind: s.kind,
      label: s.label,
      beta: s.beta,
      ragK: s.ragK,
      n: rows.length,
      emptyOutputs: rows.filter((r) => r.output.trim() === '').length,
      truncatedPrompts: rows.filter((r) => r.truncatedPromptTokens > 0).length,
      meanPromptTokens: rows.reduce((a, r) => a + r.promptTokens, 0) / rows.length,
      meanOutputTokens: tokens / rows.length,
      metrics,
      comparisons,
      speed: {
        tokensPerSecond: decodeMs > 0 ? (tokens * 1000) / decodeMs : 0,
        medianTokensPerSecond: median(rows.map((r) => r.timing.tokensPerSecond)),
        promptTokensPerSecond: rows.reduce((a, r) => a + r.timing.promptTokensPerSecond, 0) / rows.length,
      },
    };
  });
  const pct = Math.round(stats.confidence * 100);
  return {
    schema: 'persona-gen/eval-metrics@1',
    users: users.length,
    metricNames: [...PREDICTION_METRICS],
    rougeStemming: false,
    statistics: {
      ...stats,
      ci: `${pct}% percentile bootstrap over users (${stats.resamples} resamples, seed ${stats.seed}); differences: paired bootstrap`,
      pValue: 'two-sided paired sign-flip permutation test over users (exact when 2^n <= resamples)',
    },
    systems: summaries,
  };
}
