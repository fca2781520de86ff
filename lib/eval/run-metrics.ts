/**
 * `metrics.json` of a finished run, computed from `predictions.jsonl` alone (so its order does
 * not matter), and written atomically.
 * @module
 */
import path from 'node:path';

import { readPredictions } from './predictions.js';
import type { RunConfig } from './run-config.js';
import { writeJsonAtomic, type RunPaths } from './run-folder.js';
import { summarizeRun, type EvalSummary } from './summary.js';

/** The content of `metrics.json`. */
export interface RunMetrics extends EvalSummary {
  /** The run folder's name. */
  run: string;
  task: RunConfig['task'];
  model: { ref: string; sha256: string };
  space: string;
  /** When the metrics were computed (ISO 8601). */
  finishedAt: string;
}

/**
 * Summarizes a complete run's predictions and writes `metrics.json`.
 *
 * @throws Error when a (user, system) pair of the config has no prediction.
 */
export function writeRunMetrics(paths: RunPaths, config: RunConfig): RunMetrics {
  const all = readPredictions(paths.predictions).records;
  const summary = summarizeRun(all, config.systems, config.users);
  const metrics: RunMetrics = {
    schema: summary.schema,
    run: path.basename(paths.dir),
    task: config.task,
    model: { ref: config.model.ref, sha256: config.model.sha256 },
    space: config.space.name,
    users: summary.users,
    metricNames: summary.metricNames,
    rougeStemming: summary.rougeStemming,
    statistics: summary.statistics,
    systems: summary.systems,
    finishedAt: new Date().toISOString(),
  };
  writeJsonAtomic(paths.metrics, metrics);
  return metrics;
}
