/**
 * `persona-gen sweep <file.yaml|json>`: a grid of eval runs (tasks x models x rag-k x spaces,
 * every beta inside each run), one run folder per cell plus `summary.csv` and a combined table;
 * resumable with `--resume`.
 * @module
 */
import path from 'node:path';

import type { Command } from 'commander';

import { withInterruptSignal } from '../eval/interrupt.js';
import type { EvalProgressMode, ProgressStream } from '../eval/progress.js';
import { newRunDir } from '../eval/run-folder.js';
import { EvalOptionError } from '../eval/settings.js';
import { formatSweepTable, readSweepFile, runSweep } from '../eval/sweep.js';
import { defaultThreads } from '../model.js';
import { DEFAULT_EXPERIMENTS_DIR } from './eval.js';

/** Streams the command writes to. */
export interface SweepCommandIO {
  stdout: { write(chunk: string): unknown };
  stderr: ProgressStream;
}

interface SweepCliOptions {
  out?: string;
  resume: boolean;
  json: boolean;
  progress?: string;
}

/** Registers `sweep` on a commander program. */
export function registerSweepCommand(program: Command, io: SweepCommandIO = { stdout: process.stdout, stderr: process.stderr }): void {
  program
    .command('sweep')
    .description(
      'run a grid of eval experiments from a YAML/JSON file (tasks x models x rag-k x spaces; every beta inside each run, ' +
        'sharing its baseline): one run folder per cell, summary.csv and a combined table; resumable',
    )
    .argument('<file>', 'sweep file (.yaml, .yml or .json): grid keys tasks, models, betas, ragK, spaces; any eval option; out')
    .option('--out <dir>', `sweep folder (default: "out" in the file, else ${DEFAULT_EXPERIMENTS_DIR}/<timestamp>-sweep)`)
    .option('--resume', 'continue the sweep in --out (or the file\'s "out"): finished cells are kept, interrupted ones resumed', false)
    .option('--progress <mode>', 'auto, bar, lines or none')
    .option('--json', 'print the combined rows as JSON on stdout (everything else on stderr)', false)
    .action(async (file: string, opts: SweepCliOptions) => {
      if (opts.progress !== undefined && !['auto', 'bar', 'lines', 'none'].includes(opts.progress)) {
        throw new EvalOptionError('--progress', `expected auto, bar, lines or none, got "${opts.progress}"`);
      }
      const plan = readSweepFile(file, { threads: defaultThreads() });
      const given = opts.out ?? plan.out ?? undefined;
      if (opts.resume && given === undefined) throw new EvalOptionError('--resume', 'needs the sweep folder: give --out or "out" in the sweep file');
      const dir = given !== undefined ? path.resolve(given) : newRunDir(DEFAULT_EXPERIMENTS_DIR, 'sweep');
      io.stderr.write(`sweep: ${plan.cells.length} cells from ${plan.file} into ${dir}\n`);
      const result = await withInterruptSignal(
        (signal) => runSweep(plan, { dir, resume: opts.resume, io, signal, ...(opts.progress ? { progress: opts.progress as EvalProgressMode } : {}) }),
        io.stderr,
      );
      if (result.status === 'interrupted') {
        io.stderr.write(`interrupted; continue with: persona-gen sweep ${file} --out ${dir} --resume\n`);
        process.exitCode = 130;
        return;
      }
      const table = formatSweepTable(result.rows);
      (opts.json ? io.stderr : io.stdout).write(`\n${table}\nsummary: ${result.csv}\n`);
      if (opts.json) io.stdout.write(`${JSON.stringify({ status: 'complete', dir, csv: result.csv, rows: result.rows }, null, 2)}\n`);
    });
}
