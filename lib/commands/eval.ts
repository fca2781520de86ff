/**
 * `persona-gen eval`: a personalization experiment on LongLaMP, tracked in a run folder
 * (`config.json`, `predictions.jsonl`, `metrics.json`), resumable, with a table of means, CIs and
 * paired differences at the end.
 * @module
 */
import path from 'node:path';

import { Command, Option } from 'commander';

import { defaultThreads } from '../model.js';
import { withInterruptSignal } from '../eval/interrupt.js';
import { newRunDir, latestRunDir } from '../eval/run-folder.js';
import { runEval, runTitle, type RemoteRunner, type RunEvalRequest, type RunEvalResult } from '../eval/runner.js';
import {
  DEFAULT_EMBEDDER,
  DEFAULT_EVAL_PARALLEL,
  DEFAULT_MODEL,
  EvalOptionError,
  OPTION_FLAGS,
  resolveEvalSettings,
  type EvalSettings,
  type EvalSettingsInput,
} from '../eval/settings.js';
import type { EvalProgressMode, ProgressStream } from '../eval/progress.js';
import { formatSummaryTables } from '../eval/table.js';
import { KV_MEMORY_SHARE } from '../kv-memory.js';
import { numberArg } from './number-arg.js';

/** Where run folders go by default. */
export const DEFAULT_EXPERIMENTS_DIR = 'experiments';

/** Streams the command writes to (tests pass their own). */
export interface EvalCommandIO {
  stdout: { write(chunk: string): unknown };
  stderr: ProgressStream;
}


/** Adds the options shared by `eval` and `demo` (data, model, space, decoding). */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--task <task>', 'LongLaMP-2 (abstracts), LongLaMP-3 (product reviews) or LongLaMP-4 (topic writing); default LongLaMP-2'))
    .addOption(new Option('--setting <setting>', 'user (whole users held out) or temporal (latest item held out); default user'))
    .addOption(new Option('--split <split>', 'test, val or train; default test'))
    .option('--data <file>', "a local .parquet/.json/.jsonl file of the task's schema instead of the Hub copy")
    .option('--model <model>', `GGUF file or hf:<owner>/<repo>/<file>.gguf (default ${DEFAULT_MODEL})`)
    .option('--embedder <id>', `Sentence-BERT model id or folder for the sbert space (default ${DEFAULT_EMBEDDER})`)
    .addOption(new Option('--space <space>', "sbert (embedder's space) or native (the model's own token embeddings); default sbert"))
    .option('--max-tokens <n>', 'most new tokens per generation (default 256)', numberArg('--max-tokens'))
    .option('--temperature <t>', 'sampling temperature; 0 = greedy (default 0)', numberArg('--temperature'))
    .option('--top-k <k>', 'top-k when sampling (default 40)', numberArg('--top-k'))
    .option('--top-p <p>', 'top-p when sampling (default 0.95)', numberArg('--top-p'))
    .option('--min-p <p>', 'min-p when sampling (default 0.05)', numberArg('--min-p'))
    .option('--seed <s>', 'sampler seed, the same for every system (default 0)', numberArg('--seed'))
    .option('--threads <n>', `CPU threads (default ${defaultThreads()} here)`, numberArg('--threads'))
    .option('--parallel <n>', `sequences decoded at once (default ${DEFAULT_EVAL_PARALLEL}, fewer where the KV cache would take over ${KV_MEMORY_SHARE * 100}% of the free memory; speed only)`, numberArg('--parallel'))
    .option('--context-size <n>', "context size (default: the model's training context, at most 4096)", numberArg('--context-size'))
    .option('--guard-top-k <k>', 'guard: drop all but the top-k tokens by unbiased logit before the bias, for every beta (ties at the k-th logit stay; default: no guard)', numberArg('--guard-top-k'))
    .option('--guard-min-p <p>', 'guard: drop tokens with p < p_max * this under the unbiased logits before the bias, for every beta (default: no guard)', numberArg('--guard-min-p'))
    .addOption(new Option('--bias-reference <ref>', 'neutral (a token as similar to the user as the average token gets no bias; tokens without a vector get none) or raw (beta * cosine); default neutral'))
    .option('--chat <mode>', "auto (use the model's chat template when it has one), on or off; default auto")
    .option('--nltk-data <dir>', 'NLTK data folder with punkt_tab for METEOR (default: NLTK_DATA and NLTK\'s folders)');
}

/** Raw commander values of `eval`. */
interface EvalCliOptions extends EvalSettingsInput {
  out?: string;
  queue?: string;
  resume?: string | boolean;
  json: boolean;
  progress?: string;
}

const SETTING_KEYS = Object.keys(OPTION_FLAGS) as (keyof EvalSettingsInput)[];
/** Settings a resumed run may change. */
const SPEED_KEYS: ReadonlySet<keyof EvalSettingsInput> = new Set(['threads', 'parallel']);

function inputFromCli(opts: EvalCliOptions): EvalSettingsInput {
  const input: EvalSettingsInput = {};
  for (const key of SETTING_KEYS) {
    const v = opts[key];
    if (v !== undefined) (input as Record<string, unknown>)[key] = v;
  }
  return input;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks that options given on the command line together with `--resume` agree with the run's
 * stored settings (only `--threads` and `--parallel` may change: they set the speed, not the outputs).
 *
 * @throws EvalOptionError naming the first option that differs.
 */
export function checkResumeOptions(given: EvalSettingsInput, stored: EvalSettings, dir: string, cwd = process.cwd()): void {
  const keys = SETTING_KEYS.filter((k) => given[k] !== undefined && !SPEED_KEYS.has(k));
  if (keys.length === 0) return;
  const resolved = resolveEvalSettings({ ...settingsAsInput(stored), beta: undefined, betas: undefined, ...given }, { threads: stored.threads, cwd });
  for (const key of keys) {
    const field = (key === 'beta' ? 'betas' : key) as keyof EvalSettings;
    if (!sameValue(resolved[field], stored[field])) {
      throw new EvalOptionError(
        OPTION_FLAGS[key],
        `is ${JSON.stringify(resolved[field])}, but the run in ${dir} was started with ${JSON.stringify(stored[field])}; ` +
          'drop the option to resume it, or start a new run',
      );
    }
  }
}

/** Stored settings turned back into raw input (for comparing options on resume). */
function settingsAsInput(s: EvalSettings): EvalSettingsInput {
  return {
    task: s.task,
    setting: s.setting,
    split: s.split,
    ...(s.data !== null ? { data: s.data } : {}),
    model: s.model,
    embedder: s.embedder,
    space: s.space,
    numUsers: s.numUsers,
    ...(s.users !== null ? { users: s.users } : {}),
    betas: s.betas,
    ...(s.ragK !== null ? { ragK: s.ragK } : {}),
    maxTokens: s.maxTokens,
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    minP: s.minP,
    seed: s.seed,
    threads: s.threads,
    ...(s.parallel !== undefined ? { parallel: s.parallel } : {}),
    ...(s.contextSize !== null ? { contextSize: s.contextSize } : {}),
    ...(s.guardTopK !== null ? { guardTopK: s.guardTopK } : {}),
    ...(s.guardMinP !== null ? { guardMinP: s.guardMinP } : {}),
    biasReference: s.biasReference,
    chat: s.chat,
    ...(s.nltkData !== null ? { nltkData: s.nltkData } : {}),
  };
}

function parseProgress(value: string | undefined): EvalProgressMode | undefined {
  if (value === undefined) return undefined;
  if (['auto', 'bar', 'lines', 'none'].includes(value)) return value as EvalProgressMode;
  throw new EvalOptionError('--progress', `expected auto, bar, lines or none, got "${value}"`);
}

/**
 * Runs `eval` with a Ctrl-C handler that stops after the last finished generation.
 */
export async function runEvalWithSignals(
  request: RunEvalRequest,
  io: EvalCommandIO,
  progress: EvalProgressMode | undefined,
  remote?: RemoteRunner,
): Promise<RunEvalResult> {
  return withInterruptSignal((signal) => runEval(request, { io, signal, progress, ...(remote ? { remote } : {}) }), io.stderr);
}

/** The queue coordinator for `--queue URL` (BullMQ is loaded only then). */
async function queueRemote(url: string | undefined): Promise<RemoteRunner | undefined> {
  if (url === undefined) return undefined;
  const { parseQueueUrl } = await import('../eval/queue/connection.js');
  const connection = parseQueueUrl(url);
  const { queueRunner } = await import('../eval/queue/coordinator.js');
  return queueRunner({ connection });
}

/** Prints the outcome: the table (stdout, or stderr with --json) and the JSON summary. */
export function reportEvalResult(result: RunEvalResult, io: EvalCommandIO, json: boolean): void {
  if (result.status === 'interrupted') {
    io.stderr.write(
      `interrupted: ${result.done} of ${result.total} generations are saved in ${path.join(result.dir, 'predictions.jsonl')}; ` +
        `continue with: persona-gen eval --resume ${result.dir}\n`,
    );
    if (json) io.stdout.write(`${JSON.stringify({ status: 'interrupted', dir: result.dir, done: result.done, total: result.total }, null, 2)}\n`);
    return;
  }
  const table = formatSummaryTables(result.metrics!, runTitle(result.config));
  (json ? io.stderr : io.stdout).write(`\n${table}`);
  (json ? io.stderr : io.stdout).write(`\nrun folder: ${result.dir} (config.json, predictions.jsonl, metrics.json)\n`);
  if (json) io.stdout.write(`${JSON.stringify({ status: 'complete', dir: result.dir, ...result.metrics }, null, 2)}\n`);
}

/**
 * Registers `eval` on a commander program.
 *
 * @param program - the program.
 * @param io - output streams; default the process's.
 */
export function registerEvalCommand(program: Command, io: EvalCommandIO = { stdout: process.stdout, stderr: process.stderr }): void {
  const cmd = program
    .command('eval')
    .description(
      'run a personalization experiment on LongLaMP: baseline vs personalized (per beta), optionally RAG and RAG + bias, ' +
        'scored with ROUGE-1/ROUGE-L/METEOR, 95% CIs and paired differences; results in a resumable run folder',
    );
  addRunOptions(cmd)
    .option('--num-users <n>', 'users to evaluate: the first N in file order (default 10)', numberArg('--num-users'))
    .option('--users <ids>', 'comma-separated user ids to evaluate instead')
    .option('--beta <b>', 'bias strength of the personalized system (default 0.5)', numberArg('--beta'))
    .option('--betas <list>', 'several bias strengths, e.g. 0,0.5,1,2 (one personalized system each)')
    .option('--rag-k <k>', 'also run RAG (k BM25-retrieved profile items) with and without the bias', numberArg('--rag-k'))
    .option('--out <dir>', `run folder (default ${DEFAULT_EXPERIMENTS_DIR}/<timestamp>-<task>)`)
    .option('--resume [dir]', 'continue an interrupted run (default: --out, else the latest run folder)')
    .option('--progress <mode>', 'auto (a bar on a terminal, lines otherwise), bar, lines or none')
    .option('--queue <url>', 'generate on `persona-gen worker`s through Redis: redis://host:port[/db] or rediss:// (password in the URL or REDIS_PASSWORD)')
    .option('--json', 'print the summary as JSON on stdout (everything else goes to stderr)', false)
    .action(async (opts: EvalCliOptions) => {
      const progress = parseProgress(opts.progress);
      const remote = await queueRemote(opts.queue);
      const given = inputFromCli(opts);
      let request: RunEvalRequest;
      if (opts.resume !== undefined && opts.resume !== false) {
        let dir = typeof opts.resume === 'string' ? opts.resume : opts.out;
        if (typeof opts.resume === 'string' && opts.out !== undefined && path.resolve(opts.out) !== path.resolve(opts.resume)) {
          throw new EvalOptionError('--out', `--resume ${opts.resume} and --out ${opts.out} name different folders`);
        }
        if (dir === undefined) {
          dir = latestRunDir(DEFAULT_EXPERIMENTS_DIR);
          if (dir === undefined) throw new EvalOptionError('--resume', `no run folder given and none found under ${path.resolve(DEFAULT_EXPERIMENTS_DIR)}`);
        }
        const { readRunConfig } = await import('../eval/run-config.js');
        let stored;
        try {
          stored = readRunConfig(path.resolve(dir));
        } catch (err) {
          throw new EvalOptionError('--resume', (err as Error).message);
        }
        checkResumeOptions(given, stored.options, dir);
        resolveEvalSettings({ threads: given.threads, parallel: given.parallel }, { threads: 1 });
        request = {
          mode: 'resume',
          dir: path.resolve(dir),
          ...(given.threads !== undefined ? { threads: given.threads } : {}),
          ...(given.parallel !== undefined ? { parallel: given.parallel } : {}),
        };
      } else {
        const settings = resolveEvalSettings(given, { threads: defaultThreads() });
        const dir = opts.out !== undefined ? path.resolve(opts.out) : newRunDir(DEFAULT_EXPERIMENTS_DIR, settings.task);
        request = { mode: 'new', dir, settings, fitParallel: given.parallel === undefined };
      }
      const result = await runEvalWithSignals(request, io, progress, remote);
      reportEvalResult(result, io, opts.json);
      if (result.status === 'interrupted') process.exitCode = 130;
    });
}
