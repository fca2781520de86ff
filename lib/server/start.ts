/**
 * Starts a server from its settings: resolves and loads the model, opens the profile
 * database and the personalization space, builds the app and listens. `close()` stops
 * accepting connections, lets running requests finish, then frees everything.
 * @module
 */
import path from 'node:path';

import { resolveModelFile } from '../eval/model-file.js';
import { DEFAULT_EMBEDDER } from '../eval/settings.js';
import { loadModel, type Model } from '../model.js';
import { type PersonaServer, buildServer } from './app.js';
import { KeyRing } from './api-keys.js';
import type { CompletionLimits } from './completion-request.js';
import { openProfileSpace, type ProfileSpace, type SpaceName } from './profile-space.js';
import { isMissingPackage, MissingPackageError } from '../embed/load-embedder.js';
import { loadFitted } from '../kv-memory.js';
import type { ProfileStore } from './profile-store.js';
import { type ProfileLimits, Profiles } from './profiles.js';

/** Settings of {@link startServer} (the options of `persona-gen serve`). */
export interface ServeSettings {
  /** GGUF file or `hf:` reference. */
  model: string;
  /** The name requests use; default the file name without `.gguf`. */
  modelName?: string;
  space: SpaceName;
  /** Embedder id or folder (sbert space). */
  embedder?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The profile database file. */
  db: string;
  /** Most sequences generated at once. */
  parallel: number;
  /** `parallel` is the default, not given: lower it until the KV cache fits in memory (lib/kv-memory.ts). */
  fitParallel?: boolean;
  /** Where a lowered parallelism is reported (one line). */
  note?: (line: string) => void;
  /** The available memory `fitParallel` fits to, in bytes; default the machine's (os.freemem, cgroup limits). */
  availableBytes?: number;
  threads?: number;
  /** Context size of each sequence; default the model's training context, at most 4096. */
  contextSize?: number;
  apiKey?: string;
  keysFile?: string;
  bodyLimit: number;
  limits: Partial<CompletionLimits>;
  profileLimits: ProfileLimits;
  log?: boolean;
  /** See ServerConfig.engineStreams (default true). */
  engineStreams?: boolean;
}

/** A running server. */
export interface RunningServer extends PersonaServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  modelId: string;
  keys: KeyRing;
  /** Stops accepting, waits for running requests, frees model, space and database (idempotent). */
  close(): Promise<void>;
}

const CONTEXT_CAP = 4096;
/** Sequences `serve` generates at once unless `--parallel` says otherwise. */
export const DEFAULT_SERVE_PARALLEL = 4;

function loadServeModel(file: string, settings: ServeSettings): Promise<Model> {
  return loadFitted((contextSize, parallel) => loadModel(file, { contextSize, threads: settings.threads, parallel }), {
    contextSize: settings.contextSize ?? CONTEXT_CAP,
    parallel: settings.parallel,
    contextFor: (info) => settings.contextSize ?? Math.min(Math.max(info.trainContextSize, 16), CONTEXT_CAP),
    ...(settings.fitParallel ? { fit: { availableBytes: settings.availableBytes, note: settings.note } } : {}),
  });
}

/**
 * The profile database module, imported on first use: better-sqlite3 is an optional dependency
 * (a native module that may have no prebuilt binary for the machine), needed only by `serve`.
 * @throws MissingPackageError naming better-sqlite3 when it is not installed.
 */
async function importProfileStore(): Promise<typeof import('./profile-store.js')> {
  try {
    return await import('./profile-store.js');
  } catch (err) {
    if (isMissingPackage(err, 'better-sqlite3')) throw new MissingPackageError('better-sqlite3', 'persona-gen serve (its profile database)', '12.11.1');
    throw err;
  }
}

/**
 * Starts the server.
 * @throws Error naming the option (`--model`, `--embedder`, `--db`, `--keys-file`, ...) that failed
 */
export async function startServer(settings: ServeSettings): Promise<RunningServer> {
  const keys = KeyRing.load({ apiKey: settings.apiKey, keysFile: settings.keysFile });
  const { ProfileStore } = await importProfileStore();
  const file = await resolveModelFile(settings.model);
  const model = await loadServeModel(file.path, settings);
  let store: ProfileStore | undefined;
  let space: ProfileSpace | undefined;
  try {
    store = ProfileStore.open(settings.db);
    space = await openProfileSpace(model, { space: settings.space, modelSha256: file.sha256, embedder: settings.embedder ?? DEFAULT_EMBEDDER });
    const modelId = settings.modelName ?? path.basename(file.path).replace(/\.gguf$/i, '');
    const limits: CompletionLimits = {
      maxPromptTokens: settings.limits.maxPromptTokens ?? model.contextSize - 1,
      maxTokens: settings.limits.maxTokens ?? model.contextSize,
      defaultMaxTokens: settings.limits.defaultMaxTokens ?? 256,
      defaultBeta: settings.limits.defaultBeta ?? 1,
    };
    const profiles = new Profiles(store, space, settings.profileLimits);
    const server = await buildServer({ model, modelId, profiles, keys, parallel: model.parallel, limits, bodyLimit: settings.bodyLimit, log: settings.log, engineStreams: settings.engineStreams });
    await server.app.listen({ host: settings.host, port: settings.port });
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    let closing: Promise<void> | undefined;
    const openStore = store;
    const openSpace = space;
    return {
      ...server,
      url: `http://${host}:${port}`,
      port,
      modelId,
      keys,
      close: () =>
        (closing ??= (async () => {
          // Connections that finish their last request after close() began stay open in
          // keep-alive (fastify's keepAliveTimeout is 72 s): close them as they go idle.
          const idle = setInterval(() => server.app.server.closeIdleConnections(), 100);
          try {
            await server.app.close();
          } finally {
            clearInterval(idle);
          }
          openStore.close();
          await openSpace.dispose();
          model.dispose();
        })()),
    };
  } catch (err) {
    store?.close();
    await space?.dispose();
    model.dispose();
    throw err;
  }
}
