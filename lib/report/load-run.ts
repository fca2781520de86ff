/**
 * Reading run folders for a report: `config.json`, `metrics.json` and `predictions.jsonl`; a
 * sweep folder (with `sweep.json`) stands for all of its runs.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { readPredictions, type PredictionRecord } from '../eval/predictions.js';
import { readRunConfig, type RunConfig } from '../eval/run-config.js';
import type { RunMetrics } from '../eval/runner.js';

/** One run, loaded. */
export interface LoadedRun {
  /** Absolute folder. */
  dir: string;
  /** A short name (the folder's name). */
  name: string;
  config: RunConfig;
  metrics: RunMetrics;
  predictions: PredictionRecord[];
}

/**
 * Loads a finished run.
 *
 * @throws Error naming the folder when it is not a run, or not finished (no metrics.json).
 */
export function loadRun(dir: string): LoadedRun {
  const abs = path.resolve(dir);
  const config = readRunConfig(abs);
  const metricsFile = path.join(abs, 'metrics.json');
  if (!existsSync(metricsFile)) {
    throw new Error(`${abs} has no metrics.json: the run is not finished (continue it with: persona-gen eval --resume ${abs})`);
  }
  let metrics: RunMetrics;
  try {
    metrics = JSON.parse(readFileSync(metricsFile, 'utf8')) as RunMetrics;
  } catch (err) {
    throw new Error(`${metricsFile}: invalid JSON (${(err as Error).message})`);
  }
  if (metrics.schema !== 'persona-gen/eval-metrics@1' || !Array.isArray(metrics.systems)) {
    throw new Error(`${metricsFile} is not a persona-gen metrics file`);
  }
  const predictions = readPredictions(path.join(abs, 'predictions.jsonl')).records;
  return { dir: abs, name: path.basename(abs), config, metrics, predictions };
}

/**
 * Expands report arguments: a run folder is itself; a sweep folder (holding `sweep.json`) is
 * its finished cells' run folders, in grid order.
 *
 * @throws Error naming an argument that is neither.
 */
export function expandRunDirs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    const abs = path.resolve(arg);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new Error(`${arg}: no such folder (expected a run folder or a sweep folder)`);
    const sweepFile = path.join(abs, 'sweep.json');
    if (existsSync(sweepFile) && !existsSync(path.join(abs, 'config.json'))) {
      const sweep = JSON.parse(readFileSync(sweepFile, 'utf8')) as { cells?: { dir: string }[] };
      for (const [i, cell] of (sweep.cells ?? []).entries()) {
        const dir = typeof cell?.dir === 'string' ? path.resolve(abs, cell.dir) : '';
        // A sweep's cells live inside its folder; anything else in sweep.json is refused.
        if (!dir || path.relative(abs, dir).startsWith('..') || path.isAbsolute(path.relative(abs, dir)) || dir === abs) {
          throw new Error(`${sweepFile}: cells[${i}].dir must be a folder inside the sweep folder, got ${JSON.stringify(cell?.dir)}`);
        }
        out.push(dir);
      }
      continue;
    }
    out.push(abs);
  }
  return out;
}
