/**
 * The document frequencies behind the native space's idf: every profile item of every user of
 * the run's data (the whole split, not only the users evaluated) is one document, tokenized by
 * the model; idf(t) = ln((1 + N) / (1 + df(t))), without sklearn's +1, so that a token found
 * in every item (a function word) gets no weight. A user vector weighted by this idf is
 * dominated by the user's distinctive words, not by the function words every profile holds. Counted once per (data, vocabulary) and
 * cached on disk.
 *
 * Cache file (little-endian): `"PGIDF001" | u32 docs | u32 vocabSize | u32 keyBytes | key |
 * vocabSize × u32 counts`, written to a temporary file and renamed.
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { LongLampRecord, ProfileItem } from '../data/records.js';
import { personaGenCacheDir } from '../embed/embedding-cache.js';
import { TokenDocumentFrequency } from '../embed/native-space.js';
import { profileItemText } from '../embed/user-vector.js';
import type { HubOptions } from '../hub/download.js';
import type { DataDescription, UserSelection } from './data-source.js';
import { openRecords } from './data-source.js';
import type { EvalSettings } from './settings.js';

const MAGIC = 'PGIDF001';

/** What tokenizes the corpus (a `Model` has all of it). */
export interface CorpusTokenizer {
  readonly vocabSize: number;
  tokenize(text: string): Int32Array;
  vocabularyHash(): string;
}

/** The corpus frequencies and where they came from. */
export interface CorpusIdf {
  df: TokenDocumentFrequency;
  /** Users read (first row of each user id). */
  users: number;
  fromCache: boolean;
  cacheFile: string | null;
}

function dataIdentity(data: DataDescription): unknown {
  return data.source === 'file'
    ? { source: 'file', sha256: data.sha256 }
    : { source: 'hub', repo: data.repo, config: data.config, split: data.split, commit: data.commit };
}

function readCache(file: string, key: string, vocabSize: number): { df: TokenDocumentFrequency; users: number } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const buf = readFileSync(file);
    if (buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const docs = buf.readUInt32LE(8);
    const users = buf.readUInt32LE(12);
    const rows = buf.readUInt32LE(16);
    const keyLen = buf.readUInt32LE(20);
    if (rows !== vocabSize || buf.toString('utf8', 24, 24 + keyLen) !== key) return undefined;
    const start = 24 + keyLen;
    if (buf.length !== start + 4 * rows) return undefined;
    const counts = new Uint32Array(rows);
    Buffer.from(counts.buffer).set(buf.subarray(start));
    return { df: TokenDocumentFrequency.fromCounts(docs, counts), users };
  } catch {
    return undefined;
  }
}

function writeCache(file: string, key: string, df: TokenDocumentFrequency, users: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const counts = df.countsCopy();
  const keyBytes = Buffer.from(key, 'utf8');
  const head = Buffer.alloc(24);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(df.docs, 8);
  head.writeUInt32LE(users, 12);
  head.writeUInt32LE(counts.length, 16);
  head.writeUInt32LE(keyBytes.length, 20);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([head, keyBytes, Buffer.from(counts.buffer, counts.byteOffset, counts.byteLength)]));
  renameSync(tmp, file);
}

/**
 * Counts, for each token id, the profile items of the whole data holding it (each user's first
 * row), or reads the counts from the cache.
 *
 * @param tokenizer - the model (its vocabulary hash keys the cache).
 * @param sel - the task, setting, split and data file of the run.
 * @param options.cacheDir - cache folder; null disables the cache. Default `<persona-gen cache>/idf`.
 */
export async function corpusDocumentFrequency(
  tokenizer: CorpusTokenizer,
  sel: Pick<UserSelection, 'task' | 'setting' | 'split' | 'data'>,
  options: { hub?: HubOptions; cacheDir?: string | null } = {},
): Promise<CorpusIdf> {
  const { records, data } = await openRecords(sel, options.hub);
  const key = JSON.stringify({ v: 1, task: sel.task, setting: sel.setting, data: dataIdentity(data), vocab: tokenizer.vocabularyHash() });
  const dir = options.cacheDir === undefined ? path.join(personaGenCacheDir(), 'idf') : options.cacheDir;
  const file = dir === null ? null : path.join(dir, `idf-${createHash('sha256').update(key).digest('hex').slice(0, 24)}.bin`);
  const cached = file ? readCache(file, key, tokenizer.vocabSize) : undefined;
  if (cached) {
    await records.return(undefined);
    return { ...cached, fromCache: true, cacheFile: file };
  }
  const counts = new Uint32Array(tokenizer.vocabSize);
  const seen = new Set<string>();
  let docs = 0;
  try {
    for await (const r of records as AsyncGenerator<LongLampRecord>) {
      if (seen.has(r.userId)) continue;
      seen.add(r.userId);
      for (const item of r.profile as ProfileItem[]) {
        TokenDocumentFrequency.count(counts, tokenizer.tokenize(profileItemText(r.kind, item)));
        docs++;
      }
    }
  } finally {
    await records.return(undefined);
  }
  const df = TokenDocumentFrequency.fromCounts(docs, counts);
  if (file) writeCache(file, key, df, seen.size);
  return { df, users: seen.size, fromCache: false, cacheFile: file };
}

/** The native space's corpus idf and its description for `config.json`. */
export interface NativeIdf {
  df: TokenDocumentFrequency;
  description: string;
}

/**
 * The corpus idf of a run in the native space (undefined in the sbert space), with its
 * description for `config.json`; says on `note` when it counts the corpus.
 */
export async function nativeIdfOf(
  tokenizer: CorpusTokenizer,
  settings: Pick<EvalSettings, 'space' | 'task' | 'setting' | 'split' | 'data'>,
  hub: HubOptions,
  note: (line: string) => void,
): Promise<NativeIdf | undefined> {
  if (settings.space !== 'native') return undefined;
  const c = await corpusDocumentFrequency(tokenizer, settings, { hub });
  if (!c.fromCache) note(`native space: counted the document frequencies of ${c.df.docs} profile items of ${c.users} users (cached for later runs)`);
  return { df: c.df, description: `the ${c.df.docs} profile items of all ${c.users} users of the data, offset 0 (a token in every item gets 0)` };
}
