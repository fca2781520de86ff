/**
 * sha256 of large files (models, data), computed once and cached by path, size and mtime in
 * `<persona-gen cache>/file-hashes.json`, so a second run on the same multi-GB model starts
 * at once. The cache is advisory: an unreadable cache is ignored and rewritten.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { personaGenCacheDir } from '../embed/embedding-cache.js';

/** One cached hash. */
interface CachedHash {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** sha256 (hex) of a file's bytes, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** What {@link cachedSha256} returns. */
export interface FileHash {
  /** Hex sha256 of the content. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** The resolved path (symlinks followed). */
  realPath: string;
  /** Whether the hash came from the cache. */
  cached: boolean;
}

/**
 * The sha256 of a file, from the cache when its real path, size and mtime match a cached entry,
 * else computed and cached.
 *
 * @param file - the file to hash.
 * @param cacheDir - where `file-hashes.json` lives (default: persona-gen's cache folder, `$PERSONA_GEN_CACHE` or `~/.cache/persona-gen`).
 */
export async function cachedSha256(file: string, cacheDir: string = personaGenCacheDir()): Promise<FileHash> {
  const realPath = await realpath(file);
  const st = await stat(realPath);
  const cacheFile = path.join(cacheDir, 'file-hashes.json');
  let cache: Record<string, CachedHash> = {};
  try {
    const parsed = JSON.parse(await readFile(cacheFile, 'utf8')) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) cache = parsed as Record<string, CachedHash>;
  } catch {
    // no cache yet, or unreadable: start a new one
  }
  const hit = cache[realPath];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && /^[0-9a-f]{64}$/.test(hit.sha256)) {
    return { sha256: hit.sha256, size: st.size, realPath, cached: true };
  }
  const sha256 = await sha256File(realPath);
  cache[realPath] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  try {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(cache, null, 1)}\n`);
    await rename(tmp, cacheFile);
  } catch {
    // a read-only cache folder only costs the next run a re-hash
  }
  return { sha256, size: st.size, realPath, cached: false };
}
