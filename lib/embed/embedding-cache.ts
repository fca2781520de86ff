/**
 * A persistent, append-only embedding cache: one binary file per embedder (model id, revision,
 * dtype, pooling), records keyed by the sha256 of the text. Records are appended (and written
 * through) as soon as they are produced; only an index (hash → offset) is kept in memory.
 *
 * File layout (little-endian):
 * ```text
 * "PGEMBED1" | u32 version=1 | u32 dims | u32 keyBytes | key (utf-8)
 * then records: sha256(text) (32 bytes) | dims × f32
 * ```
 * A torn last record (interrupted write) is cut off; a bad header or non-finite values mean the
 * file is corrupt: it is rebuilt from scratch, with a warning.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MAGIC = Buffer.from('PGEMBED1', 'latin1');
const VERSION = 1;
const HASH_BYTES = 32;

/** `$PERSONA_GEN_CACHE`, else `$XDG_CACHE_HOME/persona-gen`, else `~/.cache/persona-gen`. */
export function personaGenCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.PERSONA_GEN_CACHE) return path.resolve(env.PERSONA_GEN_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'persona-gen');
}

/** sha256 of a text's UTF-8 bytes. */
export function textHash(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** File name of the cache of an embedder key: a readable slug and a hash of the key. */
export function cacheFileName(key: string): string {
  const slug = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${slug}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.emb`;
}

/** An open embedding cache file. */
export class EmbeddingCache {
  private readonly index = new Map<string, number>();
  private readonly recordBytes: number;
  private end: number;

  private constructor(
    /** Path of the cache file. */
    readonly file: string,
    readonly key: string,
    readonly dims: number,
    private readonly fd: number,
    headerBytes: number,
  ) {
    this.recordBytes = HASH_BYTES + 4 * dims;
    this.end = headerBytes;
  }

  /**
   * Opens (or creates) the cache of `key` in `dir`. A corrupt file is rebuilt and `warn` is
   * called with the reason.
   */
  static open(dir: string, key: string, dims: number, warn: (msg: string) => void = (m) => process.stderr.write(`warning: ${m}\n`)): EmbeddingCache {
    if (!Number.isInteger(dims) || dims <= 0) throw new Error(`embedding cache needs positive integer dims, got ${dims}`);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, cacheFileName(key));
    const keyBytes = Buffer.from(key, 'utf8');
    const header = Buffer.concat([MAGIC, u32(VERSION), u32(dims), u32(keyBytes.length), keyBytes]);
    const fd = openSync(file, 'a+');
    const size = fstatSync(fd).size;
    const cache = new EmbeddingCache(file, key, dims, fd, header.length);
    const reset = (reason: string): void => {
      if (reason) warn(`embedding cache ${file} ${reason}; rebuilding it`);
      ftruncateSync(fd, 0);
      writeSync(fd, header, 0, header.length, 0);
      cache.index.clear();
      cache.end = header.length;
    };
    if (size === 0) {
      reset('');
      return cache;
    }
    const existing = Buffer.alloc(Math.min(size, header.length));
    readSync(fd, existing, 0, existing.length, 0);
    if (size < header.length || !existing.equals(header)) {
      const sameMagic = existing.subarray(0, MAGIC.length).equals(MAGIC);
      reset(sameMagic ? `was written for another embedder or size (expected key "${key}", dims ${dims})` : 'has a corrupt header');
      return cache;
    }
    const body = size - header.length;
    const whole = Math.floor(body / cache.recordBytes);
    if (body % cache.recordBytes !== 0) {
      warn(`embedding cache ${file} ends with a partial record (interrupted write); dropping it`);
      ftruncateSync(fd, header.length + whole * cache.recordBytes);
    }
    if (!cache.loadIndex(whole)) reset('holds non-finite values (corrupt)');
    return cache;
  }

  private loadIndex(records: number): boolean {
    const perChunk = Math.max(1, Math.floor((4 << 20) / this.recordBytes));
    const buf = Buffer.alloc(perChunk * this.recordBytes);
    let pos = this.end;
    for (let done = 0; done < records; ) {
      const n = Math.min(perChunk, records - done);
      readSync(this.fd, buf, 0, n * this.recordBytes, pos);
      for (let r = 0; r < n; r++) {
        const off = r * this.recordBytes;
        const vec = new Float32Array(buf.buffer.slice(buf.byteOffset + off + HASH_BYTES, buf.byteOffset + off + this.recordBytes));
        for (let i = 0; i < vec.length; i++) if (!Number.isFinite(vec[i])) return false;
        this.index.set(buf.toString('latin1', off, off + HASH_BYTES), pos + off + HASH_BYTES);
      }
      pos += n * this.recordBytes;
      done += n;
    }
    this.end = pos;
    return true;
  }

  /** Number of cached texts. */
  get size(): number {
    return this.index.size;
  }

  /** The cached vector of a text hash, or undefined. */
  get(hash: Buffer): Float32Array | undefined {
    const off = this.index.get(hash.toString('latin1'));
    if (off === undefined) return undefined;
    const out = new Float32Array(this.dims);
    readSync(this.fd, new Uint8Array(out.buffer), 0, 4 * this.dims, off);
    return out;
  }

  /** Appends vectors (written through immediately); hashes already present are skipped. */
  putMany(entries: { hash: Buffer; vector: Float32Array }[]): void {
    const fresh = entries.filter((e) => !this.index.has(e.hash.toString('latin1')));
    if (fresh.length === 0) return;
    const buf = Buffer.alloc(fresh.length * this.recordBytes);
    fresh.forEach((e, i) => {
      if (e.vector.length !== this.dims) throw new Error(`embedding of ${e.vector.length} dims for a cache of ${this.dims}`);
      e.hash.copy(buf, i * this.recordBytes);
      Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength).copy(buf, i * this.recordBytes + HASH_BYTES);
    });
    const start = fstatSync(this.fd).size;
    writeSync(this.fd, buf, 0, buf.length, start);
    fresh.forEach((e, i) => this.index.set(e.hash.toString('latin1'), start + i * this.recordBytes + HASH_BYTES));
    this.end = start + buf.length;
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
