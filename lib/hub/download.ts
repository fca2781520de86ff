/**
 * Downloads one file of a Hub repo into the standard Hub cache (shared with Python's
 * `huggingface_hub`): resumable (`blobs/<etag>.incomplete` + HTTP Range), verified (size and the
 * Hub's sha256 / git-sha1) before it is used, with progress on stderr, and offline-aware.
 */
import { createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readlink, realpath, rename, stat, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { HubHttpError, HubIntegrityError, HubOfflineError } from './errors.js';
import {
  describeNetworkError,
  hubErrorFromResponse,
  hubFetch,
  isRetryableStatus,
  type FetchLike,
  type RequestSubject,
} from './http.js';
import { etagKind, hashForEtag, normalizeEtag } from './integrity.js';
import { withFileLock } from './lock.js';
import { createProgress, type ProgressMode } from './progress.js';
import {
  describeFile,
  isCommitHash,
  repoCacheFolder,
  repoFolderName,
  resolveUrl,
  safeJoin,
  validateRepoFilePath,
  validateRepoId,
  validateRevision,
  type RepoRef,
  type RepoType,
} from './repo.js';
import { hubSettings, type HubSettings, type HubSettingsOverrides } from './settings.js';

/** A file of a Hub repo. */
export interface HubFileRequest {
  /** `owner/name`. */
  repo: string;
  /** Default `model`. */
  repoType?: RepoType;
  /** Path inside the repo, e.g. `abstract_generation_user/test-00000-of-00002.parquet`. */
  path: string;
}

/** Options shared by the Hub functions; unset settings come from the environment (see settings.ts). */
export interface HubOptions extends HubSettingsOverrides {
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  /** Progress display on stderr; default `auto` (bar on a TTY, lines at every 10% elsewhere). */
  progress?: ProgressMode;
  /** Stream for progress and warnings; default `process.stderr`. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Injected fetch (tests, proxies). */
  fetch?: FetchLike;
  /** Attempts after the first on network errors, 5xx and 429; each resumes where the last stopped. Default 5. */
  maxRetries?: number;
  /** First retry delay; doubles each time. Default 1000 ms. */
  retryDelayMs?: number;
  /** The exact command to show when offline and the file is missing (default: an `hf download` command). */
  downloadCommand?: string;
  /** Re-download even if the file is cached. */
  force?: boolean;
}

/** A file present in the cache. */
export interface CachedHubFile {
  /** `snapshots/<commit>/<path>`: the path to open (a symlink to the blob). */
  path: string;
  /** `blobs/<etag>`. */
  blobPath: string;
  /** Commit the file was resolved at. */
  commit: string;
  /** The Hub's hash of the content (sha256 for LFS files, git-sha1 for small files). */
  etag: string;
  /** Size in bytes. */
  size: number;
  /** True when nothing was downloaded. */
  fromCache: boolean;
  repo: RepoRef;
  /** Path inside the repo. */
  file: string;
}

interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  /** Where to GET the bytes (the resolve URL; its redirect is followed each time). */
  downloadUrl: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function repoOf(req: HubFileRequest): RepoRef {
  return { id: validateRepoId(req.repo), type: req.repoType ?? 'model' };
}

/** The exact command that downloads a file with the Python CLI, for offline error messages. */
export function defaultDownloadCommand(repo: RepoRef, file: string, revision: string): string {
  return `hf download ${repo.id} ${file}${repo.type === 'model' ? '' : ` --repo-type ${repo.type}`}${revision === 'main' ? '' : ` --revision ${revision}`}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function readRef(storage: string, revision: string): Promise<string | undefined> {
  try {
    const commit = (await readFile(safeJoin(path.join(storage, 'refs'), revision), 'utf8')).trim();
    return isCommitHash(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Records that `revision` points at `commit` (`refs/<revision>`), as Python does. */
export async function writeRef(storage: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const refPath = safeJoin(path.join(storage, 'refs'), revision);
  if ((await readFile(refPath, 'utf8').catch(() => '')).trim() === commit) return;
  await mkdir(path.dirname(refPath), { recursive: true });
  const tmp = `${refPath}.${process.pid}.tmp`;
  await writeFile(tmp, commit);
  await rename(tmp, refPath);
}

/** Resolves a revision to a commit using only the cache (`refs/<revision>`), or undefined. */
export async function cachedCommit(cacheDir: string, repo: RepoRef, revision: string): Promise<string | undefined> {
  validateRevision(revision);
  if (isCommitHash(revision)) return revision;
  return readRef(repoCacheFolder(cacheDir, repo), revision);
}

/**
 * Looks a file up in the cache only (no network). Returns undefined when it is not there.
 * `revision` may be a branch/tag (resolved through `refs/`) or a commit.
 */
export async function findCachedHubFile(req: HubFileRequest, opts: HubOptions = {}): Promise<CachedHubFile | undefined> {
  const settings = hubSettings(opts);
  const repo = repoOf(req);
  const file = validateRepoFilePath(req.path);
  const revision = validateRevision(opts.revision ?? 'main');
  const storage = repoCacheFolder(settings.cacheDir, repo);
  const commit = isCommitHash(revision) ? revision : await readRef(storage, revision);
  if (!commit) return undefined;
  const pointer = safeJoin(path.join(storage, 'snapshots', commit), file);
  try {
    const st = await stat(pointer);
    if (!st.isFile()) return undefined;
    const real = await realpath(pointer);
    const blobs = await realpath(path.join(storage, 'blobs')).catch(() => path.join(storage, 'blobs'));
    const isBlob = path.dirname(real) === blobs;
    return {
      path: pointer,
      blobPath: isBlob ? real : pointer,
      commit,
      etag: isBlob ? path.basename(real) : '',
      size: st.size,
      fromCache: true,
      repo,
      file,
    };
  } catch {
    return undefined;
  }
}

async function fetchMetadata(settings: HubSettings, repo: RepoRef, file: string, revision: string, opts: HubOptions): Promise<FileMetadata> {
  const url = resolveUrl(settings.endpoint, repo, revision, file);
  const subject: RequestSubject = { repo: `${repo.type} ${repo.id}`, revision, file };
  const res = await hubFetch(settings, url, {
    method: 'HEAD',
    headers: { 'Accept-Encoding': 'identity' },
    redirects: 'relative',
    fetch: opts.fetch,
    signal: AbortSignal.timeout(settings.timeoutSeconds * 1000),
  });
  const isRedirect = res.status >= 300 && res.status < 400;
  if (!res.ok && !isRedirect) throw await hubErrorFromResponse(res, url, subject, settings);
  const commit = res.headers.get('x-repo-commit') ?? '';
  const rawEtag = res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? '';
  const etag = normalizeEtag(rawEtag);
  const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? NaN);
  const missing = [!isCommitHash(commit) && 'X-Repo-Commit', !etag && 'ETag', !Number.isFinite(size) && 'X-Linked-Size/Content-Length'].filter(Boolean);
  if (missing.length) {
    throw new Error(
      `the answer of ${url} lacks ${missing.join(', ')}: is HF_ENDPOINT (${settings.endpoint}) a Hugging Face Hub? ` +
        `Cannot verify and cache ${describeFile(repo, file, revision)}`,
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(etag) || etag === '.' || etag === '..') {
    throw new Error(`the Hub returned an unusable ETag "${rawEtag}" for ${describeFile(repo, file, revision)}`);
  }
  // GET the resolve URL on every attempt (not the CDN location from this answer): signed CDN URLs
  // expire, and the redirect is followed without the token.
  return { commit, etag, size, downloadUrl: url };
}

/** The size of `incomplete` to resume from: created empty if absent, emptied if longer than `size`. */
async function resumePoint(incomplete: string, size: number): Promise<number> {
  const have = await stat(incomplete).then((s) => s.size, () => -1);
  if (have < 0) await writeFile(incomplete, '');
  if (have > size) await truncate(incomplete, 0);
  return have < 0 || have > size ? 0 : have;
}

/** What one download attempt came to: the file is complete, or why it is not (the loop retries). */
type AttemptOutcome = { done: true } | { done: false; error: unknown };

/**
 * One request of {@link fetchIntoIncomplete}: GET from byte `have` (a Range request), append
 * to `incomplete`, abort after `timeoutSeconds` without data.
 * @throws HubIntegrityError when more bytes arrive than announced; a non-retryable HubHttpError.
 */
async function fetchAttempt(
  settings: HubSettings,
  meta: FileMetadata,
  incomplete: string,
  have: number,
  ctx: { label: string; subject: RequestSubject; opts: HubOptions },
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${settings.timeoutSeconds}s`)), settings.timeoutSeconds * 1000);
  };
  const progress = createProgress({ label: ctx.label, total: meta.size, unit: 'bytes', start: have, mode: ctx.opts.progress, stream: ctx.opts.progressStream });
  try {
    arm();
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
    if (have > 0) headers.Range = `bytes=${have}-`;
    const res = await hubFetch(settings, meta.downloadUrl, { headers, fetch: ctx.opts.fetch, signal: controller.signal });
    const restart = async (why: string): Promise<AttemptOutcome> => {
      await res.body?.cancel().catch(() => {});
      await truncate(incomplete, 0);
      return { done: false, error: new Error(why) };
    };
    if (res.status === 416) return await restart(`HTTP 416 (range bytes=${have}- not satisfiable) from ${meta.downloadUrl}`);
    if (!res.ok) {
      const err = await hubErrorFromResponse(res, meta.downloadUrl, ctx.subject, settings);
      if (!isRetryableStatus(res.status)) throw err;
      return { done: false, error: err };
    }
    if (res.status === 206) {
      const m = /bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== have) return await restart(`unexpected Content-Range "${res.headers.get('content-range')}" for a request from byte ${have}`);
    }
    // A 200 to a Range request: the server ignored it, start over.
    const appendFrom = res.status === 200 ? 0 : have;
    if (appendFrom === 0 && have > 0) await truncate(incomplete, 0);
    if (!res.body) throw new Error(`empty body from ${meta.downloadUrl}`);
    let written = appendFrom;
    progress.update(written);
    const body = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      written += chunk.length;
      arm();
      progress.update(written);
    });
    await pipeline(body, createWriteStream(incomplete, { flags: 'a' }));
    const got = (await stat(incomplete)).size;
    if (got === meta.size) return { done: true };
    if (got > meta.size) {
      await unlink(incomplete).catch(() => {});
      throw new HubIntegrityError(
        `${ctx.label}: received ${got} bytes, more than the ${meta.size} the Hub announced; the partial file was deleted, run again to re-download`,
        String(meta.size),
        String(got),
      );
    }
    return { done: false, error: new Error(`connection ended after ${got} of ${meta.size} bytes`) };
  } catch (err) {
    if (err instanceof HubIntegrityError) throw err;
    if (err instanceof HubHttpError && !isRetryableStatus(err.status)) throw err;
    return { done: false, error: err };
  } finally {
    clearTimeout(timer);
    progress.finish();
  }
}

/** Streams `url` into `incomplete`, resuming from its current size; returns when the size is reached. */
async function fetchIntoIncomplete(
  settings: HubSettings,
  meta: FileMetadata,
  incomplete: string,
  label: string,
  subject: RequestSubject,
  opts: HubOptions,
): Promise<void> {
  const maxRetries = opts.maxRetries ?? 5;
  const baseDelay = opts.retryDelayMs ?? 1000;
  let lastError: unknown;
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (attempt > 0) await sleep(baseDelay * 2 ** (attempt - 1));
    const have = await resumePoint(incomplete, meta.size);
    if (have === meta.size) return;
    const outcome = await fetchAttempt(settings, meta, incomplete, have, { label, subject, opts });
    if (outcome.done) return;
    lastError = outcome.error;
  }
  const got = await stat(incomplete).then((s) => s.size, () => 0);
  throw new Error(
    `download of ${label} failed after ${maxRetries + 1} attempts (${describeNetworkError(lastError)}); ` +
      `${got} of ${meta.size} bytes are kept in ${incomplete}: run the same command again to resume`,
  );
}

async function linkPointer(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(path.dirname(pointerPath), { recursive: true });
  const target = path.relative(path.dirname(pointerPath), blobPath);
  try {
    const st = await lstat(pointerPath);
    if (st.isSymbolicLink() && (await readlink(pointerPath)) === target) return;
    await unlink(pointerPath);
  } catch {
    // no pointer yet
  }
  try {
    await symlink(target, pointerPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EACCES') throw err;
    await copyFile(blobPath, pointerPath); // filesystems without symlinks (as Python does)
  }
}

/**
 * Checks a finished download against the size and hash the Hub announced; deletes it and throws
 * a HubIntegrityError when either differs (warns when the ETag is no hash: only the size is checked).
 */
async function verifyDownload(incomplete: string, meta: FileMetadata, label: string, warn: (msg: string) => void): Promise<void> {
  const size = (await stat(incomplete)).size;
  if (size !== meta.size) {
    await unlink(incomplete).catch(() => {});
    throw new HubIntegrityError(
      `${label}: size ${size} does not match the ${meta.size} bytes the Hub announced; the partial file was deleted, run again to re-download`,
      String(meta.size),
      String(size),
    );
  }
  const kind = etagKind(meta.etag);
  const digest = await hashForEtag(incomplete, kind);
  if (digest !== null && digest !== meta.etag) {
    await unlink(incomplete).catch(() => {});
    throw new HubIntegrityError(
      `${label}: ${kind} of the downloaded bytes is ${digest} but the Hub announced ${meta.etag}; ` +
        'the corrupt file was deleted, run again to re-download',
      meta.etag,
      digest,
    );
  }
  if (digest === null) warn(`${label}: the Hub's ETag "${meta.etag}" is not a sha256 or git-sha1; only the size was checked`);
}

/**
 * Downloads a Hub file into the cache if needed and returns where it is.
 *
 * Online: asks the Hub for the file's commit, hash and size (HEAD on `/resolve/`), reuses a
 * cached snapshot or blob, otherwise downloads into `blobs/<etag>.incomplete` (resuming with a
 * Range request after a broken connection, also across runs), checks the size and the hash, moves
 * it to `blobs/<etag>`, links `snapshots/<commit>/<path>` to it and records `refs/<revision>`.
 * Offline (`HF_HUB_OFFLINE=1` or `offline: true`): cache only; a {@link HubOfflineError} giving the
 * exact download command when the file is missing. When the Hub cannot be reached, a cached copy
 * is used with a warning.
 *
 * @throws HubNotFoundError (404), HubHttpError, HubIntegrityError (size/hash mismatch: the partial
 * file is deleted), HubOfflineError, or an Error naming the file after the retries are spent.
 */
export async function downloadHubFile(req: HubFileRequest, opts: HubOptions = {}): Promise<CachedHubFile> {
  const settings = hubSettings(opts);
  const repo = repoOf(req);
  const file = validateRepoFilePath(req.path);
  const revision = validateRevision(opts.revision ?? 'main');
  const storage = repoCacheFolder(settings.cacheDir, repo);
  const label = `${repo.id}/${file}`;
  const subject: RequestSubject = { repo: `${repo.type} ${repo.id}`, revision, file };
  const warn = (msg: string): void => {
    (opts.progressStream ?? process.stderr).write(`warning: ${msg}\n`);
  };

  if (settings.offline || (isCommitHash(revision) && !opts.force)) {
    const cached = await findCachedHubFile(req, opts);
    if (cached) return cached;
    if (settings.offline) {
      const command = opts.downloadCommand ?? defaultDownloadCommand(repo, file, revision);
      throw new HubOfflineError(
        `offline mode (HF_HUB_OFFLINE) is on and ${describeFile(repo, file, revision)} is not in the cache ${settings.cacheDir}. ` +
          `Download it first while online: ${command}`,
        command,
      );
    }
  }

  let meta: FileMetadata;
  try {
    meta = await fetchMetadata(settings, repo, file, revision, opts);
  } catch (err) {
    if (err instanceof HubHttpError || err instanceof HubIntegrityError) throw err;
    if (err instanceof Error && err.message.startsWith('the answer of')) throw err;
    const cached = await findCachedHubFile(req, opts);
    if (cached) {
      warn(`could not reach ${settings.endpoint} (${describeNetworkError(err)}); using the cached ${label} at commit ${cached.commit}`);
      return cached;
    }
    throw new Error(
      `could not reach ${settings.endpoint} to download ${describeFile(repo, file, revision)} (${describeNetworkError(err)}) ` +
        'and it is not in the cache; check the network and HF_ENDPOINT',
    );
  }

  await writeRef(storage, revision, meta.commit);
  const pointer = safeJoin(path.join(storage, 'snapshots', meta.commit), file);
  const blobPath = safeJoin(path.join(storage, 'blobs'), meta.etag);
  const result: CachedHubFile = { path: pointer, blobPath, commit: meta.commit, etag: meta.etag, size: meta.size, fromCache: true, repo, file };

  if (!opts.force && (await exists(pointer)) && (await stat(pointer)).size === meta.size) return result;

  const lockPath = safeJoin(path.join(settings.cacheDir, '.locks', repoFolderName(repo)), `${meta.etag}.lock.node`);
  return withFileLock(lockPath, async () => {
    const blobOk = !opts.force && (await stat(blobPath).then((s) => s.size === meta.size, () => false));
    if (blobOk) {
      await linkPointer(blobPath, pointer);
      return result;
    }
    await mkdir(path.dirname(blobPath), { recursive: true });
    const incomplete = `${blobPath}.incomplete`;
    if (opts.force) await unlink(incomplete).catch(() => {});
    await fetchIntoIncomplete(settings, meta, incomplete, label, subject, opts);

    await verifyDownload(incomplete, meta, label, warn);
    await rename(incomplete, blobPath);
    await linkPointer(blobPath, pointer);
    return { ...result, fromCache: false };
  });
}
