import { describe, expect, it } from 'vitest';
import {
  createRougeScorer,
  lcsLength,
  lcsLengthIds,
  rouge,
  rougeFmeasure,
  scoreSummaryLevelLcs,
  splitRougeSentences,
} from '../../../lib/metrics/rouge.js';
import { rougeTokenize } from '../../../lib/metrics/rouge-tokenize.js';
import { createPrng } from '../../../lib/metrics/stats.js';

const f = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const ALL = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;

describe('ROUGE-N', () => {
  it('rouge1 / rouge2 of a short pair (rouge_score tests)', () => {
    const r = rouge('testing one two', 'testing one', { types: ['rouge1', 'rouge2'] });
    expect(r.rouge1).toEqual({ precision: 1, recall: 2 / 3, fmeasure: f(1, 2 / 3) });
    expect(r.rouge2).toEqual({ precision: 1, recall: 1 / 2, fmeasure: f(1, 1 / 2) });
    expect(rouge('testing one two', 'testing', { types: ['rouge1'] }).rouge1).toEqual({
      precision: 1,
      recall: 1 / 3,
      fmeasure: 0.5,
    });
  });

  it('clips repeated n-grams', () => {
    // reference: the cat the (3 tokens; bigrams "the cat", "cat the")
    // prediction: the the the the (4 tokens; bigram "the the" x3)
    const r = rouge('the cat the', 'the the the the', { types: ['rouge1', 'rouge2'] });
    // unigram overlap = min(2, 4) = 2
    expect(r.rouge1).toEqual({ precision: 2 / 4, recall: 2 / 3, fmeasure: f(2 / 4, 2 / 3) });
    expect(r.rouge2).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('a one-token text has no bigrams: precision/recall divide by max(count, 1)', () => {
    const r = rouge('word', 'word', { types: ['rouge1', 'rouge2'] });
    expect(r.rouge1).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
    expect(r.rouge2).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('supports rouge3..rouge9', () => {
    const r = rouge('a b c d', 'a b c x', { types: ['rouge3'] });
    expect(r.rouge3).toEqual({ precision: 1 / 2, recall: 1 / 2, fmeasure: 0.5 });
  });
});

describe('ROUGE-L', () => {
  it('counts non-consecutive matches (rouge_score tests)', () => {
    const r = rouge('testing one two', 'testing two', { types: ['rougeL'] });
    expect(r.rougeL).toEqual({ precision: 1, recall: 2 / 3, fmeasure: 0.8 });
  });

  it('hand-computed LCS', () => {
    // ref: a b c d e f (6), pred: a c x e f b (6); LCS = a c e f (4)
    const r = rouge('A b, c. D e f', 'a c x e f b', { types: ['rougeL'] });
    expect(r.rougeL).toEqual({ precision: 4 / 6, recall: 4 / 6, fmeasure: f(4 / 6, 4 / 6) });
  });

  it('lcsLengthIds (bit-parallel) equals the dynamic-programming lcsLength', () => {
    const rng = createPrng(17);
    const wrong: string[] = [];
    for (let t = 0; t < 2000; t++) {
      const vocab = 1 + rng.nextInt(t % 2 === 0 ? 4 : 60);
      const seq = () => Int32Array.from({ length: rng.nextInt(t < 100 ? 8 : 300) }, () => rng.nextInt(vocab));
      const a = seq();
      const b = seq();
      if (lcsLengthIds(a, b, vocab) !== lcsLength(a, b)) wrong.push(`${a.join(',')} | ${b.join(',')}`);
    }
    for (const n of [31, 32, 33, 63, 64, 65, 96, 257]) {
      const a = Int32Array.from({ length: n }, (_, i) => i % 3);
      if (lcsLengthIds(a, a, 3) !== n || lcsLengthIds(a, a.slice(1), 3) !== n - 1) wrong.push(`self ${n}`);
    }
    expect(wrong).toEqual([]);
  });

  it('lcsLength works on any two sequences, in either order', () => {
    expect(lcsLength([1, 2, 3, 4, 5], [2, 5, 3, 4])).toBe(3);
    expect(lcsLength([2, 5, 3, 4], [1, 2, 3, 4, 5])).toBe(3);
    expect(lcsLength([], [1])).toBe(0);
    expect(lcsLength('ABCBDAB', 'BDCABA')).toBe(4);
  });
});

describe('ROUGE-Lsum', () => {
  it('union LCS over newline-separated sentences (ROUGE paper 3.2 / rouge_score test)', () => {
    const r = rouge('w1 w2 w3 w4 w5', 'w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5', { types: ['rougeLsum'] });
    // union LCS = w1 w2 w3 w5: recall 4/5, precision 4/10
    expect(r.rougeLsum).toEqual({ precision: 0.4, recall: 0.8, fmeasure: f(0.4, 0.8) });
  });

  it('does not count a token more often than it occurs in either summary', () => {
    // Both reference sentences' union LCS is {a, b}, but the prediction has one a and one b.
    const r = rouge('a b\na b', 'a b', { types: ['rougeLsum', 'rougeL'] });
    expect(r.rougeLsum).toEqual({ precision: 2 / 2, recall: 2 / 4, fmeasure: f(1, 0.5) });
    // Two prediction sentences sharing the same LCS with one reference sentence count once.
    const r2 = rouge('w1 w2 w3 w4 w5', 'w1 w2\nw1 w2', { types: ['rougeLsum'] });
    expect(r2.rougeLsum).toEqual({ precision: 2 / 4, recall: 2 / 5, fmeasure: f(0.5, 0.4) });
  });

  it("reads the LCS back with rouge_score's tie-breaking (which changes the hit count)", () => {
    // ref sentence "a b" vs pred "b a": LCS length 1; the backtrack keeps "a" (index 0).
    // "a" is then used up, so the second ref sentence "a" scores no hit: hits = 1.
    // (Picking "b" instead would give 2 hits.)
    const r = rouge('a b\na', 'b a', { types: ['rougeLsum'] });
    expect(r.rougeLsum).toEqual({ precision: 1 / 2, recall: 1 / 3, fmeasure: f(1 / 2, 1 / 3) });
  });

  it('drops empty lines; a punctuation-only line is a sentence with no tokens', () => {
    expect(splitRougeSentences('\none\n\ntwo\n')).toEqual(['one', 'two']);
    const r = rouge('\n\nthe cat\n...\n', 'the cat\n\n', { types: ['rougeLsum'] });
    expect(r.rougeLsum).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
    expect(scoreSummaryLevelLcs([['reference']], [[]])).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('equals ROUGE-L on single-line texts', () => {
    const a = 'The quick brown fox jumps over the lazy dog';
    const b = 'The quick brown dog jumps on the log.';
    const r = rouge(a, b, { types: ['rougeL', 'rougeLsum'] });
    expect(r.rougeLsum).toEqual(r.rougeL);
    // The general summary-level path gives the same on one sentence each.
    expect(scoreSummaryLevelLcs([rougeTokenize(a)], [rougeTokenize(b)])).toEqual(r.rougeL);
    // ...also when only the Lsum variant is asked for, and with blank lines around.
    expect(rouge(`\n${a}\n\n`, b, { types: ['rougeLsum'] }).rougeLsum).toEqual(r.rougeL);
  });
});

describe('empty inputs', () => {
  it.each([
    ['', 'some words here'],
    ['some words here', ''],
    ['', ''],
    ['some words', '!!! ...'],
    ['\n\n', 'words'],
  ])('reference %j vs prediction %j scores 0 everywhere', (reference, prediction) => {
    const r = rouge(reference, prediction, { types: ALL });
    for (const type of ALL) expect(r[type]).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });
});

describe('createRougeScorer', () => {
  it('defaults to the four variants without stemming', () => {
    const scorer = createRougeScorer();
    expect(scorer.types).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
    expect(scorer.useStemmer).toBe(false);
    expect(Object.keys(scorer.score('a b', 'a b'))).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
  });

  it('stemming lets inflections match', () => {
    const plain = createRougeScorer({ types: ['rouge1'] });
    const stemmed = createRougeScorer({ types: ['rouge1'], useStemmer: true });
    expect(plain.score('the cats were running', 'the cat was run').rouge1.recall).toBe(1 / 4);
    // stems: the cat were run / the cat was run -> 3 of 4 match
    expect(stemmed.score('the cats were running', 'the cat was run').rouge1.recall).toBe(3 / 4);
  });

  it('rejects unknown variants, naming them', () => {
    expect(() => createRougeScorer({ types: ['rougeX' as 'rouge1'] })).toThrow(/rougeX/);
    expect(() => createRougeScorer({ types: ['rouge0' as 'rouge1'] })).toThrow(/rouge0/);
    expect(() => createRougeScorer({ types: [] })).toThrow(/at least one/);
  });

  it('rougeFmeasure is 0 when precision + recall is 0', () => {
    expect(rougeFmeasure(0, 0)).toBe(0);
    expect(rougeFmeasure(0.5, 0.25)).toBe((2 * 0.5 * 0.25) / 0.75);
  });
});
