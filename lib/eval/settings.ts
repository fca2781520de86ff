/**
 * The settings of one evaluation run: every option of `persona-gen eval`, its default, and the
 * checks that turn raw values into settings (each error names the option and what it expects).
 * The resolved settings are stored in `config.json` under `options`, so a run can be resumed
 * with exactly the settings it started with.
 * @module
 */
import path from 'node:path';

import { TASKS, parseSetting, parseSplit, resolveTask, type Setting, type Split, type TaskId } from '../data/tasks.js';
import type { BiasReference, GenerateOptions, PersonalizationOptions } from '../generation-options.js';
import { isHfRef } from '../hub/hf-ref.js';
import type { PersonalizationSpace } from '../personalizer.js';

/** Where the token vectors and the user vector live (the personalizer's spaces). */
export type { PersonalizationSpace };

/** Whether prompts go through the model's chat template. */
export type ChatMode = 'auto' | 'on' | 'off';

/** The model every run uses unless `--model` says otherwise. */
export const DEFAULT_MODEL = 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf';
/** The Sentence-BERT embedder of the `sbert` space unless `--embedder` says otherwise. */
export const DEFAULT_EMBEDDER = 'Xenova/all-MiniLM-L6-v2';
/** Largest context the automatic context size picks (the model's training context, capped). */
export const AUTO_CONTEXT_CAP = 4096;
/** Fewest prompt tokens a context must leave after `--max-tokens`. */
export const MIN_PROMPT_BUDGET = 8;
/**
 * Sequences decoded at once unless `--parallel` says otherwise (the batch engine's slots). The
 * evalscale benchmark (`npm run bench -- --only evalscale --eval-parallel N`, 2 threads) gave,
 * for 16 against 8: the Llama-3.2-1B shape 755 against 666 users/hour, the Qwen2.5-0.5B shape
 * 1,125 against 1,155 (noise): a 1B model's steps stay compute-bound, so more sequences per
 * step pay until 16. The KV cache grows with it: parallel x context size cells.
 */
export const DEFAULT_EVAL_PARALLEL = 16;

/** Every setting of a run, resolved (no undefined values: JSON-stable). */
export interface EvalSettings {
  /** LongLaMP task id, e.g. `LongLaMP-2`. */
  task: TaskId;
  setting: Setting;
  split: Split;
  /** Absolute path of a local data file of the task's schema, or null for the Hub copy. */
  data: string | null;
  /** A model file (absolute path) or an `hf:` reference, as given. */
  model: string;
  /** Sentence-BERT embedder id or folder (used by the `sbert` space only). */
  embedder: string;
  space: PersonalizationSpace;
  /** How many users to evaluate (the first ones in file order) when `users` is null. */
  numUsers: number;
  /** Explicit user ids, in the order given, or null. */
  users: string[] | null;
  /** Bias strengths of the personalized systems, in the order given. */
  betas: number[];
  /** Profile items retrieved for the RAG systems (BM25), or null for no RAG systems. */
  ragK: number | null;
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number;
  threads: number;
  /** Sequences decoded at once (speed only: greedy outputs do not depend on it). */
  parallel: number;
  /** Context size of each generation, or null for automatic (the model's training context, at most 4096). */
  contextSize: number | null;
  /** Bias only the top-k candidates by unbiased logit (null: no guard). */
  guardTopK: number | null;
  /** Bias only candidates with p >= guardMinP * p_max (null: no guard). */
  guardMinP: number | null;
  /** What the bias is measured against: `neutral` (the average token gets 0) or `raw` (the cosine itself). */
  biasReference: BiasReference;
  chat: ChatMode;
  /** NLTK data folder for METEOR's Punkt parameters, or null for NLTK's own search path. */
  nltkData: string | null;
}

/** Raw option values as a command line or a sweep file gives them (all optional). */
export interface EvalSettingsInput {
  task?: string;
  setting?: string;
  split?: string;
  data?: string;
  model?: string;
  embedder?: string;
  space?: string;
  numUsers?: number;
  users?: string[] | string;
  beta?: number;
  betas?: number[] | string;
  ragK?: number;
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  seed?: number;
  threads?: number;
  parallel?: number;
  contextSize?: number;
  guardTopK?: number;
  guardMinP?: number;
  biasReference?: string;
  chat?: string;
  nltkData?: string;
}

/** An option value that is not acceptable; the message names the option. */
export class EvalOptionError extends Error {
  override readonly name = 'EvalOptionError';
  constructor(
    /** The option as written on the command line, e.g. `--betas`. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** Command-line spelling of each setting (for error messages and resume checks). */
export const OPTION_FLAGS: Readonly<Record<keyof EvalSettingsInput, string>> = {
  task: '--task',
  setting: '--setting',
  split: '--split',
  data: '--data',
  model: '--model',
  embedder: '--embedder',
  space: '--space',
  numUsers: '--num-users',
  users: '--users',
  beta: '--beta',
  betas: '--betas',
  ragK: '--rag-k',
  maxTokens: '--max-tokens',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  minP: '--min-p',
  seed: '--seed',
  threads: '--threads',
  parallel: '--parallel',
  contextSize: '--context-size',
  guardTopK: '--guard-top-k',
  guardMinP: '--guard-min-p',
  biasReference: '--bias-reference',
  chat: '--chat',
  nltkData: '--nltk-data',
};

function checkNumberOption(
  value: number | undefined,
  key: keyof EvalSettingsInput,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean },
): number | undefined {
  if (value === undefined) return undefined;
  const flag = OPTION_FLAGS[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new EvalOptionError(flag, `expected a number, got ${String(value)}`);
  if (integer && !Number.isInteger(value)) throw new EvalOptionError(flag, `expected an integer, got ${value}`);
  if (value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : min === -Infinity ? `<= ${max}` : `between ${min} and ${max}`;
    throw new EvalOptionError(flag, `expected a number ${range}, got ${value}`);
  }
  return value;
}

/** Parses a comma-separated list of numbers (`0,0.5,1`), naming the option in errors. */
export function parseNumberList(text: string, flag: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new EvalOptionError(flag, `expected a comma-separated list of numbers such as 0.5,1,2, got "${text}"`);
  }
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n)) throw new EvalOptionError(flag, `"${p}" is not a finite number (in "${text}")`);
    return n;
  });
}

/** Parses a comma-separated list of ids (`u1,u2`), naming the option in errors. */
export function parseIdList(text: string, flag: string): string[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => id === '')) throw new EvalOptionError(flag, `expected a comma-separated list of user ids, got "${text}"`);
  return ids;
}

function wrap<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EvalOptionError) throw err;
    throw new EvalOptionError(flag, err instanceof Error ? err.message : String(err));
  }
}

/** `--beta B` or `--betas B1,B2,...` (not both): distinct numbers, 0.5 when neither is given. */
function resolveBetas(input: EvalSettingsInput): number[] {
  if (input.beta !== undefined && input.betas !== undefined) {
    throw new EvalOptionError('--betas', 'give either --beta B or --betas B1,B2,..., not both');
  }
  let betas: number[];
  if (input.betas !== undefined) {
    betas = typeof input.betas === 'string' ? parseNumberList(input.betas, '--betas') : [...input.betas];
    if (betas.length === 0) throw new EvalOptionError('--betas', 'expected at least one beta');
    betas.forEach((b) => checkNumberOption(b, 'betas', { min: -1e6, max: 1e6 }));
  } else {
    betas = [checkNumberOption(input.beta, 'beta', { min: -1e6, max: 1e6 }) ?? 0.5];
  }
  const seen = new Set<number>();
  for (const b of betas) {
    if (seen.has(b)) throw new EvalOptionError(input.betas !== undefined ? '--betas' : '--beta', `beta ${b} is listed twice`);
    seen.add(b);
  }
  return betas;
}

/** `--users`: distinct user ids, or null (the data's first users) when not given. */
function resolveUsers(input: EvalSettingsInput): string[] | null {
  if (input.users === undefined) return null;
  const users = typeof input.users === 'string' ? parseIdList(input.users, '--users') : [...input.users];
  if (users.length === 0) throw new EvalOptionError('--users', 'expected at least one user id');
  const dup = users.find((u, i) => users.indexOf(u) !== i);
  if (dup !== undefined) throw new EvalOptionError('--users', `user "${dup}" is listed twice`);
  return users;
}

/**
 * Resolves raw options into complete settings, applying the defaults and checking each value.
 *
 * @param input - raw values (undefined = default).
 * @param defaults - machine-dependent defaults (the thread count) and the folder relative paths are resolved against.
 * @throws EvalOptionError naming the option.
 */
export function resolveEvalSettings(input: EvalSettingsInput, defaults: { threads: number; cwd?: string }): EvalSettings {
  const cwd = defaults.cwd ?? process.cwd();
  const task = wrap('--task', () => resolveTask(input.task ?? 'LongLaMP-2'));
  const setting = wrap('--setting', () => parseSetting(input.setting ?? 'user'));
  const split = wrap('--split', () => parseSplit(input.split ?? 'test'));
  const space = input.space ?? 'sbert';
  if (space !== 'sbert' && space !== 'native') throw new EvalOptionError('--space', `expected sbert or native, got "${space}"`);
  const biasReference = input.biasReference ?? 'neutral';
  if (biasReference !== 'neutral' && biasReference !== 'raw') {
    throw new EvalOptionError('--bias-reference', `expected neutral or raw, got "${biasReference}"`);
  }
  const chat = input.chat ?? 'auto';
  if (chat !== 'auto' && chat !== 'on' && chat !== 'off') throw new EvalOptionError('--chat', `expected auto, on or off, got "${chat}"`);

  const betas = resolveBetas(input);
  const users = resolveUsers(input);
  const ragK = checkNumberOption(input.ragK, 'ragK', { min: 0, max: 1000, integer: true });
  const maxTokens = checkNumberOption(input.maxTokens, 'maxTokens', { min: 1, max: 1 << 20, integer: true }) ?? 256;
  const contextSize = checkNumberOption(input.contextSize, 'contextSize', { min: 16, max: 1 << 20, integer: true }) ?? null;
  if (contextSize !== null && maxTokens > contextSize - MIN_PROMPT_BUDGET) {
    throw new EvalOptionError(
      '--max-tokens',
      `${maxTokens} new tokens leave fewer than ${MIN_PROMPT_BUDGET} tokens of --context-size ${contextSize} for the prompt; ` +
        'lower --max-tokens or raise --context-size',
    );
  }
  const model = input.model ?? DEFAULT_MODEL;
  if (model.trim() === '') throw new EvalOptionError('--model', 'expected a GGUF file or an hf:<repo>/<file> reference, got an empty string');
  const embedder = input.embedder ?? DEFAULT_EMBEDDER;
  if (embedder.trim() === '') throw new EvalOptionError('--embedder', 'expected a model id or a folder, got an empty string');
  if (input.data !== undefined && input.data.trim() === '') throw new EvalOptionError('--data', 'expected a file path, got an empty string');

  return {
    task: task.id,
    setting,
    split,
    data: input.data === undefined ? null : path.resolve(cwd, input.data),
    model: isHfRef(model) ? model : path.resolve(cwd, model),
    embedder: embedder.startsWith('.') || embedder.startsWith('/') ? path.resolve(cwd, embedder) : embedder,
    space,
    numUsers: checkNumberOption(input.numUsers, 'numUsers', { min: 1, max: 1e9, integer: true }) ?? 10,
    users,
    betas,
    ragK: ragK === undefined || ragK === 0 ? null : ragK,
    maxTokens,
    temperature: checkNumberOption(input.temperature, 'temperature', { min: 0, max: 100 }) ?? 0,
    topK: checkNumberOption(input.topK, 'topK', { min: 0, max: 1e9, integer: true }) ?? 40,
    topP: checkNumberOption(input.topP, 'topP', { min: 0, max: 1 }) ?? 0.95,
    minP: checkNumberOption(input.minP, 'minP', { min: 0, max: 1 }) ?? 0.05,
    seed: checkNumberOption(input.seed, 'seed', { min: 0, max: 0xfffffffe, integer: true }) ?? 0,
    threads: checkNumberOption(input.threads, 'threads', { min: 1, max: 1024, integer: true }) ?? defaults.threads,
    parallel: checkNumberOption(input.parallel, 'parallel', { min: 1, max: 256, integer: true }) ?? DEFAULT_EVAL_PARALLEL,
    contextSize,
    guardTopK: checkNumberOption(input.guardTopK, 'guardTopK', { min: 0, max: 1e9, integer: true }) ?? null,
    guardMinP: checkNumberOption(input.guardMinP, 'guardMinP', { min: 0, max: 1 }) ?? null,
    biasReference,
    chat,
    nltkData: input.nltkData === undefined ? null : path.resolve(cwd, input.nltkData),
  };
}

/**
 * The context size a run uses: the explicit one, else the model's training context capped at
 * {@link AUTO_CONTEXT_CAP}; checked against `maxTokens`.
 *
 * @throws EvalOptionError naming `--max-tokens` / `--context-size` when no room is left for a prompt.
 */
export function effectiveContextSize(settings: EvalSettings, trainContextSize: number): number {
  const ctx = settings.contextSize ?? Math.min(Math.max(trainContextSize, 16), AUTO_CONTEXT_CAP);
  if (settings.maxTokens > ctx - MIN_PROMPT_BUDGET) {
    throw new EvalOptionError(
      '--max-tokens',
      `${settings.maxTokens} new tokens leave fewer than ${MIN_PROMPT_BUDGET} tokens of the context size ${ctx}` +
        `${settings.contextSize === null ? ` (the model's training context ${trainContextSize}, at most ${AUTO_CONTEXT_CAP})` : ''} ` +
        'for the prompt; lower --max-tokens or raise --context-size',
    );
  }
  return ctx;
}

/** The short name of a task's kind, e.g. `abstract`. */
export function taskKindOf(settings: Pick<EvalSettings, 'task'>): string {
  return TASKS[settings.task].kind;
}

/** The decoding options every system of a run shares (same seed for all), from the settings. */
export function decodingOptions(settings: EvalSettings): GenerateOptions {
  return {
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    topK: settings.topK,
    topP: settings.topP,
    minP: settings.minP,
    seed: settings.seed,
  };
}

/** The personalization of one generation of a run: its beta with the run's guard and reference. */
export function personalizationOf(settings: EvalSettings, matrix: PersonalizationOptions['matrix'], user: Float32Array, beta: number): PersonalizationOptions {
  return {
    matrix,
    user,
    beta,
    ...(settings.guardTopK !== null ? { guardTopK: settings.guardTopK } : {}),
    ...(settings.guardMinP !== null ? { guardMinP: settings.guardMinP } : {}),
    reference: settings.biasReference,
  };
}
