/**
 * The model file of a run: a local GGUF path, or an `hf:<repo>/<file>` reference downloaded into
 * the Hub cache by lib/hub (resumable, verified, offline-aware), then hashed (cached by path,
 * size and mtime) for `config.json`.
 * @module
 */
import { stat } from 'node:fs/promises';

import type { HubOptions } from '../hub/download.js';
import { isHfRef, resolveHfRef } from '../hub/hf-ref.js';
import { loadFitted } from '../kv-memory.js';
import { loadModel, type Model } from '../model.js';
import { cachedSha256 } from './file-hash.js';
import { AUTO_CONTEXT_CAP, EvalOptionError, effectiveContextSize, type EvalSettings } from './settings.js';

/** A model file ready to load. */
export interface ModelFile {
  /** What the user gave (`hf:` reference or absolute path). */
  ref: string;
  /** The local file. */
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * Finds (downloading if needed) and hashes the model file.
 *
 * @throws EvalOptionError naming `--model` for a missing file or a failed/offline download.
 */
export async function resolveModelFile(ref: string, hub: HubOptions = {}): Promise<ModelFile> {
  let file = ref;
  if (isHfRef(ref)) {
    try {
      file = await resolveHfRef(ref, hub);
    } catch (err) {
      throw new EvalOptionError('--model', `cannot get ${ref}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    let st;
    try {
      st = await stat(ref);
    } catch {
      throw new EvalOptionError('--model', `model file not found: ${ref} (expected a GGUF file or an hf:<owner>/<repo>/<file>.gguf reference)`);
    }
    if (!st.isFile()) throw new EvalOptionError('--model', `${ref} is not a file (expected a GGUF file)`);
  }
  const hash = await cachedSha256(file);
  return { ref, path: file, sha256: hash.sha256, bytes: hash.size };
}

/** A loaded model with the context size and the parallelism the run uses. */
export interface LoadedRunModel {
  model: Model;
  contextSize: number;
  /** Sequences decoded at once: the settings', or fewer when {@link LoadRunModelOptions.fitParallel} lowered it. */
  parallel: number;
}

/** Options of {@link loadRunModel}. */
export interface LoadRunModelOptions {
  /**
   * The settings' `parallel` is a default, not the user's choice: lower it until the engine's KV
   * cache fits in 75% of the available memory (`KV_MEMORY_SHARE`, lib/kv-memory.ts).
   */
  fitParallel?: boolean;
  /** Available memory in bytes for that fit (default: `os.freemem()`). */
  availableBytes?: number;
  /** Where a lowered parallelism is reported (one line). */
  note?: (line: string) => void;
}

/**
 * Loads the model with the run's context size: the explicit one, else the model's training
 * context capped at 4096, and with the run's parallelism, lowered to fit the memory when asked.
 * The file is loaded again when either differs from the first load's.
 *
 * @throws EvalOptionError naming `--model` (a file llama.cpp cannot load) or `--max-tokens` (no room for a prompt).
 */
export async function loadRunModel(file: ModelFile, settings: EvalSettings, options: LoadRunModelOptions = {}): Promise<LoadedRunModel> {
  const load = async (contextSize: number, parallel: number): Promise<Model> => {
    try {
      return await loadModel(file.path, { contextSize, threads: settings.threads, parallel });
    } catch (err) {
      throw new EvalOptionError('--model', `cannot load ${file.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const model = await loadFitted(load, {
    contextSize: settings.contextSize ?? AUTO_CONTEXT_CAP,
    parallel: settings.parallel,
    contextFor: (info) => effectiveContextSize(settings, info.trainContextSize),
    ...(options.fitParallel ? { fit: { availableBytes: options.availableBytes, note: options.note } } : {}),
  });
  return { model, contextSize: model.contextSize, parallel: model.parallel };
}

/**
 * Generates a few untimed tokens, so that thread start-up (and other libraries' worker threads
 * still spinning, e.g. onnxruntime's after embedding) do not slow the first timed generation.
 * Call it right before the timed generations.
 */
export async function warmUp(model: Model): Promise<void> {
  await model.generate(model.tokenize('Hello', { addSpecial: true }), { maxTokens: 4 });
}
