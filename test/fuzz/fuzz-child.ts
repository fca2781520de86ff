/**
 * The fuzz child process: runs a list of fuzz jobs through the library's loaders and reports
 * each on stdout (synchronously, so the parent always knows which input was in flight when the
 * process died): `S <index>` before a job, `R <index> <json>` after it, `E` at the end.
 *
 * Usage (bundled by fuzz-runner.ts): `node fuzz-child.mjs <jobs.json> <first index>`.
 * Every job must end in a JavaScript error or a valid load; anything else (a signal, an abort,
 * a hang) is what the parent detects.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

import { readAllRecords } from '../../lib/data/dataset.js';
import { TASKS } from '../../lib/data/tasks.js';
import { EmbeddingCache, textHash } from '../../lib/embed/embedding-cache.js';
import { NativeSpace } from '../../lib/embed/native-space.js';
import { userVectorFromItems } from '../../lib/embed/user-vector.js';
import type { TextEmbedder } from '../../lib/embed/embedder.js';
import { buildVocabSpace } from '../../lib/embed/vocab-space.js';
import { loadModel, type Model } from '../../lib/model.js';
import { VocabMatrix } from '../../lib/vocab-matrix.js';
import { sampleRows, writeLongLampParquet } from '../helpers/write-parquet.js';
import { buildGguf, prng, writeTinyLlama, type GgufCase } from './gguf-mutations.js';
import { decodeJson } from './json-codec.js';
import { makeValues, type CacheCase, type DatasetCase, type MatrixCase, type UserCase } from './input-mutations.js';

/** One job of a child. */
export type FuzzJob =
  | { type: 'gguf'; case: GgufCase }
  | { type: 'matrix'; case: MatrixCase }
  | { type: 'user'; case: UserCase }
  | { type: 'dataset'; case: DatasetCase }
  | { type: 'cache'; case: CacheCase };

/** The job file a child reads. */
export interface FuzzJobFile {
  jobs: FuzzJob[];
  /** The real model, when present (GGUF base `stories`, and the model of matrix/user jobs). */
  storiesPath: string | null;
  /** Scratch folder of this child. */
  workDir: string;
}

/** What a job ended in. */
export interface FuzzJobResult {
  /** `ok`: a valid load (and use); `error`: a JavaScript error was thrown. */
  outcome: 'ok' | 'error';
  message?: string;
  /** Errors of the steps after a successful load, and other observations. */
  notes?: string[];
}

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

function errText(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${String(e?.message ?? err)}`.slice(0, 400);
}

/** Runs `fn`, recording a thrown error as a note. */
async function step(notes: string[], name: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof Error)) throw new Error(`${name} threw a non-Error: ${String(err)}`);
    notes.push(`${name}: ${errText(err)}`);
  }
}

let storiesBytes: Buffer | undefined;
let tinyBytes: Buffer | undefined;
const tiny = (): Buffer => (tinyBytes ??= writeTinyLlama(1));

/** Loads a model file and uses it the ways the library does; errors after the load are notes. */
async function exerciseModel(file: string, notes: string[]): Promise<void> {
  const model = await loadModel(file, { contextSize: 64, threads: 1, batchSize: 32 });
  try {
    await step(notes, 'info', () => [model.vocabSize, model.embeddingSize, model.info.description]);
    await step(notes, 'tokenize', () => model.detokenize(model.tokenize('Once upon a time, 猫 \u0000 <s>', { addSpecial: true, parseSpecial: true })));
    await step(notes, 'pieces', () => [model.tokenPieces().length, model.tokenKinds().length, model.vocabularyHash()]);
    await step(notes, 'chat', () => model.applyChatTemplate([{ role: 'user', content: 'hi' }]));
    let matrix: VocabMatrix | undefined;
    await step(notes, 'embedding rows', async () => {
      const rows = await model.tokenEmbeddingRows();
      if (rows.rows === model.vocabSize) matrix = await VocabMatrix.fromArray(rows.data, rows.rows, rows.dims);
      else notes.push(`embedding rows ${rows.rows} != vocab ${model.vocabSize}`);
    });
    await step(notes, 'generate', () => model.generate('Once upon a time', { maxTokens: 4 }));
    await step(notes, 'generate sampled', () => model.generate('Once', { maxTokens: 3, temperature: 1, seed: 1, repeatPenalty: 1.1 }));
    if (matrix) {
      const user = new Float32Array(matrix.dims).fill(0.25);
      await step(notes, 'personalized', () => model.generate('Once upon a time', { maxTokens: 4, personalization: { matrix: matrix!, user, beta: 2, guardTopK: 5 } }));
      matrix.dispose();
    }
  } finally {
    model.dispose();
  }
}

async function runGguf(c: GgufCase, file: FuzzJobFile): Promise<FuzzJobResult> {
  let base: Buffer;
  if (c.base === 'stories') {
    if (!file.storiesPath) throw new Error('a stories case without the stories model');
    base = storiesBytes ??= readFileSync(file.storiesPath);
  } else base = tiny();
  const bytes = buildGguf(base, c.mutation, tiny());
  const target = path.join(file.workDir, 'case.gguf');
  writeFileSync(target, bytes);
  const notes: string[] = [];
  try {
    await exerciseModel(target, notes);
    return { outcome: 'ok', notes };
  } finally {
    rmSync(target, { force: true });
  }
}

// ---------------------------------------------------------------------------
// Matrices and user vectors, against one model loaded once per child.
// ---------------------------------------------------------------------------

let sharedModel: Promise<Model> | undefined;
let sharedMatrix: Promise<VocabMatrix> | undefined;

function theModel(file: FuzzJobFile): Promise<Model> {
  if (!sharedModel) {
    let target = file.storiesPath;
    if (!target) {
      target = path.join(file.workDir, 'tiny.gguf');
      writeFileSync(target, tiny());
    }
    sharedModel = loadModel(target, { contextSize: 64, threads: 1 });
  }
  return sharedModel;
}

function theMatrix(file: FuzzJobFile): Promise<VocabMatrix> {
  sharedMatrix ??= theModel(file).then((m) => m.tokenEmbeddingMatrix());
  return sharedMatrix;
}

function oddValue(v: unknown): unknown {
  return v === 'bigint' ? 1n : v;
}

async function runMatrix(c: MatrixCase, file: FuzzJobFile): Promise<FuzzJobResult> {
  const model = await theModel(file);
  const rows = c.rows === 'vocab' ? model.vocabSize + (c.rowsDelta ?? 0) : c.rows;
  const dims = c.dims === 'embd' ? model.embeddingSize : c.dims;
  const n = Math.min(Math.max(0, rows * dims + c.lengthDelta), 64 * 1024 * 1024);
  let data: Float32Array | unknown[] = makeValues(n, c.values);
  if (c.plain) {
    const arr: unknown[] = Array.from(data as Float32Array);
    arr[c.plain.at] = oddValue(c.plain.value);
    data = arr;
  }
  const opts: Record<string, unknown> = {};
  if (c.dtype !== undefined) opts.dtype = c.dtype;
  if (c.center !== undefined) opts.center = c.center;
  const matrix = await VocabMatrix.fromArray(
    data as Float32Array,
    (c.rowsRaw !== undefined ? c.rowsRaw : rows) as number,
    (c.dimsRaw !== undefined ? c.dimsRaw : dims) as number,
    opts as { dtype?: 'f32' },
  );
  const notes: string[] = [];
  try {
    await step(notes, 'dots', () => matrix.dots(new Float32Array(matrix.dims).fill(0.5)));
    await step(notes, 'toArray', () => matrix.toArray().length);
    await step(notes, 'generate', () =>
      model.generate('Once upon a time', { maxTokens: 4, personalization: { matrix, user: makeValues(matrix.dims, { fill: 'random', seed: 3 }), beta: 3 } }),
    );
  } finally {
    matrix.dispose();
  }
  return { outcome: 'ok', notes };
}

const num = (v: number | string): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v));

async function runUser(c: UserCase, file: FuzzJobFile): Promise<FuzzJobResult> {
  const model = await theModel(file);
  const matrix = await theMatrix(file);
  const n = Math.max(0, model.embeddingSize + c.lengthDelta);
  let user: Float32Array | unknown[] = makeValues(n, c.values);
  if (c.plain) {
    const arr: unknown[] = Array.from(user as Float32Array);
    arr[c.plain.at] = c.plain.value;
    user = arr;
  }
  const notes: string[] = [];
  const personalization: Record<string, unknown> = { matrix, user, beta: num(c.beta) };
  if (c.guardTopK !== undefined) personalization.guardTopK = c.guardTopK;
  if (c.guardMinP !== undefined) personalization.guardMinP = c.guardMinP;
  await step(notes, 'dots', () => matrix.dots(user as Float32Array));
  await step(notes, 'user vector from items', () => userVectorFromItems([user as Float32Array, user as Float32Array], n, { center: user as Float32Array }));
  if (c.profileTexts) {
    await step(notes, 'native space', async () => {
      const rows = await model.tokenEmbeddingRows();
      const space = new NativeSpace(model, rows);
      const u = space.userVector(c.profileTexts!, { emptyProfile: 'zero' });
      const m = await VocabMatrix.fromArray(space.space.data, space.space.rows, space.space.dims);
      try {
        await model.generate('Once upon a time', { maxTokens: 4, personalization: { matrix: m, user: u, beta: 2 } });
      } finally {
        m.dispose();
      }
    });
  }
  const r = await model.generate('Once upon a time', { maxTokens: 4, personalization: personalization as never });
  notes.push(`tokens ${r.tokens.length}`);
  return { outcome: 'ok', notes };
}

// ---------------------------------------------------------------------------
// Dataset files.
// ---------------------------------------------------------------------------

function datasetText(c: DatasetCase): string {
  const kind = c.kind;
  const rows = sampleRows(kind);
  const task = Object.values(TASKS).find((t) => t.kind === kind)!;
  const id = task.userIdField;
  const jsonl = (rs: unknown[]): string => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const out = (rs: unknown[]): string => (c.format === 'jsonl' ? jsonl(rs) : JSON.stringify(rs, null, 1));
  if (c.mutation.kind !== 'text') return out(rows);
  const good = rows[0]!;
  switch (c.mutation.name) {
    case 'deep-nesting':
      return c.format === 'jsonl' ? `${'['.repeat(200000)}${']'.repeat(200000)}\n` : `[${'['.repeat(200000)}${']'.repeat(200000)}]`;
    case 'huge-number':
      return out([{ ...good, [id]: 1e308 * 10, profile: [{ ...(good.profile as object[])[0], id: 123456789012345678901234567890 }] }]);
    case 'bom':
      return `\uFEFF${out(rows)}`;
    case 'invalid-utf8':
      return out(rows).replace('cat', '\uFFFD\uFFFE');
    case 'nul-bytes':
      return out(rows).replace(/a/g, '\u0000');
    case 'proto-keys':
      return c.format === 'jsonl'
        ? `{"__proto__": {"polluted": true}, "constructor": 1, ${JSON.stringify(good).slice(1)}\n`
        : `[{"__proto__": {"polluted": true}, ${JSON.stringify(good).slice(1)}]`;
    case 'wrong-types':
      return out([
        { ...good, input: 5 },
        { ...good, output: null },
        { ...good, profile: 'x' },
        { ...good, profile: [null, 1, 'x', []] },
        { ...good, [id]: { a: 1 } },
        { ...good, profile: [{}] },
      ]);
    case 'null-row':
      return out([null, 1, 'x', [], true]);
    case 'empty-file':
      return '';
    case 'only-whitespace':
      return ' \n\t\r\n  ';
    case 'unclosed-array':
      return `[${JSON.stringify(good)}, ${JSON.stringify(good)}`;
    case 'array-of-arrays':
      return c.format === 'jsonl' ? '[[1,2],[3]]\n[]\n' : '[[1,2],[3]]';
    case 'long-line':
      return out([{ ...good, input: 'x'.repeat(8 << 20) }]);
    case 'crlf':
      return out(rows).replace(/\n/g, '\r\n');
    case 'lone-surrogates':
      return out([{ ...good, input: '\ud800 \udfff', output: '\udc00' }]);
    case 'huge-profile':
      return out([{ ...good, profile: Array.from({ length: 100000 }, (_, i) => ({ ...(good.profile as object[])[0], id: `p${i}` })) }]);
  }
}

function datasetBytes(c: DatasetCase, workDir: string): Buffer {
  let bytes: Buffer;
  if (c.format === 'parquet') {
    const base = path.join(workDir, `base-${c.kind}.parquet`);
    writeLongLampParquet(base, c.kind, sampleRows(c.kind));
    bytes = readFileSync(base);
  } else bytes = Buffer.from(datasetText(c), 'utf8');
  if (c.mutation.kind === 'text' && c.mutation.name === 'invalid-utf8') {
    const b = Buffer.from(bytes);
    const at = b.indexOf('input');
    if (at >= 0) b.set([0xc3, 0x28, 0xff, 0xfe], at + 10);
    return b;
  }
  const m = c.mutation;
  switch (m.kind) {
    case 'bitflip': {
      const out = Buffer.from(bytes);
      const rand = prng(m.seed);
      const from = m.tail ? Math.max(0, out.length - m.tail) : 0;
      for (let i = 0; i < m.flips; i++) {
        const pos = from + Math.floor(rand() * (out.length - from));
        out[pos] = out[pos]! ^ (1 << Math.floor(rand() * 8));
      }
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, Math.min(m.at, bytes.length));
    case 'set-footer-length': {
      const out = Buffer.from(bytes);
      out.writeUInt32LE(m.value >>> 0, out.length - 8);
      return out;
    }
    default:
      return bytes;
  }
}

async function runDataset(c: DatasetCase, file: FuzzJobFile): Promise<FuzzJobResult> {
  // One file per job, left in place until the run ends: a reader that still reads after it has
  // returned (a leaked promise) sees the same bytes, as it would in real use.
  const target = path.join(file.workDir, `case-${createHash('sha1').update(c.id).digest('hex').slice(0, 12)}.${c.format}`);
  writeFileSync(target, datasetBytes(c, file.workDir));
  const task = Object.values(TASKS).find((t) => t.kind === c.kind)!;
  try {
    const { records, stats } = await readAllRecords([target], task, { skipInvalid: c.id.length % 2 === 0 });
    return { outcome: 'ok', notes: [`records ${records.length}, rows ${stats.rows}, skipped ${stats.skipped}`] };
  } finally {
    if (c.deleteAfter) {
      rmSync(target, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 100)); // reads the reader left behind fail now
    }
  }
}

// ---------------------------------------------------------------------------
// Caches.
// ---------------------------------------------------------------------------

/** A deterministic stand-in for a sentence embedder: unit vectors from a hash of the text. */
const fakeEmbedder: TextEmbedder = {
  id: 'persona-gen-fuzz/hash-embedder',
  dims: 8,
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => {
      const h = createHash('sha256').update(t).digest();
      const v = Float32Array.from({ length: 8 }, (_, i) => h.readInt8(i) / 128 + 0.001);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
  },
};

function mutateCache(bytes: Buffer, m: CacheCase['mutation'], headerBytes: number): Buffer {
  switch (m.kind) {
    case 'bitflip': {
      const out = Buffer.from(bytes);
      const rand = prng(m.seed);
      const end = m.headerOnly ? Math.min(headerBytes, out.length) : out.length;
      for (let i = 0; i < m.flips; i++) {
        const pos = Math.floor(rand() * end);
        out[pos] = out[pos]! ^ (1 << Math.floor(rand() * 8));
      }
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, Math.min(m.at, bytes.length));
    case 'u32': {
      const out = Buffer.from(bytes);
      if (m.offset + 4 <= out.length) out.writeUInt32LE(m.value >>> 0, m.offset);
      return out;
    }
    case 'append':
      return Buffer.concat([bytes, Buffer.alloc(m.bytes, 0x41)]);
    case 'swap-rows-dims': {
      const out = Buffer.from(bytes);
      const rows = out.readUInt32LE(12);
      out.writeUInt32LE(out.readUInt32LE(16), 12);
      out.writeUInt32LE(rows, 16);
      return out;
    }
  }
}

async function runCache(c: CacheCase, file: FuzzJobFile): Promise<FuzzJobResult> {
  const dir = path.join(file.workDir, 'cache');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  const warn = (m: string): void => {
    notes.push(`warning: ${m.slice(0, 200)}`);
  };
  if (c.cache === 'vocab') {
    const model = await theModel(file);
    const first = await buildVocabSpace({ source: model, embedder: fakeEmbedder, cacheDir: dir, warn });
    const cacheFile = first.cacheFile!;
    const bytes = readFileSync(cacheFile);
    const keyLen = bytes.readUInt32LE(24);
    writeFileSync(cacheFile, mutateCache(bytes, c.mutation, 28 + keyLen));
    const again = await buildVocabSpace({ source: model, embedder: fakeEmbedder, cacheDir: dir, warn });
    if (again.fromCache && (again.rows !== model.vocabSize || again.dims !== fakeEmbedder.dims)) {
      notes.push(`ACCEPTED A CACHE OF THE WRONG SHAPE: ${again.rows} x ${again.dims}, expected ${model.vocabSize} x ${fakeEmbedder.dims}`);
    }
    const m = await VocabMatrix.fromArray(again.data, again.rows, again.dims);
    m.dispose();
    notes.push(again.fromCache ? 'read from the cache' : 'rebuilt');
    return { outcome: 'ok', notes };
  }
  const texts = ['alpha', 'beta', 'gamma', 'delta'];
  const cache = EmbeddingCache.open(dir, fakeEmbedder.id, fakeEmbedder.dims, warn);
  cache.putMany(await Promise.all(texts.map(async (t) => ({ hash: textHash(t), vector: (await fakeEmbedder.embed([t]))[0]! }))));
  cache.close();
  const cacheFile = cache.file;
  const bytes = readFileSync(cacheFile);
  writeFileSync(cacheFile, mutateCache(bytes, c.mutation, 20 + Buffer.byteLength(fakeEmbedder.id)));
  const again = EmbeddingCache.open(dir, fakeEmbedder.id, fakeEmbedder.dims, warn);
  try {
    for (const t of texts) {
      const v = again.get(textHash(t));
      if (v && v.some((x) => !Number.isFinite(x))) notes.push(`NON-FINITE VECTOR READ FOR ${t}`);
    }
    notes.push(`size ${again.size}`);
  } finally {
    again.close();
  }
  return { outcome: 'ok', notes };
}

async function runJob(job: FuzzJob, file: FuzzJobFile): Promise<FuzzJobResult> {
  switch (job.type) {
    case 'gguf':
      return runGguf(job.case, file);
    case 'matrix':
      return runMatrix(job.case, file);
    case 'user':
      return runUser(job.case, file);
    case 'dataset':
      return runDataset(job.case, file);
    case 'cache':
      return runCache(job.case, file);
  }
}

async function main(): Promise<void> {
  const [jobsPath, startArg] = process.argv.slice(2);
  const file = decodeJson<FuzzJobFile>(readFileSync(jobsPath!, 'utf8'));
  mkdirSync(file.workDir, { recursive: true });
  for (let i = Number(startArg ?? 0); i < file.jobs.length; i++) {
    say(`S ${i}`);
    let result: FuzzJobResult;
    try {
      result = await runJob(file.jobs[i]!, file);
    } catch (err) {
      if (!(err instanceof Error)) {
        result = { outcome: 'error', message: `NOT AN Error: ${String(err)}`, notes: ['non-Error thrown'] };
      } else result = { outcome: 'error', message: errText(err) };
    }
    // Let promises the job leaked settle now, so that a late unhandled rejection is charged to
    // this job and not to the next one.
    await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setImmediate(resolve));
    say(`R ${i} ${JSON.stringify(result)}`);
  }
  if (sharedMatrix) (await sharedMatrix.catch(() => undefined))?.dispose();
  if (sharedModel) (await sharedModel.catch(() => undefined))?.dispose();
  say('E');
}

main().catch((err) => {
  process.stderr.write(`fuzz child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(3);
});
