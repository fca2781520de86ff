/**
 * Fuzz inputs other than GGUF files, as JSON-able descriptions: vocabulary matrices, user
 * vectors and profile texts, LongLaMP dataset files (JSON, JSONL, parquet) and the on-disk
 * vocabulary-matrix and embedding caches. Each description is turned into bytes or arrays by
 * the child process (fuzz-child.ts), deterministically.
 */
import { prng } from './gguf-mutations.js';

/** How the values of a matrix or vector are made. */
export type ValueSpec =
  | { fill: 'random'; seed: number }
  | { fill: 'constant'; value: number | 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { fill: 'random-with'; seed: number; at: number; value: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { fill: 'denormal' }
  | { fill: 'huge' };

/** A vocabulary matrix built with `VocabMatrix.fromArray` and used for generation. */
export interface MatrixCase {
  id: string;
  /** Rows; `vocab` means the model's vocabulary size (plus `rowsDelta`). */
  rows: number | 'vocab';
  rowsDelta?: number;
  dims: number | 'embd';
  /** Values given minus declared (`rows * dims`). */
  lengthDelta: number;
  values: ValueSpec;
  dtype?: string;
  center?: unknown;
  /** Pass a plain array instead of a Float32Array (with this odd element at `at`). */
  plain?: { at: number; value: unknown };
  /** Non-number rows/dims (as JSON). */
  rowsRaw?: unknown;
  dimsRaw?: unknown;
}

/** A user vector (and profile texts) given to the personalization API. */
export interface UserCase {
  id: string;
  /** Length relative to the model's embedding size. */
  lengthDelta: number;
  values: ValueSpec;
  /** Given as a plain array with this odd element. */
  plain?: { at: number; value: unknown };
  beta: number | 'NaN' | 'Infinity' | '-Infinity';
  guardTopK?: unknown;
  guardMinP?: unknown;
  /** Profile texts for the native-space user vector. */
  profileTexts?: string[];
}

/** A dataset file derived from a valid fixture. */
export interface DatasetCase {
  id: string;
  kind: 'abstract' | 'review' | 'topic';
  format: 'jsonl' | 'json' | 'parquet';
  /** Delete the file as soon as the reader has returned or thrown (as a re-download would replace it). */
  deleteAfter?: boolean;
  mutation:
    | { kind: 'bitflip'; seed: number; flips: number; tail?: number }
    | { kind: 'truncate'; at: number }
    | { kind: 'set-footer-length'; value: number }
    | { kind: 'text'; name: DatasetTextCase };
}

/** Hand-made hostile JSON/JSONL texts. */
export type DatasetTextCase =
  | 'deep-nesting'
  | 'huge-number'
  | 'bom'
  | 'invalid-utf8'
  | 'nul-bytes'
  | 'proto-keys'
  | 'wrong-types'
  | 'null-row'
  | 'empty-file'
  | 'only-whitespace'
  | 'unclosed-array'
  | 'array-of-arrays'
  | 'long-line'
  | 'crlf'
  | 'lone-surrogates'
  | 'huge-profile';

/** A cache file derived from a valid one. */
export interface CacheCase {
  id: string;
  cache: 'vocab' | 'embedding';
  mutation:
    | { kind: 'bitflip'; seed: number; flips: number; headerOnly: boolean }
    | { kind: 'truncate'; at: number }
    | { kind: 'u32'; offset: number; value: number }
    | { kind: 'append'; bytes: number }
    | { kind: 'swap-rows-dims' };
}

/** Values of a {@link ValueSpec}. */
export function makeValues(n: number, spec: ValueSpec): Float32Array {
  const out = new Float32Array(Math.max(0, n));
  const num = (v: number | string): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : Number(v));
  switch (spec.fill) {
    case 'random':
    case 'random-with': {
      const r = prng(spec.seed);
      for (let i = 0; i < out.length; i++) out[i] = r() * 2 - 1;
      if (spec.fill === 'random-with' && out.length > 0) out[spec.at % out.length] = num(spec.value);
      break;
    }
    case 'constant':
      out.fill(num(spec.value));
      break;
    case 'denormal':
      out.fill(1e-42);
      break;
    case 'huge':
      for (let i = 0; i < out.length; i++) out[i] = i % 2 ? 3.4e38 : -3.4e38;
      break;
  }
  return out;
}

/** Matrix cases. */
export function matrixCases(seed: number): MatrixCase[] {
  const r = prng(seed);
  const s = (): number => Math.floor(r() * 2 ** 31);
  const out: MatrixCase[] = [];
  const add = (c: Omit<MatrixCase, 'id'>, name: string): void => {
    out.push({ id: `matrix/${name}`, ...c });
  };
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'random', seed: s() } }, 'valid');
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'random', seed: s() }, dtype: 'f16', center: true }, 'valid f16 centered');
  for (const d of [-1, 1, -64, 1000]) add({ rows: 'vocab', dims: 'embd', lengthDelta: d, values: { fill: 'random', seed: s() } }, `length ${d}`);
  for (const rd of [-1, 1, -511]) add({ rows: 'vocab', rowsDelta: rd, dims: 'embd', lengthDelta: 0, values: { fill: 'random', seed: s() } }, `rows ${rd}`);
  for (const v of ['NaN', 'Infinity', '-Infinity', 3.4e38] as const) {
    add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'random-with', seed: s(), at: 777, value: v } }, `value ${v}`);
  }
  for (const v of [0, '-0', 'NaN'] as const) add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'constant', value: v } }, `all ${v}`);
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'denormal' } }, 'denormals');
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'huge' } }, 'huge values');
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'huge' }, dtype: 'f16' }, 'huge values f16');
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'huge' }, center: true }, 'huge values centered');
  for (const dt of ['f64', '', 'F16', 'q8_0']) add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'random', seed: s() }, dtype: dt }, `dtype ${dt}`);
  add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'random', seed: s() }, center: 'yes' }, 'center string');
  for (const [rows, dims] of [
    [0, 64],
    [1, 0],
    [1, 65537],
    [16_000_001, 1],
    [1, 1],
  ] as const) {
    add({ rows, dims, lengthDelta: 0, values: { fill: 'random', seed: s() } }, `shape ${rows}x${dims}`);
  }
  for (const raw of [-1, 1.5, NaN, 'x', null, 2 ** 53, -0]) {
    add({ rows: 1, dims: 4, rowsRaw: raw, lengthDelta: 0, values: { fill: 'random', seed: s() } }, `rows raw ${String(raw)}`);
    add({ rows: 1, dims: 4, dimsRaw: raw, lengthDelta: 0, values: { fill: 'random', seed: s() } }, `dims raw ${String(raw)}`);
  }
  for (const v of ['1', null, undefined, {}, [], true, 'bigint']) {
    add({ rows: 'vocab', dims: 'embd', lengthDelta: 0, values: { fill: 'random', seed: s() }, plain: { at: 3, value: v } }, `plain array with ${typeof v} ${JSON.stringify(v ?? null)}`);
  }
  return out;
}

/** User-vector cases. */
export function userCases(seed: number): UserCase[] {
  const r = prng(seed);
  const s = (): number => Math.floor(r() * 2 ** 31);
  const out: UserCase[] = [];
  const add = (c: Omit<UserCase, 'id'>, name: string): void => {
    out.push({ id: `user/${name}`, ...c });
  };
  add({ lengthDelta: 0, values: { fill: 'random', seed: s() }, beta: 2 }, 'valid');
  for (const d of [-1, 1, -64, 10000]) add({ lengthDelta: d, values: { fill: 'random', seed: s() }, beta: 2 }, `length ${d}`);
  for (const v of ['NaN', 'Infinity', '-Infinity', 3.4e38, -3.4e38] as const) {
    add({ lengthDelta: 0, values: { fill: 'random-with', seed: s(), at: 5, value: v }, beta: 2 }, `value ${v}`);
  }
  for (const v of [0, '-0'] as const) add({ lengthDelta: 0, values: { fill: 'constant', value: v }, beta: 5 }, `all ${v}`);
  add({ lengthDelta: 0, values: { fill: 'denormal' }, beta: 5 }, 'denormals');
  add({ lengthDelta: 0, values: { fill: 'huge' }, beta: 5 }, 'huge values');
  for (const b of [0, -1e6, 1e6, 1e6 + 1, 'NaN', 'Infinity', '-Infinity', 1e300, -0] as const) {
    add({ lengthDelta: 0, values: { fill: 'random', seed: s() }, beta: b }, `beta ${String(b)}`);
  }
  for (const g of [-1, 0, 1, 1.5, 513, 1e9, NaN, '5', null]) add({ lengthDelta: 0, values: { fill: 'random', seed: s() }, beta: 3, guardTopK: g }, `guardTopK ${String(g)}`);
  for (const g of [-0.1, 0, 1, 1.1, NaN, '0.5']) add({ lengthDelta: 0, values: { fill: 'random', seed: s() }, beta: 3, guardMinP: g }, `guardMinP ${String(g)}`);
  for (const v of ['1', null, undefined, {}, true]) add({ lengthDelta: 0, values: { fill: 'random', seed: s() }, beta: 1, plain: { at: 2, value: v } }, `plain array with ${JSON.stringify(v ?? null)}`);
  const texts: [string, string[]][] = [
    ['no texts', []],
    ['empty texts', ['', '', '']],
    ['lone surrogates', ['\ud800\udc00\ud800', '\udfff abc']],
    ['control characters', ['\u0000\u0001\u0002 once \u001b[31m', '\u007f\u0085\u2028']],
    ['special-token text', ['<s></s><unk><|im_start|>', '<0x0A><0xFF>']],
    ['a megabyte of text', ['the cat sat on the mat. '.repeat(45000)]],
    ['10000 tiny texts', Array.from({ length: 10000 }, (_, i) => `w${i}`)],
    ['only punctuation', ['.,;:!?', '---', '…']],
    ['other scripts', ['猫が座った', 'кошка сидела', 'قطة', '🐈🐈‍⬛']],
  ];
  for (const [name, t] of texts) add({ lengthDelta: 0, values: { fill: 'random', seed: s() }, beta: 2, profileTexts: t }, `profile ${name}`);
  return out;
}

/** Dataset cases. */
export function datasetCases(seed: number, perFormat: { bitflips: number; truncations: number }): DatasetCase[] {
  const r = prng(seed);
  const s = (): number => Math.floor(r() * 2 ** 31);
  const out: DatasetCase[] = [];
  const kinds = ['abstract', 'review', 'topic'] as const;
  for (const format of ['jsonl', 'json', 'parquet'] as const) {
    for (let i = 0; i < perFormat.bitflips; i++) {
      const kind = kinds[i % 3]!;
      const tail = format === 'parquet' && i % 2 === 0 ? 400 : undefined;
      const sd = s();
      const flips = 1 + Math.floor(r() * 6);
      out.push({ id: `dataset/${format}/${kind}/bitflip/${sd}x${flips}${tail ? '-footer' : ''}`, kind, format, mutation: { kind: 'bitflip', seed: sd, flips, ...(tail ? { tail } : {}) } });
    }
    for (let i = 0; i < perFormat.truncations; i++) {
      const kind = kinds[i % 3]!;
      const at = Math.floor(r() * 4000);
      out.push({ id: `dataset/${format}/${kind}/truncate/${at}`, kind, format, mutation: { kind: 'truncate', at } });
    }
  }
  for (const v of [0, 1, 7, 0x7fffffff, 0xffffffff, 1 << 20]) {
    out.push({ id: `dataset/parquet/review/footer-length/${v}`, kind: 'review', format: 'parquet', mutation: { kind: 'set-footer-length', value: v } });
  }
  const textCases: DatasetTextCase[] = [
    'deep-nesting',
    'huge-number',
    'bom',
    'invalid-utf8',
    'nul-bytes',
    'proto-keys',
    'wrong-types',
    'null-row',
    'empty-file',
    'only-whitespace',
    'unclosed-array',
    'array-of-arrays',
    'long-line',
    'crlf',
    'lone-surrogates',
    'huge-profile',
  ];
  for (const name of textCases) {
    for (const format of ['jsonl', 'json'] as const) out.push({ id: `dataset/${format}/topic/${name}`, kind: 'topic', format, mutation: { kind: 'text', name } });
  }
  return out;
}

/** Cache cases (vocabulary-matrix cache `PGVOCAB1` and embedding cache `PGEMBED1`). */
export function cacheCases(seed: number, perCache: number): CacheCase[] {
  const r = prng(seed);
  const out: CacheCase[] = [];
  for (const cache of ['vocab', 'embedding'] as const) {
    for (let i = 0; i < perCache; i++) {
      const sd = Math.floor(r() * 2 ** 31);
      const headerOnly = i % 2 === 0;
      out.push({ id: `cache/${cache}/bitflip/${sd}${headerOnly ? '-header' : ''}`, cache, mutation: { kind: 'bitflip', seed: sd, flips: 1 + (i % 4), headerOnly } });
    }
    for (const at of [0, 4, 8, 11, 12, 20, 27, 28, 40, 100, 1000, 5000]) out.push({ id: `cache/${cache}/truncate/${at}`, cache, mutation: { kind: 'truncate', at } });
    for (const offset of [8, 12, 16, 20, 24]) {
      for (const value of [0, 1, 0x7fffffff, 0xffffffff]) out.push({ id: `cache/${cache}/u32@${offset}=${value}`, cache, mutation: { kind: 'u32', offset, value } });
    }
    for (const bytes of [1, 31, 35, 100]) out.push({ id: `cache/${cache}/append/${bytes}`, cache, mutation: { kind: 'append', bytes } });
  }
  // Swapped rows and dims with the same product: the size check alone cannot tell.
  out.push({ id: 'cache/vocab/rows-dims-swapped', cache: 'vocab', mutation: { kind: 'swap-rows-dims' } });
  return out;
}
