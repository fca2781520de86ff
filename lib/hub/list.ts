/**
 * Listing a Hub repo: resolving a revision to a commit (`/api/<type>s/<repo>/revision/<rev>`),
 * listing a folder recursively through the tree API (`/api/<type>s/<repo>/tree/<rev>/<path>`,
 * paginated with `Link: rel="next"`), and the same listing from a cached snapshot when offline.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

import { cachedCommit, writeRef, type HubOptions } from './download.js';
import { HubOfflineError } from './errors.js';
import { describeNetworkError, hubErrorFromResponse, hubFetch, nextLink } from './http.js';
import { encodePath, repoCacheFolder, safeJoin, validateRepoFilePath, validateRepoId, validateRevision, type RepoRef } from './repo.js';
import { hubSettings, type HubSettings } from './settings.js';

/** One entry of the tree API. */
export interface HubTreeEntry {
  type: 'file' | 'directory';
  /** Path inside the repo. */
  path: string;
  /** Size in bytes (files). */
  size: number;
  /** Git object id. */
  oid: string;
  /** Present for LFS files: sha256 and size of the content. */
  lfs?: { oid: string; size: number };
}

function apiBase(settings: HubSettings, repo: RepoRef): string {
  return `${settings.endpoint}/api/${repo.type}s/${validateRepoId(repo.id)}`;
}

async function getJson(settings: HubSettings, url: string, repo: RepoRef, revision: string, opts: HubOptions): Promise<{ body: unknown; res: Response }> {
  let res: Response;
  try {
    res = await hubFetch(settings, url, { fetch: opts.fetch, signal: AbortSignal.timeout(settings.timeoutSeconds * 1000) });
  } catch (err) {
    throw new Error(`could not reach ${settings.endpoint} (${describeNetworkError(err)}) to list ${repo.type} ${repo.id}; check the network and HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache`);
  }
  if (!res.ok) throw await hubErrorFromResponse(res, url, { repo: `${repo.type} ${repo.id}`, revision }, settings);
  try {
    return { body: await res.json(), res };
  } catch {
    throw new Error(`${url} did not answer JSON: is HF_ENDPOINT (${settings.endpoint}) a Hugging Face Hub?`);
  }
}

/** Resolves a branch/tag to its commit hash through the Hub API (commits are returned as is). */
export async function resolveHubRevision(repo: RepoRef, opts: HubOptions = {}): Promise<string> {
  const settings = hubSettings(opts);
  const revision = validateRevision(opts.revision ?? 'main');
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  const url = `${apiBase(settings, repo)}/revision/${encodeURIComponent(revision)}`;
  const { body } = await getJson(settings, url, repo, revision, opts);
  const sha = body && typeof body === 'object' && 'sha' in body ? (body as { sha: unknown }).sha : undefined;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
    throw new Error(`${url} answered without a commit "sha"; cannot pin ${repo.type} ${repo.id}@${revision}`);
  }
  return sha;
}

function toEntry(raw: unknown, url: string): HubTreeEntry {
  const r = raw as Record<string, unknown>;
  if (!r || typeof r !== 'object' || (r.type !== 'file' && r.type !== 'directory') || typeof r.path !== 'string') {
    throw new Error(`unexpected tree entry from ${url}: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  const lfs = r.lfs as Record<string, unknown> | undefined;
  return {
    type: r.type,
    path: validateRepoFilePath(r.path),
    size: typeof r.size === 'number' ? r.size : 0,
    oid: typeof r.oid === 'string' ? r.oid : '',
    ...(lfs && typeof lfs.oid === 'string' ? { lfs: { oid: lfs.oid, size: Number(lfs.size ?? r.size ?? 0) } } : {}),
  };
}

/**
 * Lists the entries under `folder` (repo root when empty) at a revision through the tree API,
 * recursively by default, following pagination.
 */
export async function listHubTree(repo: RepoRef, folder: string, opts: HubOptions & { recursive?: boolean } = {}): Promise<HubTreeEntry[]> {
  const settings = hubSettings(opts);
  const revision = validateRevision(opts.revision ?? 'main');
  if (folder) validateRepoFilePath(folder);
  let url: string | undefined =
    `${apiBase(settings, repo)}/tree/${encodeURIComponent(revision)}${folder ? `/${encodePath(folder)}` : ''}` +
    `?recursive=${opts.recursive === false ? 'false' : 'true'}&expand=false`;
  const out: HubTreeEntry[] = [];
  for (let page = 0; url && page < 10_000; page++) {
    const { body, res } = await getJson(settings, url, repo, revision, opts);
    if (!Array.isArray(body)) throw new Error(`${url} did not answer a JSON array of tree entries`);
    for (const raw of body) out.push(toEntry(raw, url));
    const next = nextLink(res.headers.get('link'));
    url = next ? new URL(next, url).toString() : undefined;
  }
  return out;
}

/**
 * Lists files under `folder` in the cached snapshot of a revision (no network). Returns
 * undefined when the revision has no snapshot in the cache.
 */
export async function listCachedFiles(repo: RepoRef, folder: string, opts: HubOptions = {}): Promise<string[] | undefined> {
  const settings = hubSettings(opts);
  const revision = validateRevision(opts.revision ?? 'main');
  const commit = await cachedCommit(settings.cacheDir, repo, revision);
  if (!commit) return undefined;
  const snapshot = path.join(repoCacheFolder(settings.cacheDir, repo), 'snapshots', commit);
  const start = folder ? safeJoin(snapshot, validateRepoFilePath(folder)) : snapshot;
  const out: string[] = [];
  const walk = async (dir: string): Promise<boolean> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (!e.name.endsWith('.incomplete')) out.push(path.relative(snapshot, full).split(path.sep).join('/'));
    }
    return true;
  };
  if (!(await walk(start))) return undefined;
  return out.sort();
}

/**
 * Lists files under `folder`: through the tree API online (pinned to the commit the revision
 * resolves to), from the cached snapshot offline. Returns the commit and the repo paths.
 * @throws HubOfflineError offline when nothing is cached, with `downloadCommand` in the message.
 */
export async function listHubFiles(
  repo: RepoRef,
  folder: string,
  opts: HubOptions = {},
): Promise<{ commit: string; files: string[]; fromCache: boolean }> {
  const settings = hubSettings(opts);
  const revision = validateRevision(opts.revision ?? 'main');
  if (settings.offline) {
    const files = await listCachedFiles(repo, folder, opts);
    const commit = await cachedCommit(settings.cacheDir, repo, revision);
    if (!files || !commit || files.length === 0) {
      const command = opts.downloadCommand ?? `hf download ${repo.id}${repo.type === 'model' ? '' : ` --repo-type ${repo.type}`} --include "${folder ? `${folder}/` : ''}*"`;
      throw new HubOfflineError(
        `offline mode (HF_HUB_OFFLINE) is on and ${repo.type} ${repo.id}@${revision}${folder ? ` folder "${folder}"` : ''} is not in the cache ${settings.cacheDir}. ` +
          `Download it first while online: ${command}`,
        command,
      );
    }
    return { commit, files, fromCache: true };
  }
  const commit = await resolveHubRevision(repo, { ...opts, revision });
  await writeRef(repoCacheFolder(settings.cacheDir, repo), revision, commit);
  const entries = await listHubTree(repo, folder, { ...opts, revision: commit });
  return { commit, files: entries.filter((e) => e.type === 'file').map((e) => e.path).sort(), fromCache: false };
}
