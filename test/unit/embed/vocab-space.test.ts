import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

import { Embedder, type TextEmbedder } from '../../../lib/embed/embedder.js';
import { fromHalfArray, fromHalfBits, toHalfArray, toHalfBits } from '../../../lib/embed/f16.js';
import { NativeSpace, TokenDocumentFrequency } from '../../../lib/embed/native-space.js';
import { decodeByteLevel, detectPieceEncoding, pieceSurface, vocabSurfaces } from '../../../lib/embed/token-surface.js';
import type { TokenKind, VocabSource } from '../../../lib/embed/vocab-source.js';
import { buildVocabMatrix, buildVocabSpace, vocabHash } from '../../../lib/embed/vocab-space.js';
import { writeTinyBert } from '../../../bench/tiny-bert.js';

/** A SentencePiece-like vocabulary; tokenize() maps words to `▁word` ids and adds BOS. */
class FakeVocab implements VocabSource {
  constructor(
    private readonly pieces: string[],
    private readonly kinds: TokenKind[],
  ) {}
  get vocabSize(): number {
    return this.pieces.length;
  }
  tokenPieces(): string[] {
    return [...this.pieces];
  }
  tokenKinds(): TokenKind[] {
    return [...this.kinds];
  }
  tokenize(text: string): Int32Array {
    const ids = [1];
    for (const w of text.toLowerCase().match(/\w+|[^\s\w]/g) ?? []) {
      const id = this.pieces.indexOf(`\u2581${w}`);
      ids.push(id >= 0 ? id : this.pieces.indexOf(w) >= 0 ? this.pieces.indexOf(w) : 0);
    }
    return Int32Array.from(ids);
  }
}

const PIECES = ['<unk>', '<s>', '</s>', '<0x0A>', '\u2581the', ',', '\u2581cat', 's', '\u2581\u2581', '123', '\u2581dog', '<|im_start|>', 'the', '\u2581sat'];
const KINDS: TokenKind[] = ['unknown', 'control', 'control', 'byte', 'normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'user-defined', 'normal', 'normal'];
// ids with zero rows: <unk>, <s>, </s>, <0x0A>, ",", "▁▁", "123", <|im_start|>
const ZERO_IDS = [0, 1, 2, 3, 5, 8, 9, 11];

let tmp: string;
let embedder: Embedder;
let other: Embedder;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pg-vocab-'));
  const a = writeTinyBert(tmp, { name: 'tiny-a', seed: 1 });
  const b = writeTinyBert(tmp, { name: 'tiny-b', seed: 2 });
  embedder = await Embedder.create({ model: a.modelDir, cacheDir: null });
  other = await Embedder.create({ model: b.modelDir, cacheDir: null });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('token surfaces', () => {
  test('SentencePiece pieces: markers removed, specials/bytes/no-letter pieces excluded', () => {
    const { surfaces, encoding } = vocabSurfaces(new FakeVocab(PIECES, KINDS));
    expect(encoding).toBe('sentencepiece');
    expect(surfaces).toEqual([null, null, null, null, 'the', null, 'cat', 's', null, null, 'dog', null, 'the', 'sat']);
  });

  test('byte-level BPE pieces are decoded (Ġ = space, Ċ = newline, partial UTF-8 excluded)', () => {
    expect(detectPieceEncoding(['\u0120the', '\u0120cat', 'a'])).toBe('byte-level');
    expect(pieceSurface('\u0120the', 'normal', 'byte-level')).toBe('the');
    expect(pieceSurface('\u010a', 'normal', 'byte-level')).toBeNull();
    expect(decodeByteLevel('caf\u00c3\u00a9')).toBe('café');
    expect(pieceSurface('\u00c3', 'normal', 'byte-level')).toBeNull();
    expect(pieceSurface('<tool_call>', 'user-defined', 'sentencepiece')).toBeNull();
    expect(pieceSurface('\u2581\u00e9t\u00e9', 'normal', 'sentencepiece')).toBe('été');
  });

  test('f16 conversion rounds to nearest even and round-trips', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(2 ** -26)).toBe(0);
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(fromHalfBits(0x2e66)).toBe(0.0999755859375);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    const xs = Float32Array.from([0, -0.5, 0.333, 1e-5, 123.4]);
    const back = fromHalfArray(toHalfArray(xs));
    xs.forEach((x, i) => expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25));
  });
});

describe('vocabulary matrix in the embedder space', () => {
  test('shape, zero rows, embedded surfaces; cache hit on the second call', async () => {
    const source = new FakeVocab(PIECES, KINDS);
    const cacheDir = path.join(tmp, 'vocab-cache');
    const spy = vi.spyOn(embedder, 'embed');
    const built = await buildVocabSpace({ source, embedder, cacheDir });
    expect(built).toMatchObject({ rows: PIECES.length, dims: 8, zeroRows: ZERO_IDS.length, fromCache: false, encoding: 'sentencepiece' });
    expect(built.data).toHaveLength(PIECES.length * 8);
    const row = (s: { data: Float32Array; dims: number }, id: number) => Array.from(s.data.subarray(id * s.dims, (id + 1) * s.dims));
    for (const id of ZERO_IDS) expect(row(built, id)).toEqual(new Array(8).fill(0));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0]).toEqual(['the', 'cat', 's', 'dog', 'sat']); // unique surfaces, embedded once
    expect(spy.mock.calls[0][1]).toMatchObject({ cache: false });
    const [the] = await embedder.embed(['the'], { cache: false });
    expect(row(built, 4)).toEqual(Array.from(fromHalfArray(toHalfArray(the))));
    expect(row(built, 12)).toEqual(row(built, 4)); // "▁the" and "the" share the surface

    spy.mockClear();
    const again = await buildVocabSpace({ source, embedder, cacheDir });
    expect(again.fromCache).toBe(true);
    expect(again.cacheFile).toBe(built.cacheFile);
    expect(spy).not.toHaveBeenCalled();
    expect(again.data).toEqual(built.data);
    expect(again.zeroRows).toBe(built.zeroRows);
    spy.mockRestore();
  });

  test('a different embedder or vocabulary invalidates the cache', async () => {
    const source = new FakeVocab(PIECES, KINDS);
    const cacheDir = path.join(tmp, 'vocab-cache-2');
    const a = await buildVocabSpace({ source, embedder, cacheDir });
    const b = await buildVocabSpace({ source, embedder: other, cacheDir });
    expect(b.fromCache).toBe(false);
    expect(b.cacheFile).not.toBe(a.cacheFile);
    expect(b.data).not.toEqual(a.data);
    const changed = new FakeVocab([...PIECES.slice(0, -1), '\u2581mat'], KINDS);
    expect(vocabHash(changed)).not.toBe(vocabHash(source));
    expect((await buildVocabSpace({ source: changed, embedder, cacheDir })).fromCache).toBe(false);
    expect((await buildVocabSpace({ source, embedder, cacheDir })).fromCache).toBe(true);
  });

  test('a corrupt cache file is rebuilt with a warning', async () => {
    const source = new FakeVocab(PIECES, KINDS);
    const cacheDir = path.join(tmp, 'vocab-cache-3');
    const first = await buildVocabSpace({ source, embedder, cacheDir });
    writeFileSync(first.cacheFile!, 'PGVOCAB1 but truncated');
    const warnings: string[] = [];
    const again = await buildVocabSpace({ source, embedder, cacheDir, warn: (m) => warnings.push(m) });
    expect(again.fromCache).toBe(false);
    expect(again.data).toEqual(first.data);
    expect(warnings[0]).toMatch(/^vocabulary cache .* is unreadable \(.*\); rebuilding it$/);
  });

  test('buildVocabMatrix hands data, rows and dims to the native factory', async () => {
    const fake: TextEmbedder = { id: 'fake', dims: 3, embed: async (t) => t.map(() => Float32Array.from([1, 0, 0])) };
    const { matrix, space } = await buildVocabMatrix({ source: new FakeVocab(PIECES, KINDS), embedder: fake, cacheDir: null }, (data, rows, dims) => ({
      rows,
      dims,
      sum: data.reduce((a, b) => a + b, 0),
    }));
    expect(matrix).toEqual({ rows: 14, dims: 3, sum: 14 - ZERO_IDS.length });
    expect(space.cacheFile).toBeUndefined();
  });
});

describe('native space (the model’s own token embeddings)', () => {
  const source = new FakeVocab(PIECES, KINDS);
  const dims = 4;
  const table = { data: Float32Array.from({ length: PIECES.length * dims }, (_, i) => ((i * 7919) % 13) - 6 + 0.5), rows: PIECES.length, dims };

  test('rows are masked like the embedder space and unit length', () => {
    const ns = new NativeSpace(source, table);
    expect(ns.space.zeroRows).toBe(ZERO_IDS.length);
    for (let r = 0; r < PIECES.length; r++) {
      const row = Array.from(ns.space.data.subarray(r * dims, (r + 1) * dims));
      if (ZERO_IDS.includes(r)) expect(row).toEqual([0, 0, 0, 0]);
      else expect(Math.hypot(...row)).toBeCloseTo(1, 6);
    }
    expect(ns.toMatrix((d, r, c) => [d.length, r, c])).toEqual([PIECES.length * dims, PIECES.length, dims]);
    expect(() => new NativeSpace(source, { ...table, rows: 3 })).toThrow(/has 3 rows but the vocabulary has 14 tokens/);
  });

  test('inPlace: the same rows, written into the given array instead of a copy', () => {
    const copied = new NativeSpace(source, table);
    const given = { ...table, data: table.data.slice() };
    const inPlace = new NativeSpace(source, given, { inPlace: true });
    expect(inPlace.space.data).toBe(given.data);
    expect(Array.from(inPlace.space.data)).toEqual(Array.from(copied.space.data));
    expect(inPlace.space.zeroRows).toBe(copied.space.zeroRows);
    expect(copied.space.data).not.toBe(table.data);
  });

  test('user vector: idf-weighted mean of the profile’s token rows, normalized', () => {
    const ns = new NativeSpace(source, table);
    const profile = ['the cat sat', 'the dog , the dog'];
    // idf over the profile (N = 2): the (df 2) → ln(3/3)+1 = 1; cat, sat (df 1) → ln(3/2)+1; dog (df 1)
    const rowOf = (id: number) => Array.from(ns.space.data.subarray(id * dims, (id + 1) * dims));
    const w1 = Math.log(3 / 2) + 1;
    const expected = new Array(dims).fill(0);
    const add = (id: number, w: number) => rowOf(id).forEach((x, i) => (expected[i] += w * x));
    add(4, 1 * 3); // "the" three times
    add(6, w1);
    add(13, w1);
    add(10, 2 * w1); // "dog" twice; "," and BOS are excluded
    const n = Math.hypot(...expected);
    const got = ns.userVector(profile);
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i] / n, 6));

    const corpus = TokenDocumentFrequency.fromTexts(source, ['the', 'the', 'the cat', 'dog']);
    expect(corpus.docs).toBe(4);
    expect(corpus.df(4)).toBe(3);
    expect(corpus.idf(4)).toBeCloseTo(Math.log(5 / 4), 12); // a stated corpus: offset 0
    expect(TokenDocumentFrequency.fromTexts(source, ['the', 'the', 'the cat', 'dog'], { offset: 1 }).idf(4)).toBeCloseTo(Math.log(5 / 4) + 1, 12);
    expect(ns.userVector(profile, { idf: corpus })).not.toEqual(got);

    expect(() => ns.userVector([])).toThrow(/the profile is empty/);
    expect(Array.from(ns.userVector([], { emptyProfile: 'zero' }))).toEqual([0, 0, 0, 0]);
    expect(() => ns.userVector([', , 123'])).toThrow(/no usable token/);
  });
});
