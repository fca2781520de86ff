/**
 * Self-contained HTML reports of eval runs (inline SVG charts, no scripts, no network).
 * @module
 */
export { renderReport } from './html.js';
export type { ReportOptions } from './html.js';
export { loadRun, expandRunDirs } from './load-run.js';
export type { LoadedRun } from './load-run.js';
export { metricVsBetaChart, differencesChart, speedChart, betaSeries, differenceRows, speedRows } from './charts.js';
