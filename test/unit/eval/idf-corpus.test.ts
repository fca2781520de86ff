// The native space's corpus idf (lib/eval/idf-corpus.ts): every profile item of every user of a
// LongLaMP-2 file is a document, counted once and cached; with it, two users writing about
// different topics get different most-favoured tokens, made of their topic words and no
// function word — which the profile-only idf does not give.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/prng.js';
import { NativeSpace } from '../../../lib/embed/native-space.js';
import type { TokenKind, VocabSource } from '../../../lib/embed/vocab-source.js';
import { corpusDocumentFrequency } from '../../../lib/eval/idf-corpus.js';

const FUNCTION_WORDS = ['the', 'a', 'and', 'to', 'it', 'was', 'of', 'in', 'she', 'her', 'every', 'day', 'fun', 'liked', 'went', 'with', 'little', 'girl'];
const TOPICS: Record<string, string[]> = {
  ball: ['ball', 'park', 'play', 'run', 'kick'],
  boat: ['boat', 'sea', 'fish', 'water', 'swim'],
  cake: ['cake', 'kitchen', 'bake', 'sweet', 'eat'],
  dog: ['dog', 'bark', 'bone', 'walk', 'tail'],
};
const WORDS = [...FUNCTION_WORDS, ...Object.values(TOPICS).flat()];

/** One token per word (`▁word`), BOS = 1; a random 256-dim row per word: nearly orthogonal. */
class WordVocab implements VocabSource {
  readonly pieces = ['<unk>', '<s>', ...WORDS.map((w) => `\u2581${w}`)];
  get vocabSize(): number {
    return this.pieces.length;
  }
  tokenPieces(): string[] {
    return [...this.pieces];
  }
  tokenKinds(): TokenKind[] {
    return this.pieces.map((_, i): TokenKind => (i === 0 ? 'unknown' : i === 1 ? 'control' : 'normal'));
  }
  tokenize(text: string): Int32Array {
    return Int32Array.from([1, ...(text.toLowerCase().match(/\w+/g) ?? []).map((w) => Math.max(0, this.pieces.indexOf(`\u2581${w}`)))]);
  }
  vocabularyHash(): string {
    return this.pieces.join('|');
  }
}

const story = (t: string[], i: number) =>
  `The little girl liked the ${t[i % 5]} and the ${t[(i + 2) % 5]}. She went to the ${t[(i + 1) % 5]} every day, and it was fun to ${t[(i + 3) % 5]} with her ${t[(i + 4) % 5]}. It was the ${t[i % 5]} of the day.`;

function writeData(dir: string): string {
  const rows = Array.from({ length: 12 }, (_, u) => {
    const t = Object.values(TOPICS)[u % 4]!;
    return {
      name: `user ${u}`,
      input: `Generate an abstract for the title "${t[0]}"`,
      output: story(t, u),
      profile: Array.from({ length: 3 }, (_, i) => ({ abstract: story(t, u + i), id: `${u}-${i}`, title: t[1], year: 2000 + i })),
    };
  });
  const file = path.join(dir, 'longlamp2.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('native space idf over the corpus of all profiles', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-idf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const vocab = new WordVocab();
  const rnd = mulberry32(5);
  const dims = 256;
  const table = { data: Float32Array.from({ length: vocab.vocabSize * dims }, () => rnd() * 2 - 1), rows: vocab.vocabSize, dims };
  const space = new NativeSpace(vocab, table);
  const top = (u: Float32Array, n: number): string[] => {
    const s = Array.from({ length: vocab.vocabSize }, (_, v) => {
      let d = 0;
      for (let i = 0; i < dims; i++) d += space.space.data[v * dims + i]! * u[i]!;
      return d;
    });
    return Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!).slice(0, n).map((v) => vocab.pieces[v]!.slice(1));
  };

  it('counts every profile item of every user once, and caches the counts', async () => {
    const data = writeData(dir);
    const sel = { task: 'LongLaMP-2' as const, setting: 'user' as const, split: 'test' as const, data };
    const cacheDir = path.join(dir, 'cache');
    const a = await corpusDocumentFrequency(vocab, sel, { cacheDir });
    expect(a.fromCache).toBe(false);
    expect(a.users).toBe(12);
    expect(a.df.docs).toBe(36);
    expect(a.df.df(vocab.pieces.indexOf('\u2581the'))).toBe(36);
    expect(a.df.idf(vocab.pieces.indexOf('\u2581the'))).toBeCloseTo(0, 12); // in every item: no weight
    expect(a.df.df(vocab.pieces.indexOf('\u2581boat'))).toBe(9);
    const b = await corpusDocumentFrequency(vocab, sel, { cacheDir });
    expect(b.fromCache).toBe(true);
    expect(Array.from(b.df.countsCopy())).toEqual(Array.from(a.df.countsCopy()));
  });

  it('two users of different topics: different top tokens, made of topic words, no function word', async () => {
    const data = writeData(dir);
    const { df } = await corpusDocumentFrequency(vocab, { task: 'LongLaMP-2', setting: 'user', split: 'test', data }, { cacheDir: null });
    const profileOf = (t: string[], u: number) => [0, 1, 2].map((i) => story(t, u + i));
    const ball = top(space.userVector(profileOf(TOPICS.ball!, 0), { idf: df }), 4);
    const boat = top(space.userVector(profileOf(TOPICS.boat!, 1), { idf: df }), 4);
    console.log(`[idf] top tokens: ball user ${ball.join(" ")}; boat user ${boat.join(" ")}`);
    expect(ball).not.toEqual(boat);
    expect(ball.every((w) => TOPICS.ball!.includes(w))).toBe(true);
    expect(boat.every((w) => TOPICS.boat!.includes(w))).toBe(true);
    // The profile-only idf (floored at 1) lets function words lead: what the corpus idf fixes.
    const ballProfileIdf = top(space.userVector(profileOf(TOPICS.ball!, 0)), 5);
    expect(ballProfileIdf.some((w) => FUNCTION_WORDS.includes(w))).toBe(true);
  });
});
