/**
 * Opening a run, shared by the local runner and the queue coordinator: the folder (created, or
 * checked for `--resume`) and its lock, the settings (stored ones on resume), the model and data
 * files (the same bytes on resume), the users, the loaded model and personalization space, the
 * scorer, `config.json` (written for a new run), and what `predictions.jsonl` already holds.
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import type { LongLampRecord } from '../data/records.js';
import { TASKS } from '../data/tasks.js';
import type { HubOptions } from '../hub/download.js';
import type { Model } from '../model.js';
import { systemInfo } from '../system-info.js';
import { selectUsers, type SelectedUsers } from './data-source.js';
import { loadRunModel, resolveModelFile, type ModelFile } from './model-file.js';
import { pairKey, readPredictions, type PredictionFileContents } from './predictions.js';
import type { ProgressStream } from './progress.js';
import { buildRunConfig, readRunConfig, type RunConfig } from './run-config.js';
import { lockRunDir, runPaths, writeJsonAtomic, type RunPaths } from './run-folder.js';
import { createRunScorer, type RunScorer } from './scoring.js';
import { DEFAULT_EVAL_PARALLEL, EvalOptionError, type EvalSettings } from './settings.js';
import { nativeIdfOf, type NativeIdf } from './idf-corpus.js';
import { openSpace, type OpenSpace } from './space.js';
import { listSystems, type SystemSpec } from './systems.js';

/** What a run is asked to do. */
export type RunEvalRequest =
  | {
      /** A new run in `dir` (created; must not hold a run yet). */
      mode: 'new';
      dir: string;
      settings: EvalSettings;
      /** `settings.parallel` is the default, not given: lower it to fit the KV cache in memory (see lib/kv-memory.ts). */
      fitParallel?: boolean;
    }
  | {
      /** Continue the run in `dir` with the settings in its `config.json`. */
      mode: 'resume';
      dir: string;
      /** Threads may change on resume (speed only); nothing else may. */
      threads?: number;
      /** Sequences decoded at once may change on resume (speed only). */
      parallel?: number;
    };

/** An open run: everything a runner needs. Call {@link RunSession.close} when done. */
export interface RunSession {
  paths: RunPaths;
  config: RunConfig;
  /** The settings in effect (the stored ones on resume, with the threads/parallel given). */
  settings: EvalSettings;
  records: LongLampRecord[];
  users: string[];
  systems: SystemSpec[];
  model: Model;
  space: OpenSpace;
  /** The native space's corpus document frequencies (undefined in the sbert space); workers get them with the run spec. */
  nativeIdf: NativeIdf | undefined;
  scorer: RunScorer;
  chat: boolean;
  contextSize: number;
  /** Keys ({@link pairKey}) of the pairs already in `predictions.jsonl`. */
  done: Set<string>;
  /** Byte length of the complete lines of `predictions.jsonl` (where appending continues). */
  completeBytes: number;
  /** Frees the model and space and releases the folder's lock (idempotent). */
  close(): Promise<void>;
  /** Frees the model and space only (a coordinator does not generate). */
  releaseModel(): Promise<void>;
}

function describeData(config: RunConfig): string {
  return config.data.source === 'file' ? config.data.path : `${config.data.repo}@${config.data.commit.slice(0, 12)} ${config.data.config}/${config.data.split}`;
}

function checkFolder(request: RunEvalRequest): RunPaths {
  const paths = runPaths(request.dir);
  if (request.mode === 'new') {
    if (existsSync(paths.config)) {
      throw new EvalOptionError('--out', `${paths.dir} already holds a run; continue it with --resume ${paths.dir}, or choose another --out`);
    }
    mkdirSync(paths.dir, { recursive: true });
  } else if (!existsSync(paths.config)) {
    throw new EvalOptionError('--resume', `${paths.dir} has no config.json: it is not a run folder (or the run failed before it started)`);
  }
  return paths;
}

function settingsOf(request: RunEvalRequest, stored: RunConfig | undefined): EvalSettings {
  if (request.mode === 'new') return request.settings;
  const s = stored!.options;
  // A run started before --bias-reference existed was made with the raw reference.
  const biasReference = (s as Partial<EvalSettings>).biasReference ?? 'raw';
  return { ...s, biasReference, threads: request.threads ?? s.threads, parallel: request.parallel ?? s.parallel ?? DEFAULT_EVAL_PARALLEL };
}

/** The run's model file, checked on resume to be the file the run started with. */
async function runModelFile(settings: EvalSettings, stored: RunConfig | undefined, hub: HubOptions): Promise<ModelFile> {
  const modelFile = await resolveModelFile(settings.model, hub);
  if (stored && modelFile.sha256 !== stored.model.sha256) {
    throw new EvalOptionError(
      '--resume',
      `the model ${modelFile.path} is not the file the run started with (sha256 ${modelFile.sha256.slice(0, 16)}…, config.json has ${stored.model.sha256.slice(0, 16)}…)`,
    );
  }
  return modelFile;
}

/** The run's users (the stored ones on resume, from a data file with the same bytes). */
async function runUsers(settings: EvalSettings, stored: RunConfig | undefined, dataHub: HubOptions, note: (line: string) => void): Promise<SelectedUsers> {
  const selected = await selectUsers(
    { task: settings.task, setting: settings.setting, split: settings.split, data: settings.data, numUsers: settings.numUsers, users: stored ? stored.users : settings.users },
    dataHub,
  );
  if (stored?.data.source === 'file' && selected.data.source === 'file' && selected.data.sha256 !== stored.data.sha256) {
    throw new EvalOptionError('--resume', `the data file ${selected.data.path} has changed since the run started (its sha256 differs from config.json's)`);
  }
  if (selected.duplicateRows > 0) note(`note: ${selected.duplicateRows} rows repeat a user id seen before; each user's first row is used`);
  return selected;
}

/** Whether prompts go through the model's chat template (`--chat on` needs one). */
function chatOf(settings: EvalSettings, model: Model, modelPath: string): boolean {
  const chat = settings.chat === 'on' || (settings.chat === 'auto' && model.info.chatTemplate !== null);
  if (settings.chat === 'on' && model.info.chatTemplate === null) {
    throw new EvalOptionError('--chat', `${path.basename(modelPath)} has no chat template; use --chat auto or off`);
  }
  return chat;
}

/** What `predictions.jsonl` already holds, every pair checked to be one of this run's. */
function existingPredictions(file: string, users: string[], systems: SystemSpec[], note: (line: string) => void): PredictionFileContents {
  const existing = readPredictions(file);
  if (existing.tornBytes > 0) note(`note: ignoring a half-written last line (${existing.tornBytes} bytes) of ${file}`);
  const systemIds = new Set(systems.map((s) => s.id));
  const userIds = new Set(users);
  for (const r of existing.records) {
    if (!userIds.has(r.userId) || !systemIds.has(r.system)) {
      throw new Error(`${file}: user "${r.userId}", system "${r.system}" is not part of this run's config.json`);
    }
  }
  return existing;
}

/** The lines that say what the run is: folder, task and data, model and space. */
function noteRun(note: (line: string) => void, paths: RunPaths, config: RunConfig, modelFile: ModelFile, contextSize: number, settings: EvalSettings): void {
  const task = TASKS[settings.task];
  note(`run folder: ${paths.dir}`);
  note(`${task.id} (${task.title}) → config ${config.task.config}, split ${config.task.split}; data: ${describeData(config)}`);
  note(`model: ${modelFile.ref} (sha256 ${modelFile.sha256.slice(0, 12)}…), context ${contextSize}, ${settings.threads} threads, ${settings.parallel} sequences at once; space: ${settings.space}`);
}

/** The model and space a run holds while it is open (set as they load, so a failure can free them). */
interface HeldModel {
  model?: Model;
  space?: OpenSpace;
}

/**
 * Opens (or re-opens) a run folder and loads what its generations need.
 *
 * @param note - prints one line for people (stderr).
 * @throws EvalOptionError naming the option at fault; Error for a folder that cannot be used.
 */
export async function openRunSession(
  request: RunEvalRequest,
  io: { stderr: ProgressStream },
  hubOptions: HubOptions = {},
): Promise<RunSession> {
  const paths = checkFolder(request);
  const release = lockRunDir(paths.dir);
  const held: HeldModel = {};
  const releaseModel = async (): Promise<void> => {
    const s = held.space;
    held.space = undefined;
    await s?.dispose();
    held.model?.dispose();
  };
  const releaseAll = async (): Promise<void> => {
    try {
      await releaseModel();
    } finally {
      release();
    }
  };
  try {
    const opened = await loadRun(request, paths, io, hubOptions, held);
    let closed = false;
    return {
      ...opened,
      releaseModel,
      close: async () => {
        if (closed) return;
        closed = true;
        await releaseAll();
      },
    };
  } catch (err) {
    await releaseAll();
    throw err;
  }
}

/** Everything of an open run but its release: settings, files, users, model, space, scorer, config, existing predictions. */
async function loadRun(
  request: RunEvalRequest,
  paths: RunPaths,
  io: { stderr: ProgressStream },
  hubOptions: HubOptions,
  held: HeldModel,
): Promise<Omit<RunSession, 'close' | 'releaseModel'>> {
  const note = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  const stored = request.mode === 'resume' ? readRunConfig(paths.dir) : undefined;
  const requested = settingsOf(request, stored);
  const hub: HubOptions = { progressStream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean }, ...hubOptions };
  const modelFile = await runModelFile(requested, stored, hub);
  const dataHub: HubOptions = stored?.data.source === 'hub' ? { ...hub, revision: stored.data.commit } : hub;
  const selected = await runUsers(requested, stored, dataHub, note);
  const records = selected.records;
  const users = records.map((r) => r.userId);

  // On resume without --parallel the stored one is fitted again: this machine may have less memory.
  const fit = request.mode === 'new' ? request.fitParallel === true : request.parallel === undefined;
  const loaded = await loadRunModel(modelFile, requested, { fitParallel: fit, note });
  const settings: EvalSettings = { ...requested, parallel: loaded.parallel };
  const model = (held.model = loaded.model);
  const chat = chatOf(settings, model, modelFile.path);
  const nativeIdf = await nativeIdfOf(model, settings, dataHub, note);
  const space = (held.space = await openSpace(model, settings.space, settings.embedder, hub, nativeIdf));
  const scorer = await createRunScorer(settings.nltkData);
  const systems = listSystems(settings.betas, settings.ragK);
  const config =
    stored ??
    buildRunConfig({
      settings,
      data: selected.data,
      users,
      modelFile,
      modelInfo: model.info,
      space: space.description,
      systems,
      contextSize: loaded.contextSize,
      chat,
      punkt: scorer.punkt,
      system: systemInfo(),
    });
  if (!stored) writeJsonAtomic(paths.config, config);
  noteRun(note, paths, config, modelFile, loaded.contextSize, settings);

  const existing = existingPredictions(paths.predictions, users, systems, note);
  return {
    paths,
    config,
    settings,
    records,
    users,
    systems,
    model,
    space,
    nativeIdf,
    scorer,
    chat,
    contextSize: loaded.contextSize,
    done: new Set(existing.records.map((r) => pairKey(r.userId, r.system))),
    completeBytes: existing.completeBytes,
  };
}
