/**
 * `persona-gen report <run dir>...`: a self-contained HTML page of one or more finished runs (or
 * sweep folders): summary tables, metric against beta with CI bands, per-user differences,
 * tokens per second and examples side by side.
 * @module
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { renderReport } from '../report/html.js';
import { expandRunDirs, loadRun } from '../report/load-run.js';
import { numberArg } from './number-arg.js';

/** Streams the command writes to. */
export interface ReportCommandIO {
  stdout: { write(chunk: string): unknown };
}

/** Options of `report`. */
interface ReportCliOptions {
  out?: string;
  title?: string;
  examples: number;
}

/**
 * Writes the report of run folders and returns where.
 *
 * @param dirs - run folders or sweep folders.
 * @param out - output file (default `report.html` in the run folder for one run, else in the current folder).
 */
export function writeReport(dirs: readonly string[], out?: string, options: { title?: string; examples?: number } = {}): string {
  const runDirs = expandRunDirs(dirs);
  if (runDirs.length === 0) throw new Error('no finished runs to report on');
  const runs = runDirs.map((d) => loadRun(d));
  const file = path.resolve(out ?? (runs.length === 1 ? path.join(runs[0]!.dir, 'report.html') : 'report.html'));
  writeFileSync(file, renderReport(runs, options));
  return file;
}

/** Registers `report` on a commander program. */
export function registerReportCommand(program: Command, io: ReportCommandIO = { stdout: process.stdout }): void {
  program
    .command('report')
    .description('write a self-contained HTML report (charts and examples) of finished eval runs or sweep folders')
    .argument('<dirs...>', 'run folders (with config.json, predictions.jsonl, metrics.json) or sweep folders')
    .option('--out <file>', 'output file (default: <run>/report.html for one run, ./report.html for several)')
    .option('--title <text>', 'page title')
    .option('--examples <n>', 'users shown side by side per run', numberArg('--examples', { integer: true, min: 0 }), 3)
    .action((dirs: string[], opts: ReportCliOptions) => {
      const file = writeReport(dirs, opts.out, { ...(opts.title !== undefined ? { title: opts.title } : {}), examples: opts.examples });
      io.stdout.write(`${file}\n`);
    });
}
