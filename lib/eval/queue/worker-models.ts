/**
 * A worker's models: for a run spec, finds the model file on THIS machine (an `hf:` reference
 * through the worker's own Hub cache; a file by its bare name in the worker's model folders,
 * never by a path from the payload), checks its sha256 against the run's, and loads it with the
 * run's context size and the personalization space. The loaded model stays for the next job of
 * the same run; a job of another run replaces it.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import type { HubOptions } from '../../hub/download.js';
import { isHfRef } from '../../hub/hf-ref.js';
import { loadFitted } from '../../kv-memory.js';
import { loadModel, type Model } from '../../model.js';
import { resolveModelFile } from '../model-file.js';
import { openSpace, type OpenSpace } from '../space.js';
import { decodeNativeIdf, PayloadError, type QueueRunSpec } from './payload.js';

/** A model whose file is not the run's (another worker may have it): the job is retried elsewhere. */
export class ModelMismatchError extends Error {
  override readonly name = 'ModelMismatchError';
}

/** Where a worker finds models. */
export interface WorkerModelSources {
  /** Folders holding GGUF files (and embedder folders), looked up by bare file name. */
  modelDirs: string[];
  /** Hub settings (its cache) for `hf:` references and embedder ids. */
  hub: HubOptions;
  threads: number;
  /** The batch engine's sequence slots. */
  parallel: number;
  /** `parallel` is the default, not given: lower it to fit each run's KV cache in memory (see lib/kv-memory.ts). */
  fitParallel?: boolean;
  /** Where a lowered parallelism is reported. */
  log?: (line: string) => void;
  /** The available memory `fitParallel` fits to, in bytes; default the machine's (see lib/kv-memory.ts). */
  availableBytes?: number;
}

/** A run's loaded model and space. */
export interface LoadedRun {
  runId: string;
  model: Model;
  space: OpenSpace;
}

function findInDirs(name: string, dirs: readonly string[], what: string): string {
  for (const dir of dirs) {
    const file = path.join(path.resolve(dir), name);
    if (path.dirname(file) === path.resolve(dir) && existsSync(file)) return file;
  }
  throw new ModelMismatchError(`${what} "${name}" is not in this worker's model folders (${dirs.length > 0 ? dirs.join(', ') : 'none given: start the worker with --model-dir'})`);
}

/** Finds the model file of a spec on this machine and checks its sha256. */
export async function resolveRunModel(spec: QueueRunSpec, sources: WorkerModelSources): Promise<string> {
  const ref = isHfRef(spec.model.ref) ? spec.model.ref : findInDirs(spec.model.fileName, sources.modelDirs, 'the model file');
  if (!isHfRef(ref) && !statSync(ref).isFile()) throw new ModelMismatchError(`${ref} is not a file`);
  let file;
  try {
    file = await resolveModelFile(ref, sources.hub);
  } catch (err) {
    throw new ModelMismatchError(`cannot get the model ${spec.model.ref}: ${(err as Error).message}`);
  }
  if (file.sha256 !== spec.model.sha256) {
    throw new ModelMismatchError(
      `this worker's ${path.basename(file.path)} has sha256 ${file.sha256.slice(0, 16)}…, the run's model has ${spec.model.sha256.slice(0, 16)}…: different weights, refused`,
    );
  }
  return file.path;
}

/** The embedder of a spec as this worker reaches it: a Hub id as is, a folder by its bare name in the model folders. */
function resolveEmbedder(embedder: string, dirs: readonly string[]): string {
  if (!embedder.startsWith('/') && !embedder.startsWith('.')) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/.test(embedder)) throw new PayloadError(`"${embedder.slice(0, 80)}" is not a Hub model id`);
    return embedder;
  }
  return findInDirs(path.basename(embedder), dirs, 'the embedder folder');
}

/** Keeps the model of the current run loaded between its jobs. */
export class WorkerModels {
  #current: LoadedRun | undefined;
  #loading: Promise<LoadedRun> | undefined;

  constructor(private readonly sources: WorkerModelSources) {}

  /** The loaded model and space of `spec`'s run (loading them, and freeing another run's, if needed). */
  async forRun(spec: QueueRunSpec): Promise<LoadedRun> {
    if (this.#current?.runId === spec.runId) return this.#current;
    if (this.#loading) {
      const other = await this.#loading.catch(() => undefined);
      if (other?.runId === spec.runId) return other;
    }
    this.#loading = this.#load(spec);
    try {
      return await this.#loading;
    } finally {
      this.#loading = undefined;
    }
  }

  // Loads `file` with the worker's parallelism, lowered where the run's KV cache would not fit in memory.
  #loadModel(file: string, spec: QueueRunSpec): Promise<Model> {
    const { threads, parallel, fitParallel, log, availableBytes } = this.sources;
    return loadFitted((contextSize, p) => loadModel(file, { contextSize, threads, parallel: p }), {
      contextSize: spec.contextSize,
      parallel,
      ...(fitParallel ? { fit: { availableBytes, note: (line: string) => log?.(`${path.basename(file)}: ${line}`) } } : {}),
    });
  }

  async #load(spec: QueueRunSpec): Promise<LoadedRun> {
    await this.dispose();
    const file = await resolveRunModel(spec, this.sources);
    const model = await this.#loadModel(file, spec);
    try {
      if (spec.chat && model.info.chatTemplate === null) throw new ModelMismatchError(`${path.basename(file)} has no chat template, and the run uses one`);
      const embedder = spec.settings.space === 'sbert' ? resolveEmbedder(spec.settings.embedder, this.sources.modelDirs) : spec.settings.embedder;
      const space = await openSpace(model, spec.settings.space, embedder, this.sources.hub, decodeNativeIdf(spec, model.vocabSize));
      this.#current = { runId: spec.runId, model, space };
      return this.#current;
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** Frees the loaded model (idempotent). */
  async dispose(): Promise<void> {
    const c = this.#current;
    this.#current = undefined;
    if (c) {
      await c.space.dispose();
      c.model.dispose();
    }
  }
}
