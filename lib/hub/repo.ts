/**
 * Hub repository names, file paths and revisions: validation (nothing may escape the cache
 * folder) and the standard cache layout shared with Python's `huggingface_hub`:
 *
 * ```text
 * <cache>/datasets--LongLaMP--LongLaMP/
 *   blobs/<etag>                       file contents, named by the Hub's hash
 *   snapshots/<commit>/<path>          symlinks to ../../blobs/<etag>
 *   refs/main                          the commit that `main` pointed to
 * ```
 */
import path from 'node:path';

/** Kind of Hub repository. */
export type RepoType = 'model' | 'dataset' | 'space';

/** A repository on the Hub. */
export interface RepoRef {
  /** `owner/name` (or a bare `name` for legacy repos). */
  id: string;
  type: RepoType;
}

const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const COMMIT_RE = /^[0-9a-f]{40}$/;

/** True for a full 40-hex commit hash. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_RE.test(revision);
}

/**
 * Checks a repo id (`owner/name`): one or two parts of letters, digits, `.`, `_`, `-`,
 * no `..` or `--`, not ending in `.git`. Throws an error naming the id otherwise.
 */
export function validateRepoId(id: string): string {
  const parts = id.split('/');
  const ok =
    parts.length >= 1 &&
    parts.length <= 2 &&
    parts.every((p) => REPO_PART.test(p)) &&
    !id.includes('..') &&
    !id.includes('--') &&
    !id.endsWith('.git');
  if (!ok) {
    throw new Error(
      `invalid Hub repo id "${id}": expected "owner/name" made of letters, digits, ".", "_" and "-" ` +
        '(no "..", no "--", at most 96 characters per part)',
    );
  }
  return id;
}

/**
 * Checks a file path inside a repo: relative, `/`-separated, no empty, `.` or `..` segments,
 * no backslashes or NUL bytes. Throws an error naming the path otherwise.
 */
export function validateRepoFilePath(file: string): string {
  const bad =
    file.length === 0 ||
    file.startsWith('/') ||
    /^[A-Za-z]:/.test(file) ||
    file.includes('\\') ||
    file.includes('\0') ||
    file.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
  if (bad) {
    throw new Error(
      `invalid file path "${file}" in a Hub repo: expected a relative path like "dir/file.parquet" ` +
        '(no leading "/", no "." or ".." segments, no backslashes)',
    );
  }
  return file;
}

/** Checks a revision (branch, tag or commit): no `..`, no leading `/`, no whitespace or backslash. */
export function validateRevision(revision: string): string {
  const bad =
    revision.length === 0 ||
    revision.startsWith('/') ||
    revision.endsWith('/') ||
    /[\s\\\0]/.test(revision) ||
    revision.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
  if (bad) throw new Error(`invalid Hub revision "${revision}": expected a branch, tag or 40-hex commit`);
  return revision;
}

/** Cache folder name of a repo, e.g. `datasets--LongLaMP--LongLaMP`. */
export function repoFolderName(repo: RepoRef): string {
  validateRepoId(repo.id);
  return [`${repo.type}s`, ...repo.id.split('/')].join('--');
}

/** Absolute cache folder of a repo. */
export function repoCacheFolder(cacheDir: string, repo: RepoRef): string {
  return path.join(cacheDir, repoFolderName(repo));
}

/**
 * Joins `relative` (already validated) onto `root` and checks the result stays inside `root`
 * (defence in depth against path tricks). Throws naming both otherwise.
 */
export function safeJoin(root: string, relative: string): string {
  const full = path.resolve(root, ...relative.split('/'));
  const rel = path.relative(root, full);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`path "${relative}" escapes the cache folder ${root}`);
  }
  return full;
}

/** URL path prefix of a repo on the Hub: `` (models), `datasets/`, `spaces/`. */
export function repoUrlPrefix(type: RepoType): string {
  return type === 'model' ? '' : `${type}s/`;
}

/** Encodes each `/`-separated segment of a path for use in a URL. */
export function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

/** Download URL of a file: `<endpoint>/<prefix><repo>/resolve/<revision>/<path>`. */
export function resolveUrl(endpoint: string, repo: RepoRef, revision: string, file: string): string {
  return `${endpoint}/${repoUrlPrefix(repo.type)}${repo.id}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

/** Human-readable name of a repo file for messages, e.g. `dataset LongLaMP/LongLaMP: a/b.parquet`. */
export function describeFile(repo: RepoRef, file: string, revision?: string): string {
  return `${repo.type} ${repo.id}${revision ? `@${revision}` : ''}: ${file}`;
}
