/**
 * Sweeps: a grid of experiments from one YAML or JSON file, run as one eval per cell, with a
 * combined table (`summary.csv` and the terminal) and resumable like `eval`.
 *
 * The grid is tasks x models x rag-k x spaces; the betas of the file are evaluated inside each
 * cell's run, so that every beta of a cell is compared with the same baseline generations (paired
 * differences) and the baseline is generated once per cell, not once per beta. A sweep file:
 *
 * ```yaml
 * tasks: [LongLaMP-2, LongLaMP-4]
 * models: [hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf]
 * betas: [0.5, 1, 2]
 * ragK: [0, 2]            # 0 = no RAG systems
 * spaces: [sbert, native]
 * numUsers: 50            # any other eval option (camelCase or kebab-case), shared by every cell
 * data: {LongLaMP-2: abstracts.jsonl}   # or one path; relative to the sweep file
 * ```
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse as parseYaml } from 'yaml';

import { resolveTask, type TaskId } from '../data/tasks.js';
import { isHfRef } from '../hub/hf-ref.js';
import type { EvalProgressMode } from './progress.js';
import { runEval, type EvalIO, type RunEvalResult, type RunMetrics } from './runner.js';
import { runPaths, writeFileAtomic, writeJsonAtomic } from './run-folder.js';
import { EvalOptionError, OPTION_FLAGS, resolveEvalSettings, type EvalSettings, type EvalSettingsInput } from './settings.js';
import { alignColumns, formatP } from './table.js';

/** The schema tag of `sweep.json`. */
export const SWEEP_SCHEMA = 'persona-gen/sweep@1';

/** One cell of the grid: the settings of its run and its folder (relative to the sweep folder). */
export interface SweepCell {
  dir: string;
  task: string;
  model: string;
  space: string;
  ragK: number | null;
  betas: number[];
  settings: EvalSettings;
}

/** A parsed sweep file. */
export interface SweepPlan {
  /** The sweep file. */
  file: string;
  /** `out` from the file (resolved against its folder), if any. */
  out: string | null;
  cells: SweepCell[];
}

/** An invalid sweep file; the message names the file and the key. */
export class SweepFileError extends Error {
  override readonly name = 'SweepFileError';
  constructor(file: string, key: string | null, problem: string) {
    super(`${file}${key ? `: "${key}"` : ''}: ${problem}`);
  }
}

const GRID_KEYS: Record<string, GridAxis> = {
  tasks: 'tasks',
  task: 'tasks',
  models: 'models',
  model: 'models',
  betas: 'betas',
  beta: 'betas',
  ragK: 'ragK',
  ragKs: 'ragK',
  'rag-k': 'ragK',
  spaces: 'spaces',
  space: 'spaces',
};

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function asList(file: string, key: string, value: unknown): unknown[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new SweepFileError(file, key, 'expected at least one value');
  return list;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
}

function modelSlug(model: string): string {
  const base = isHfRef(model) ? model.split('/').at(-1)! : path.basename(model);
  return slug(base.replace(/\.gguf$/i, '')).slice(0, 40);
}

type GridAxis = 'tasks' | 'models' | 'betas' | 'ragK' | 'spaces';

/** A sweep file's keys, sorted: the grid's axes (raw lists), the shared options, the data and the output folder. */
interface SweepKeys {
  grid: Partial<Record<GridAxis, unknown[]>>;
  shared: EvalSettingsInput;
  data: Record<string, string> | string | undefined;
  out: string | null;
}

/** The grid's axes, checked. */
interface SweepAxes {
  tasks: TaskId[];
  models: Array<string | undefined>;
  betas: number[] | undefined;
  ragKs: number[];
  spaces: Array<'sbert' | 'native'>;
}

/** Reads a sweep file as a mapping (JSON for `.json`, else YAML). */
function parseSweepText(abs: string): Record<string, unknown> {
  if (!existsSync(abs)) throw new SweepFileError(abs, null, 'file not found');
  const text = readFileSync(abs, 'utf8');
  const json = /\.json$/i.test(abs);
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SweepFileError(abs, null, `cannot parse it as ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SweepFileError(abs, null, 'expected a mapping of options');
  return raw as Record<string, unknown>;
}

/** Sorts a sweep file's keys into grid axes, shared options, data and output folder. */
function sortSweepKeys(abs: string, raw: Record<string, unknown>): SweepKeys {
  const keys: SweepKeys = { grid: {}, shared: {}, data: undefined, out: null };
  for (const [key, value] of Object.entries(raw)) {
    const g = GRID_KEYS[key];
    if (g) {
      if (keys.grid[g] !== undefined) throw new SweepFileError(abs, key, `the ${g} are given twice`);
      keys.grid[g] = asList(abs, key, value);
    } else if (key === 'out') {
      if (typeof value !== 'string') throw new SweepFileError(abs, key, 'expected a folder path');
      keys.out = path.resolve(path.dirname(abs), value);
    } else if (key === 'data') {
      if (typeof value === 'string') keys.data = value;
      else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
        keys.data = value as Record<string, string>;
      } else throw new SweepFileError(abs, key, 'expected a file path or a mapping task -> file path');
    } else {
      const name = camel(key) as keyof EvalSettingsInput;
      if (!(name in OPTION_FLAGS)) {
        throw new SweepFileError(abs, key, `not an option; expected one of tasks, models, betas, ragK, spaces, out, data, ${Object.keys(OPTION_FLAGS).filter((k) => !['task', 'model', 'beta', 'betas', 'ragK', 'space', 'data'].includes(k)).join(', ')}`);
      }
      (keys.shared as Record<string, unknown>)[name] = value;
    }
  }
  return keys;
}

/** Checks the grid's axes (defaults: LongLaMP-2, the default model, no RAG, the sbert space). */
function checkSweepAxes(abs: string, grid: SweepKeys['grid']): SweepAxes {
  const base = path.dirname(abs);
  const tasks = (grid.tasks ?? ['LongLaMP-2']).map((t) => {
    if (typeof t !== 'string' && typeof t !== 'number') throw new SweepFileError(abs, 'tasks', `expected task names, got ${JSON.stringify(t)}`);
    try {
      return resolveTask(String(t)).id;
    } catch (err) {
      throw new SweepFileError(abs, 'tasks', (err as Error).message);
    }
  });
  const models = (grid.models ?? [undefined]).map((m) => {
    if (m !== undefined && typeof m !== 'string') throw new SweepFileError(abs, 'models', `expected model paths or hf: references, got ${JSON.stringify(m)}`);
    return m === undefined ? undefined : isHfRef(m) ? m : path.resolve(base, m);
  });
  const betas = grid.betas?.map((b) => {
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new SweepFileError(abs, 'betas', `expected numbers, got ${JSON.stringify(b)}`);
    return b;
  });
  const ragKs = (grid.ragK ?? [0]).map((k) => {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw new SweepFileError(abs, 'ragK', `expected non-negative integers (0 = no RAG), got ${JSON.stringify(k)}`);
    return k;
  });
  const spaces = (grid.spaces ?? ['sbert']).map((s) => {
    if (s !== 'sbert' && s !== 'native') throw new SweepFileError(abs, 'spaces', `expected sbert or native, got ${JSON.stringify(s)}`);
    return s as 'sbert' | 'native';
  });
  return { tasks, models, betas, ragKs, spaces };
}

/** One cell's settings: the shared options with the cell's task, model, space, rag-k and data file. */
function cellSettings(
  abs: string,
  keys: SweepKeys,
  axes: SweepAxes,
  cell: { task: TaskId; model: string | undefined; ragK: number; space: 'sbert' | 'native' },
  threads: number,
): EvalSettings {
  const base = path.dirname(abs);
  const { data } = keys;
  const dataFile = typeof data === 'string' ? data : data?.[cell.task];
  if (data !== undefined && typeof data !== 'string' && dataFile === undefined) {
    throw new SweepFileError(abs, 'data', `no file for task ${cell.task} (the mapping has ${Object.keys(data).join(', ')})`);
  }
  const input: EvalSettingsInput = {
    ...keys.shared,
    task: cell.task,
    space: cell.space,
    ...(cell.model !== undefined ? { model: cell.model } : {}),
    ...(axes.betas !== undefined ? { betas: axes.betas } : {}),
    ...(cell.ragK > 0 ? { ragK: cell.ragK } : {}),
    ...(dataFile !== undefined ? { data: path.resolve(base, dataFile) } : {}),
  };
  try {
    return resolveEvalSettings(input, { threads, cwd: base });
  } catch (err) {
    if (err instanceof EvalOptionError) throw new SweepFileError(abs, err.option.replace(/^--/, ''), err.message.replace(/^--[a-z-]+: /, ''));
    throw err;
  }
}

/**
 * Reads and checks a sweep file and expands its grid into cells (tasks x models x rag-k x spaces).
 *
 * @param file - the YAML or JSON file.
 * @param defaults - the default thread count.
 * @throws SweepFileError naming the file and key; EvalOptionError for a bad shared option.
 */
export function readSweepFile(file: string, defaults: { threads: number }): SweepPlan {
  const abs = path.resolve(file);
  const keys = sortSweepKeys(abs, parseSweepText(abs));
  const axes = checkSweepAxes(abs, keys.grid);
  const cells: SweepCell[] = [];
  for (const task of axes.tasks) {
    for (const model of axes.models) {
      for (const ragK of axes.ragKs) {
        for (const space of axes.spaces) {
          const settings = cellSettings(abs, keys, axes, { task, model, ragK, space }, defaults.threads);
          const index = String(cells.length + 1).padStart(2, '0');
          cells.push({
            dir: `${index}-${slug(task)}-${modelSlug(settings.model)}-${space}-rag${ragK}`,
            task,
            model: settings.model,
            space,
            ragK: ragK > 0 ? ragK : null,
            betas: settings.betas,
            settings,
          });
        }
      }
    }
  }
  return { file: abs, out: keys.out, cells };
}

/** The content of `sweep.json`. */
export interface SweepState {
  schema: typeof SWEEP_SCHEMA;
  createdAt: string;
  file: string;
  cells: { dir: string; task: string; model: string; space: string; ragK: number | null; betas: number[] }[];
}

/** One row of the combined table. */
export interface SweepRow {
  cell: string;
  task: string;
  config: string;
  model: string;
  space: string;
  ragK: number | null;
  system: string;
  label: string;
  beta: number | null;
  n: number;
  metrics: RunMetrics['systems'][number]['metrics'];
  /** Against the control, if the system has one. */
  difference: RunMetrics['systems'][number]['comparisons'][number] | null;
  control: string | null;
  /** Median tokens/s of the system's generations. */
  tokensPerSecond: number;
  runDir: string;
}

/** The rows of the combined table for finished cells. */
export function sweepRows(results: { cell: SweepCell; dir: string; metrics: RunMetrics }[]): SweepRow[] {
  return results.flatMap(({ cell, dir, metrics }) =>
    metrics.systems.map((s) => {
      const c = s.comparisons.find((x) => x.control) ?? null;
      return {
        cell: cell.dir,
        task: metrics.task.id,
        config: metrics.task.config,
        model: metrics.model.ref,
        space: metrics.space,
        ragK: cell.ragK,
        system: s.id,
        label: s.label,
        beta: s.beta,
        n: s.n,
        metrics: s.metrics,
        difference: c,
        control: c?.against ?? null,
        tokensPerSecond: s.speed.medianTokensPerSecond,
        runDir: dir,
      };
    }),
  );
}

const CSV_METRICS = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'meteor'] as const;

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The combined table as CSV (one row per cell and system; differences against the control). */
export function sweepCsv(rows: SweepRow[]): string {
  const head = [
    'cell', 'task', 'config', 'model', 'space', 'rag_k', 'system', 'beta', 'n',
    ...CSV_METRICS.flatMap((m) => [m, `${m}_low`, `${m}_high`]),
    'control',
    ...CSV_METRICS.flatMap((m) => [`d_${m}`, `d_${m}_low`, `d_${m}_high`, `p_${m}`]),
    'median_tokens_per_s', 'run_dir',
  ];
  const lines = rows.map((r) =>
    [
      r.cell, r.task, r.config, r.model, r.space, r.ragK, r.system, r.beta, r.n,
      ...CSV_METRICS.flatMap((m) => [r.metrics[m].mean, r.metrics[m].low, r.metrics[m].high]),
      r.control,
      ...CSV_METRICS.flatMap((m) => {
        const d = r.difference?.metrics[m];
        return d ? [d.meanDiff, d.low, d.high, d.pValue] : [null, null, null, null];
      }),
      r.tokensPerSecond, r.runDir,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** The combined table for the terminal. */
export function formatSweepTable(rows: SweepRow[]): string {
  const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
  const table = [
    ['cell', 'system', 'n', 'ROUGE-1', 'ROUGE-L', 'METEOR', 'ΔROUGE-L vs control [95% CI] p', 'ΔMETEOR p', 'tok/s (median)'],
    ...rows.map((r) => {
      const d = r.difference;
      return [
        r.cell,
        r.label,
        String(r.n),
        r.metrics.rouge1.mean.toFixed(4),
        r.metrics.rougeL.mean.toFixed(4),
        r.metrics.meteor.mean.toFixed(4),
        d ? `${signed(d.metrics.rougeL.meanDiff)} [${signed(d.metrics.rougeL.low)}, ${signed(d.metrics.rougeL.high)}] p=${formatP(d.metrics.rougeL.pValue)}` : '',
        d ? `${signed(d.metrics.meteor.meanDiff)} p=${formatP(d.metrics.meteor.pValue)}` : '',
        r.tokensPerSecond.toFixed(0),
      ];
    }),
  ];
  return `${alignColumns(table).join('\n')}\n`;
}

/** What {@link runSweep} does. */
export interface RunSweepOptions {
  /** The sweep folder. */
  dir: string;
  /** Continue a sweep already in `dir`. */
  resume: boolean;
  io: EvalIO & { stdout?: { write(chunk: string): unknown } };
  signal?: AbortSignal;
  progress?: EvalProgressMode;
}

/** The outcome of {@link runSweep}. */
export interface RunSweepResult {
  status: 'complete' | 'interrupted';
  dir: string;
  rows: SweepRow[];
  /** `summary.csv`, when complete. */
  csv: string | null;
}

function sameCells(a: SweepState['cells'], b: SweepState['cells']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs every cell of a sweep (resuming cells that were interrupted and skipping finished ones),
 * then writes `summary.csv`.
 *
 * @throws Error when `dir` holds another sweep, or holds one and `resume` is off.
 */
export async function runSweep(plan: SweepPlan, options: RunSweepOptions): Promise<RunSweepResult> {
  const dir = path.resolve(options.dir);
  const stateFile = path.join(dir, 'sweep.json');
  const cellsState: SweepState['cells'] = plan.cells.map((c) => ({ dir: c.dir, task: c.task, model: c.model, space: c.space, ragK: c.ragK, betas: c.betas }));
  if (existsSync(stateFile)) {
    if (!options.resume) throw new EvalOptionError('--out', `${dir} already holds a sweep; continue it with --resume, or choose another --out`);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SweepState;
    if (!sameCells(state.cells, cellsState)) {
      throw new EvalOptionError('--resume', `the grid of ${plan.file} differs from the sweep in ${dir} (sweep.json); start a new sweep with another --out`);
    }
  } else {
    mkdirSync(dir, { recursive: true });
    const state: SweepState = { schema: SWEEP_SCHEMA, createdAt: new Date().toISOString(), file: plan.file, cells: cellsState };
    writeJsonAtomic(stateFile, state);
  }
  const note = (s: string): void => {
    options.io.stderr.write(`${s}\n`);
  };
  const finished: { cell: SweepCell; dir: string; metrics: RunMetrics }[] = [];
  for (const [i, cell] of plan.cells.entries()) {
    if (options.signal?.aborted) return { status: 'interrupted', dir, rows: sweepRows(finished), csv: null };
    const cellDir = path.join(dir, cell.dir);
    const paths = runPaths(cellDir);
    note(`\n== cell ${i + 1}/${plan.cells.length}: ${cell.dir} (${cell.task}, ${path.basename(cell.model)}, ${cell.space} space, ${cell.ragK === null ? 'no RAG' : `RAG k=${cell.ragK}`}, betas ${cell.betas.join(', ')})`);
    if (existsSync(paths.metrics)) {
      note('already finished');
      finished.push({ cell, dir: cellDir, metrics: JSON.parse(readFileSync(paths.metrics, 'utf8')) as RunMetrics });
      continue;
    }
    const result: RunEvalResult = await runEval(
      existsSync(paths.config) ? { mode: 'resume', dir: cellDir } : { mode: 'new', dir: cellDir, settings: cell.settings },
      { io: options.io, ...(options.signal ? { signal: options.signal } : {}), ...(options.progress ? { progress: options.progress } : {}) },
    );
    if (result.status === 'interrupted') return { status: 'interrupted', dir, rows: sweepRows(finished), csv: null };
    finished.push({ cell, dir: cellDir, metrics: result.metrics! });
  }
  const rows = sweepRows(finished);
  const csv = path.join(dir, 'summary.csv');
  writeFileAtomic(csv, sweepCsv(rows));
  return { status: 'complete', dir, rows, csv };
}
