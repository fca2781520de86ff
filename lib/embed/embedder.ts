/**
 * Sentence embeddings with transformers.js (`feature-extraction`, mean pooling, L2
 * normalization), batched, with a persistent on-disk cache.
 *
 * Models: a Hub id (downloaded through the project's Hub client into the standard Hub cache, so
 * `HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE`, resume and hash checks apply, then loaded from the
 * snapshot folder), a local folder, or an id under `localModelPath` (transformers.js
 * `env.localModelPath` with remote models off).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';

import { downloadHubFile, type HubOptions } from '../hub/download.js';
import { listHubFiles } from '../hub/list.js';
import { createProgress, type ProgressMode } from '../hub/progress.js';
import { hubSettings } from '../hub/settings.js';
import { EmbeddingCache, personaGenCacheDir, textHash } from './embedding-cache.js';
import { DEFAULT_EMBEDDING_MODEL } from './load-embedder.js';

export { DEFAULT_EMBEDDING_MODEL };


/** ONNX weight variants of transformers.js and their file suffixes. */
export const DTYPE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

/** A weight variant. */
export type EmbeddingDtype = keyof typeof DTYPE_SUFFIX;

/** Anything that turns texts into vectors (the real {@link Embedder} or a test fake). */
export interface TextEmbedder {
  /** Identity of the embedding function (model, revision, dtype, pooling); cache keys use it. */
  readonly id: string;
  /** Vector size. */
  readonly dims: number;
  /** One unit-length vector per text, in order. */
  embed(texts: string[], opts?: EmbedCallOptions): Promise<Float32Array[]>;
}

/** Per-call options of {@link TextEmbedder.embed}. */
export interface EmbedCallOptions {
  /** Use the on-disk cache (default true when the embedder has one). */
  cache?: boolean;
  /** Label of the progress display. */
  label?: string;
}

/** Options of {@link Embedder.create}. */
export interface EmbedderOptions {
  /** Hub id, local folder, or id under `localModelPath`. Default {@link DEFAULT_EMBEDDING_MODEL}. */
  model?: string;
  /** Hub revision; default `main`. */
  revision?: string;
  /** Weight variant; default `fp32` (`onnx/model.onnx`). */
  dtype?: EmbeddingDtype;
  /** Folder holding `<model>/` (transformers.js `env.localModelPath`); remote loading is then off. */
  localModelPath?: string;
  /** Hub settings for downloading the model (endpoint, token, cacheDir, offline, progress, fetch). */
  hub?: HubOptions;
  /** Folder of the embedding cache; `null` disables it. Default `<persona-gen cache>/embeddings`. */
  cacheDir?: string | null;
  /** Texts per model call; default 32. */
  batchSize?: number;
  /** Progress on stderr for calls with at least `progressMin` texts to compute (default 256). */
  progress?: ProgressMode;
  progressMin?: number;
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where cache warnings go; default stderr. */
  warn?: (msg: string) => void;
}

/** Where a model was loaded from. */
interface ResolvedModel {
  /** What to pass to `pipeline()`. */
  load: string;
  /** Stable identity for cache keys. */
  key: string;
  /** Uses env.localModelPath (must be set at load time). */
  localModelPath?: string;
}

/** Files of a Hub model repo needed for feature extraction with a weight variant. */
export function requiredModelFiles(files: string[], dtype: EmbeddingDtype): string[] {
  const onnx = `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
  const needed = ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnx];
  const missing = needed.filter((f) => !files.includes(f));
  if (missing.length) {
    const onnxFiles = files.filter((f) => f.endsWith('.onnx'));
    throw new Error(
      `the model repo lacks ${missing.join(', ')}; transformers.js needs an ONNX export ` +
        `(ONNX files there: ${onnxFiles.join(', ') || 'none'}; pick another dtype or a Xenova/onnx-community model)`,
    );
  }
  const external = files.filter((f) => f.startsWith(`${onnx}_data`));
  return [...needed, ...external];
}

function fingerprintDir(dir: string, dtype: EmbeddingDtype): string {
  const h = createHash('sha256');
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    const p = path.join(dir, f);
    if (existsSync(p)) h.update(f).update(readFileSync(p));
  }
  const onnx = path.join(dir, 'onnx', `model${DTYPE_SUFFIX[dtype]}.onnx`);
  if (existsSync(onnx)) {
    const st = statSync(onnx);
    h.update(`${st.size}:${st.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 16);
}

async function resolveModel(opts: EmbedderOptions, model: string, dtype: EmbeddingDtype): Promise<ResolvedModel> {
  if (opts.localModelPath) {
    const dir = path.resolve(opts.localModelPath, model);
    if (!existsSync(dir)) throw new Error(`embedding model "${model}" not found under localModelPath ${opts.localModelPath} (looked in ${dir})`);
    return { load: model, key: `local:${dir}:${fingerprintDir(dir, dtype)}`, localModelPath: path.resolve(opts.localModelPath) };
  }
  if (path.isAbsolute(model) || model.startsWith('.') || (existsSync(model) && statSync(model).isDirectory())) {
    const dir = path.resolve(model);
    if (!existsSync(path.join(dir, 'config.json'))) throw new Error(`embedding model folder ${dir} has no config.json`);
    return { load: dir, key: `local:${dir}:${fingerprintDir(dir, dtype)}` };
  }
  const hub: HubOptions = { ...opts.hub, revision: opts.revision ?? opts.hub?.revision ?? 'main' };
  const needed = (files: string[]): string[] => requiredModelFiles(files, dtype);
  const command = `hf download ${model} config.json tokenizer.json tokenizer_config.json onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
  const { commit, files } = await listHubFiles({ id: model, type: 'model' }, '', { ...hub, downloadCommand: hub.downloadCommand ?? command });
  let first = '';
  for (const f of needed(files)) {
    const got = await downloadHubFile({ repo: model, repoType: 'model', path: f }, { ...hub, revision: commit, downloadCommand: hub.downloadCommand ?? command });
    if (f === 'config.json') first = got.path;
  }
  return { load: path.dirname(first), key: `${model}@${commit}` };
}

/** Sentence embedder over transformers.js; create with {@link Embedder.create}. */
export class Embedder implements TextEmbedder {
  /** Texts served from the cache / computed, since creation. */
  readonly stats = { hits: 0, misses: 0 };

  private constructor(
    readonly id: string,
    readonly dims: number,
    /** The model as given. */
    readonly model: string,
    private readonly pipe: FeatureExtractionPipeline,
    private readonly cache: EmbeddingCache | null,
    private readonly opts: EmbedderOptions,
  ) {}

  /** Loads the model (downloading it if needed), measures its size and opens the cache. */
  static async create(opts: EmbedderOptions = {}): Promise<Embedder> {
    const model = opts.model ?? DEFAULT_EMBEDDING_MODEL;
    const dtype = opts.dtype ?? 'fp32';
    const resolved = await resolveModel(opts, model, dtype);
    env.remoteHost = `${hubSettings(opts.hub).endpoint}/`;
    if (resolved.localModelPath) {
      env.localModelPath = resolved.localModelPath;
      env.allowRemoteModels = false;
    }
    let pipe: FeatureExtractionPipeline;
    try {
      pipe = (await pipeline('feature-extraction', resolved.load, { dtype, device: 'cpu', local_files_only: true })) as FeatureExtractionPipeline;
    } catch (err) {
      throw new Error(`could not load embedding model ${model} (${resolved.load}, dtype ${dtype}): ${(err as Error).message}`);
    }
    const probe = await pipe(['dims'], { pooling: 'mean', normalize: true });
    const dims = probe.dims[probe.dims.length - 1];
    const id = `${resolved.key}:${dtype}:mean:l2`;
    const cacheDir = opts.cacheDir === undefined ? path.join(personaGenCacheDir(), 'embeddings') : opts.cacheDir;
    const cache = cacheDir === null ? null : EmbeddingCache.open(cacheDir, id, dims, opts.warn);
    return new Embedder(id, dims, model, pipe, cache, opts);
  }

  /** Runs the model on texts in batches (no cache). */
  private async compute(texts: string[], label: string, onBatch: (start: number, vectors: Float32Array[]) => void): Promise<void> {
    const batchSize = this.opts.batchSize ?? 32;
    const progress =
      texts.length >= (this.opts.progressMin ?? 256)
        ? createProgress({ label, total: texts.length, unit: 'items', mode: this.opts.progress, stream: this.opts.progressStream })
        : null;
    try {
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const out = await this.pipe(batch, { pooling: 'mean', normalize: true });
        const data = out.data as Float32Array;
        const vectors = batch.map((_, i) => data.slice(i * this.dims, (i + 1) * this.dims));
        onBatch(start, vectors);
        progress?.update(Math.min(texts.length, start + batchSize));
      }
    } finally {
      progress?.finish();
    }
  }

  /**
   * Embeds texts: cached vectors are read from disk, the rest are computed in batches (sorted by
   * length to limit padding) and appended to the cache batch by batch.
   */
  async embed(texts: string[], callOpts: EmbedCallOptions = {}): Promise<Float32Array[]> {
    const useCache = this.cache !== null && callOpts.cache !== false;
    const out: (Float32Array | undefined)[] = new Array(texts.length);
    const pending = new Map<string, { text: string; hash: Buffer; at: number[] }>();
    for (let i = 0; i < texts.length; i++) {
      const hash = textHash(texts[i]);
      const key = hash.toString('latin1');
      const seen = pending.get(key);
      if (seen) {
        seen.at.push(i);
        continue;
      }
      const hit = useCache ? this.cache!.get(hash) : undefined;
      if (hit) {
        out[i] = hit;
        this.stats.hits++;
      } else pending.set(key, { text: texts[i], hash, at: [i] });
    }
    const todo = [...pending.values()].sort((a, b) => a.text.length - b.text.length);
    this.stats.misses += todo.length;
    await this.compute(
      todo.map((t) => t.text),
      callOpts.label ?? `embedding with ${this.model}`,
      (start, vectors) => {
        const entries = vectors.map((vector, i) => ({ hash: todo[start + i].hash, vector }));
        if (useCache) this.cache!.putMany(entries);
        entries.forEach((e, i) => {
          for (const at of todo[start + i].at) out[at] = e.vector;
        });
      },
    );
    return out as Float32Array[];
  }

  /** Embeds one text. */
  async embedOne(text: string): Promise<Float32Array> {
    return (await this.embed([text]))[0];
  }

  /** Closes the cache file and releases the model. */
  async dispose(): Promise<void> {
    this.cache?.close();
    await this.pipe.dispose();
  }
}
