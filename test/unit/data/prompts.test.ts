import { describe, expect, test } from 'vitest';

import { Bm25, rankDescending, whitespaceTokens } from '../../../lib/data/bm25.js';
import {
  bm25Retriever,
  buildRagPrompt,
  firstWords,
  nonPersonalizedPrompt,
  ragPrompt,
  renderProfileItem,
  retrievalDocument,
  retrievalQuery,
} from '../../../lib/data/prompts.js';
import type { LongLampRecord } from '../../../lib/data/records.js';

describe('BM25 (rank_bm25.BM25Okapi)', () => {
  const corpus = ['Hello there good man!', 'It is quite windy in London', 'How is the weather today?'].map(whitespaceTokens);

  test("reproduces rank_bm25's README example", () => {
    const s = new Bm25(corpus).scores(['windy', 'London']);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(0.93729472, 8);
    expect(s[2]).toBe(0);
  });

  test('negative idf is floored at epsilon × mean idf', () => {
    // "is" is in 2 of 3 docs: idf = ln(1.5) - ln(2.5) < 0 → 0.25 * mean(idf over all words)
    const words = new Map<string, number>();
    for (const d of corpus) for (const w of new Set(d)) words.set(w, (words.get(w) ?? 0) + 1);
    let sum = 0;
    for (const df of words.values()) sum += Math.log(3 - df + 0.5) - Math.log(df + 0.5);
    const eps = (0.25 * sum) / words.size;
    const s = new Bm25(corpus).scores(['is']);
    const avgdl = 5;
    expect(s[1]).toBeCloseTo((eps * 2.5) / (1 + 1.5 * (0.25 + (0.75 * 6) / avgdl)), 12);
    expect(s[2]).toBeCloseTo((eps * 2.5) / (1 + 1.5 * (0.25 + (0.75 * 5) / avgdl)), 12);
  });

  test('ranking: best first, ties put the later document first; empty corpora are fine', () => {
    expect(rankDescending([1, 3, 3, 0])).toEqual([2, 1, 0, 3]);
    expect(new Bm25(corpus).topN(['windy'], 2)).toEqual([1, 2]);
    expect(new Bm25([]).topN(['x'], 2)).toEqual([]);
    expect(Array.from(new Bm25([[], []]).scores(['x']))).toEqual([0, 0]);
  });

  test("whitespace tokens follow Python's str.split()", () => {
    expect(whitespaceTokens('  a\tb\n\nc\u00a0d\u3000e  ')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(whitespaceTokens('')).toEqual([]);
  });
});

const abstractRecord: LongLampRecord<'abstract'> = {
  kind: 'abstract',
  userId: 'u',
  input: 'Generate an abstract for the title "Engines" using the following items: 1. weaving\n2. looms',
  output: 'gold',
  profile: [
    { abstract: 'Algebra  of numbers.', id: '1', title: 'Numbers', year: 1842 },
    { abstract: 'Weaving looms and weaving patterns.', id: '2', title: 'Looms', year: 1843 },
    { abstract: 'Poetry.', id: '3', title: 'Poems', year: 1844 },
  ],
  source: { file: 'f', row: 0 },
};

describe('prompts', () => {
  test('retrieval query: after "items:" for abstracts, the input otherwise', () => {
    expect(retrievalQuery('abstract', abstractRecord.input)).toBe('1. weaving\n2. looms');
    expect(retrievalQuery('abstract', 'no marker')).toBe('no marker');
    expect(retrievalQuery('topic', 'Generate the content for a reddit post X')).toBe('Generate the content for a reddit post X');
  });

  test('templates of each task', () => {
    expect(renderProfileItem('abstract', abstractRecord.profile[0])).toBe('"Algebra of numbers." is the abstract for the title "Numbers"');
    expect(renderProfileItem('review', { description: 'A kettle', overall: '5.0', reviewText: 'Boils.', summary: 'Great' })).toBe(
      '"5.0" is a rating for the product with description "A kettle". "Great" is summary for "Boils."',
    );
    expect(renderProfileItem('topic', { author: 'a', content: 'Body', id: '1', summary: 'Title' })).toBe('"Title" is a summary for "Body"');
    expect(retrievalDocument('review', { description: 'D', overall: '4.0', reviewText: 'R', summary: 'S' })).toBe('4.0 S D R');
    expect(retrievalDocument('abstract', abstractRecord.profile[1])).toBe('Looms Weaving looms and weaving patterns.');
    expect(retrievalDocument('topic', { author: 'a', content: 'Body', id: '1', summary: 'Title' })).toBe('Title Body');
  });

  test('abstracts are cut to their first 750 words', () => {
    const long = Array.from({ length: 800 }, (_, i) => `w${i}`).join(' ');
    expect(firstWords(long, 750).split(' ')).toHaveLength(750);
    expect(renderProfileItem('abstract', { abstract: long, id: '', title: 'T', year: null })).toBe(
      `"${firstWords(long, 750)}" is the abstract for the title "T"`,
    );
  });

  test('RAG prompt: k items by BM25, joined with ", and ", then the connector and input', async () => {
    const got = await ragPrompt(abstractRecord, { k: 2 });
    expect(got.selected[0]).toBe(1); // "looms"/"weaving" match the Looms item
    expect(got.prompt).toBe(
      '"Weaving looms and weaving patterns." is the abstract for the title "Looms", and ' +
        `${renderProfileItem('abstract', abstractRecord.profile[got.selected[1]])}. ` +
        'Use the above abstracts as context to understand the style and language of the user and, ' +
        abstractRecord.input,
    );
    expect(buildRagPrompt('review', 'IN', [{ description: 'd', overall: '1.0', reviewText: 'r', summary: 's' }])).toBe(
      '"1.0" is a rating for the product with description "d". "s" is summary for "r". Following the given patterns IN',
    );
    expect(buildRagPrompt('topic', 'IN', [{ author: 'a', content: 'c', id: '1', summary: 's' }])).toBe(
      '"s" is a summary for "c". Following the given patterns, IN',
    );
  });

  test('k larger than the profile takes all; k = 0 or an empty profile gives the input', async () => {
    expect((await ragPrompt(abstractRecord, { k: 10 })).selected).toHaveLength(3);
    expect((await ragPrompt(abstractRecord, { k: 0 })).prompt).toBe(abstractRecord.input);
    expect((await ragPrompt({ ...abstractRecord, profile: [] }, { k: 2 })).prompt).toBe(abstractRecord.input);
    expect(nonPersonalizedPrompt(abstractRecord)).toBe(abstractRecord.input);
    await expect(ragPrompt(abstractRecord, { k: -1 })).rejects.toThrow(/non-negative integer/);
  });

  test('a custom retriever (e.g. embeddings) is used and checked', async () => {
    const got = await ragPrompt(abstractRecord, { k: 1, retriever: (_q, docs) => [docs.length - 1] });
    expect(got.selected).toEqual([2]);
    await expect(ragPrompt(abstractRecord, { k: 1, retriever: () => [7] })).rejects.toThrow(/index 7, outside the profile of 3 items/);
    expect(bm25Retriever()('windy', ['a b', 'windy day'], 1)).toEqual([1]);
  });
});
