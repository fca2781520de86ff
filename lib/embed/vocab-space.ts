/**
 * The vocabulary matrix in a sentence-embedding space: every token's surface text (see
 * token-surface.ts) embedded once, excluded tokens as zero rows, cached on disk as f16 keyed by a
 * hash of the vocabulary, the surface rules and the embedder id. The result is plain data
 * (`{ data, rows, dims, zeroRows }`); {@link buildVocabMatrix} hands it to a native factory.
 *
 * Cache file (little-endian): `"PGVOCAB1" | u32 version | u32 rows | u32 dims | u32 zeroRows |
 * u32 keyBytes | key | rows × dims × f16`. Written to a temporary file and renamed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { TextEmbedder } from './embedder.js';
import { personaGenCacheDir } from './embedding-cache.js';
import { fromHalfArray, toHalfArray } from './f16.js';
import { SURFACE_RULES_VERSION, vocabSurfaces, type PieceEncoding } from './token-surface.js';
import type { MatrixFactory, VocabSource, VocabSpace } from './vocab-source.js';

const MAGIC = 'PGVOCAB1';
const VERSION = 1;

/** Options of {@link buildVocabSpace}. */
export interface VocabSpaceOptions {
  source: VocabSource;
  embedder: TextEmbedder;
  /** Cache folder; `null` disables the cache. Default `<persona-gen cache>/vocab`. */
  cacheDir?: string | null;
  /** Piece encoding; detected from the pieces by default. */
  encoding?: PieceEncoding;
  warn?: (msg: string) => void;
}

/** A built vocabulary space and where it came from. */
export interface BuiltVocabSpace extends VocabSpace {
  fromCache: boolean;
  /** Cache file used, if any. */
  cacheFile?: string;
  encoding: PieceEncoding;
}

/** Hash of a vocabulary (pieces and kinds, in id order): the one vocabulary hash (`Model.vocabularyHash()` is this). */
export function vocabHash(source: VocabSource): string {
  const h = createHash('sha256');
  const pieces = source.tokenPieces();
  const kinds = source.tokenKinds();
  h.update(`${source.vocabSize}\0`);
  for (let i = 0; i < pieces.length; i++) h.update(pieces[i]).update('\u0001').update(kinds[i]).update('\0');
  return h.digest('hex');
}

function cacheKey(source: VocabSource, embedder: TextEmbedder, encoding: PieceEncoding): string {
  return JSON.stringify({ rules: SURFACE_RULES_VERSION, encoding, vocab: vocabHash(source), embedder: embedder.id });
}

function readCache(file: string, key: string, warn: (m: string) => void, expected: { rows: number; dims: number }): VocabSpace | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const buf = readFileSync(file);
    if (buf.toString('latin1', 0, 8) !== MAGIC || buf.readUInt32LE(8) !== VERSION) throw new Error('bad header');
    const rows = buf.readUInt32LE(12);
    const dims = buf.readUInt32LE(16);
    const zeroRows = buf.readUInt32LE(20);
    const keyLen = buf.readUInt32LE(24);
    const storedKey = buf.toString('utf8', 28, 28 + keyLen);
    if (storedKey !== key) throw new Error('key mismatch');
    if (rows !== expected.rows || dims !== expected.dims) {
      throw new Error(`shape ${rows} x ${dims}, expected ${expected.rows} x ${expected.dims}`);
    }
    if (zeroRows > rows) throw new Error(`zeroRows ${zeroRows} exceeds rows ${rows}`);
    const start = 28 + keyLen;
    if (buf.length !== start + rows * dims * 2) throw new Error(`size ${buf.length}, expected ${start + rows * dims * 2}`);
    const bits = new Uint16Array(rows * dims);
    Buffer.from(bits.buffer).set(buf.subarray(start));
    return { data: fromHalfArray(bits), rows, dims, zeroRows };
  } catch (err) {
    warn(`vocabulary cache ${file} is unreadable (${(err as Error).message}); rebuilding it`);
    return undefined;
  }
}

function writeCache(file: string, key: string, space: VocabSpace, bits: Uint16Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const keyBytes = Buffer.from(key, 'utf8');
  const head = Buffer.alloc(28);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(VERSION, 8);
  head.writeUInt32LE(space.rows, 12);
  head.writeUInt32LE(space.dims, 16);
  head.writeUInt32LE(space.zeroRows, 20);
  head.writeUInt32LE(keyBytes.length, 24);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([head, keyBytes, Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength)]));
  renameSync(tmp, file);
}

/**
 * Builds (or loads from the cache) the vocabulary matrix in the embedder's space: unique surface
 * texts are embedded once in batches (bypassing the text cache), rows of excluded tokens are
 * zero, values are rounded to f16 (also on the first build, so cached and fresh results match).
 */
export async function buildVocabSpace(opts: VocabSpaceOptions): Promise<BuiltVocabSpace> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const { surfaces, encoding } = vocabSurfaces(opts.source, opts.encoding);
  const key = cacheKey(opts.source, opts.embedder, encoding);
  const dir = opts.cacheDir === undefined ? path.join(personaGenCacheDir(), 'vocab') : opts.cacheDir;
  const file = dir === null ? undefined : path.join(dir, `vocab-${createHash('sha256').update(key).digest('hex').slice(0, 24)}.f16`);
  if (file) {
    const cached = readCache(file, key, warn, { rows: opts.source.vocabSize, dims: opts.embedder.dims });
    if (cached) return { ...cached, fromCache: true, cacheFile: file, encoding };
  }
  const rows = opts.source.vocabSize;
  const dims = opts.embedder.dims;
  const unique = [...new Set(surfaces.filter((s): s is string => s !== null))];
  const vectors = unique.length ? await opts.embedder.embed(unique, { cache: false, label: `embedding ${unique.length} vocabulary pieces` }) : [];
  const bySurface = new Map(unique.map((s, i) => [s, vectors[i]] as const));
  const raw = new Float32Array(rows * dims);
  let zeroRows = 0;
  surfaces.forEach((s, id) => {
    if (s === null) {
      zeroRows++;
      return;
    }
    const v = bySurface.get(s)!;
    if (v.length !== dims) throw new Error(`embedder returned ${v.length} dims, expected ${dims}`);
    raw.set(v, id * dims);
  });
  const bits = toHalfArray(raw);
  const space: VocabSpace = { data: fromHalfArray(bits), rows, dims, zeroRows };
  if (file) writeCache(file, key, space, bits);
  return { ...space, fromCache: false, ...(file ? { cacheFile: file } : {}), encoding };
}

/** Builds the vocabulary space and turns it into a native matrix with `toMatrix`. */
export async function buildVocabMatrix<M>(opts: VocabSpaceOptions, toMatrix: MatrixFactory<M>): Promise<{ matrix: M; space: BuiltVocabSpace }> {
  const space = await buildVocabSpace(opts);
  return { matrix: toMatrix(space.data, space.rows, space.dims), space };
}
