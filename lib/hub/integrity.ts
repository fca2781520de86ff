/**
 * Checks a downloaded file against the Hub's hash: the sha256 of the content for LFS/Xet files
 * (their `X-Linked-Etag`), the git blob sha1 (`sha1("blob <size>\0" + content)`) for small files
 * (their `ETag`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Which hash an etag is, judged by its shape. */
export type EtagKind = 'sha256' | 'git-sha1' | 'unknown';

/** Strips the weak marker and quotes from an ETag header value. */
export function normalizeEtag(raw: string): string {
  return raw.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** 64 hex digits: sha256 (LFS); 40 hex digits: git blob sha1; anything else: unknown. */
export function etagKind(etag: string): EtagKind {
  if (/^[0-9a-f]{64}$/.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/.test(etag)) return 'git-sha1';
  return 'unknown';
}

/** Hashes a file with the algorithm its etag implies; returns the hex digest or `null` for unknown etags. */
export async function hashForEtag(file: string, kind: EtagKind): Promise<string | null> {
  if (kind === 'unknown') return null;
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') {
    const { size } = await stat(file);
    hash.update(`blob ${size}\0`);
  }
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
