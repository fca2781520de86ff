/**
 * `hf:` references to Hub files, e.g. model weights:
 *
 * - `hf:owner/name/path/to/model.gguf` — one file (at `main`)
 * - `hf:owner/name@revision/path/to/model.gguf` — at a branch, tag or commit
 * - `hf:owner/name:Q4_K_M` — the GGUF file of the repo whose name holds that quantization tag
 *   (all shards `-0000i-of-0000n` are downloaded; the first one is returned)
 * - `hf:datasets/owner/name/file` — a dataset file (also `spaces/`)
 */
import { downloadHubFile, type HubOptions } from './download.js';
import { listHubFiles } from './list.js';
import { validateRepoFilePath, validateRepoId, validateRevision, type RepoType } from './repo.js';

/** A parsed `hf:` reference. */
export interface HfRef {
  repo: string;
  repoType: RepoType;
  revision?: string;
  /** File inside the repo, when given. */
  file?: string;
  /** Quantization tag (`:Q4_K_M`), when given instead of a file. */
  quant?: string;
}

/** True when `s` starts with `hf:`. */
export function isHfRef(s: string): boolean {
  return s.startsWith('hf:');
}

/** Parses an `hf:` reference; throws naming the reference and the expected forms. */
export function parseHfRef(ref: string): HfRef {
  const usage = 'expected hf:owner/name/file, hf:owner/name@revision/file or hf:owner/name:QUANT';
  if (!isHfRef(ref)) throw new Error(`"${ref}" is not an hf: reference; ${usage}`);
  let rest = ref.slice(3);
  let repoType: RepoType = 'model';
  for (const t of ['datasets', 'spaces', 'models'] as const) {
    if (rest.startsWith(`${t}/`)) {
      repoType = t === 'models' ? 'model' : (t.slice(0, -1) as RepoType);
      rest = rest.slice(t.length + 1);
    }
  }
  const parts = rest.split('/');
  if (parts.length < 2) throw new Error(`"${ref}": missing repo name; ${usage}`);
  const owner = parts[0];
  let name = parts[1];
  const fileParts = parts.slice(2);
  let revision: string | undefined;
  let quant: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    revision = name.slice(at + 1);
    name = name.slice(0, at);
  }
  const colon = (revision ?? name).indexOf(':');
  if (colon >= 0 && fileParts.length === 0) {
    if (revision !== undefined) {
      quant = revision.slice(colon + 1);
      revision = revision.slice(0, colon);
    } else {
      quant = name.slice(colon + 1);
      name = name.slice(0, colon);
    }
  }
  const repo = validateRepoId(`${owner}/${name}`);
  if (revision !== undefined) validateRevision(revision);
  const file = fileParts.length ? validateRepoFilePath(fileParts.join('/')) : undefined;
  if (!file && !quant) throw new Error(`"${ref}": no file and no :QUANT tag; ${usage}`);
  if (quant !== undefined && !/^[A-Za-z0-9_.-]+$/.test(quant)) throw new Error(`"${ref}": invalid quantization tag "${quant}"`);
  return { repo, repoType, ...(revision ? { revision } : {}), ...(file ? { file } : {}), ...(quant ? { quant } : {}) };
}

/** Picks the GGUF files of a quantization tag among repo files (all shards, sorted). */
export function pickGgufFiles(files: string[], quant: string): string[] {
  const tag = quant.toLowerCase();
  const matching = files.filter((f) => f.toLowerCase().endsWith('.gguf') && f.toLowerCase().includes(tag));
  if (matching.length === 0) return [];
  const shardRe = /-(\d{5})-of-(\d{5})\.gguf$/i;
  const single = matching.filter((f) => !shardRe.test(f));
  if (single.length > 0) return [single.sort((a, b) => a.length - b.length || a.localeCompare(b))[0]];
  const first = matching.sort()[0];
  const prefix = first.replace(shardRe, '');
  return matching.filter((f) => f.replace(shardRe, '') === prefix).sort();
}

/**
 * Downloads what an `hf:` reference names into the Hub cache and returns the local path of the
 * file to open (the first shard for split GGUF files).
 */
export async function resolveHfRef(ref: string, opts: HubOptions = {}): Promise<string> {
  const parsed = parseHfRef(ref);
  const hubOpts: HubOptions = { ...opts, ...(parsed.revision ? { revision: parsed.revision } : {}) };
  const repo = { id: parsed.repo, type: parsed.repoType };
  if (parsed.file) {
    const got = await downloadHubFile({ repo: parsed.repo, repoType: parsed.repoType, path: parsed.file }, hubOpts);
    return got.path;
  }
  const quant = parsed.quant ?? '';
  const { commit, files } = await listHubFiles(repo, '', {
    ...hubOpts,
    downloadCommand: opts.downloadCommand ?? `hf download ${parsed.repo} --include "*${quant}*.gguf"`,
  });
  const picked = pickGgufFiles(files, quant);
  if (picked.length === 0) {
    const ggufs = files.filter((f) => f.toLowerCase().endsWith('.gguf'));
    throw new Error(`${ref}: no .gguf file of ${parsed.repo} matches "${quant}"; GGUF files there: ${ggufs.join(', ') || 'none'}`);
  }
  let first = '';
  for (const f of picked) {
    const got = await downloadHubFile({ repo: parsed.repo, repoType: parsed.repoType, path: f }, { ...hubOpts, revision: commit });
    if (!first) first = got.path;
  }
  return first;
}
