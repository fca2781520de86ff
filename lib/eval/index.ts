/**
 * The experiment runner behind `persona-gen eval` and `sweep`: settings, run folders, prediction
 * files, summaries with bootstrap CIs and paired tests, tables and sweeps.
 * @module
 */
export { runEval, profileExcerpt, runTitle } from './runner.js';
export type { EvalIO, RunEvalRequest, RunEvalOptions, RunEvalResult, RunMetrics } from './runner.js';
export {
  resolveEvalSettings,
  effectiveContextSize,
  parseNumberList,
  parseIdList,
  EvalOptionError,
  DEFAULT_MODEL,
  DEFAULT_EMBEDDER,
  OPTION_FLAGS,
} from './settings.js';
export type { EvalSettings, EvalSettingsInput, PersonalizationSpace, ChatMode } from './settings.js';
export { listSystems, formatBeta } from './systems.js';
export type { SystemSpec, SystemKind } from './systems.js';
export { readPredictions, PredictionWriter, PredictionFileError, pairKey, PREDICTION_METRICS } from './predictions.js';
export type { PredictionRecord, PredictionMetrics, PredictionTiming, PredictionFileContents } from './predictions.js';
export { summarizeRun } from './summary.js';
export type { EvalSummary, SystemSummary, SystemComparison, DifferenceWithCI, MeanWithCI, SummaryMetric } from './summary.js';
export { formatSummaryTables, METRIC_LABELS, TABLE_METRICS } from './table.js';
export { readRunConfig, buildRunConfig, RUN_CONFIG_SCHEMA } from './run-config.js';
export type { RunConfig } from './run-config.js';
export { runPaths, newRunDir, latestRunDir, RUN_FILES } from './run-folder.js';
export { fitPrompt, PROMPT_TRUNCATION_POLICY } from './prompt-fit.js';
export type { FittedPrompt } from './prompt-fit.js';
export { cachedSha256, sha256File } from './file-hash.js';
export { readSweepFile, runSweep, sweepCsv, formatSweepTable, SweepFileError } from './sweep.js';
export type { SweepPlan, SweepCell, SweepRow, RunSweepResult } from './sweep.js';
