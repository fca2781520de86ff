import { describe, expect, test } from 'vitest';

import type { AbstractProfileItem, LongLampRecord } from '../../../lib/data/records.js';
import type { TextEmbedder } from '../../../lib/embed/embedder.js';
import {
  embedUserVector,
  meanVector,
  populationMean,
  profileItemText,
  softmax,
  truncateProfile,
  userVectorFromItems,
} from '../../../lib/embed/user-vector.js';
import { normalized } from '../../../lib/embed/vector-math.js';

const e1 = Float32Array.from([1, 0, 0]);
const e2 = Float32Array.from([0, 1, 0]);
const e3 = Float32Array.from([0, 0, 1]);
const close = (a: ArrayLike<number>, b: number[]) => Array.from(a).forEach((x, i) => expect(x).toBeCloseTo(b[i], 6));

describe('user vector from item embeddings', () => {
  test('plain mean, renormalized', () => {
    close(userVectorFromItems([e1, e2], 3), [Math.SQRT1_2, Math.SQRT1_2, 0]);
    close(userVectorFromItems([e1, e1, e2], 3), normalized([2, 1, 0]) as unknown as number[]);
  });

  test('weighting by similarity to the input: softmax(cos / temperature)', () => {
    const q = Float32Array.from([1, 0, 0]);
    const w = softmax([1, 0], 0.5); // cos(e1, q) = 1, cos(e2, q) = 0
    close(userVectorFromItems([e1, e2], 3, { weighting: { query: q, temperature: 0.5 } }), normalized([w[0], w[1], 0]) as unknown as number[]);
    // a huge temperature is the plain mean
    close(userVectorFromItems([e1, e2], 3, { weighting: { query: q, temperature: 1e9 } }), [Math.SQRT1_2, Math.SQRT1_2, 0]);
    expect(() => softmax([1], 0)).toThrow(/temperature must be > 0/);
  });

  test('centering by the population mean, then renormalizing', () => {
    const users = [userVectorFromItems([e1], 3), userVectorFromItems([e2], 3), userVectorFromItems([e3], 3)];
    const mean = populationMean(users);
    close(mean, [1 / 3, 1 / 3, 1 / 3]);
    close(userVectorFromItems([e1], 3, { center: mean }), normalized([2 / 3, -1 / 3, -1 / 3]) as unknown as number[]);
    // equal to the mean → zero vector, not NaN
    expect(Array.from(userVectorFromItems([e1], 3, { center: e1 }))).toEqual([0, 0, 0]);
    expect(() => populationMean([])).toThrow(/zero user vectors/);
  });

  test('empty profile: a clear error, or a zero vector by option', () => {
    expect(() => userVectorFromItems([], 3)).toThrow(/the profile is empty: no user vector \(pass emptyProfile: "zero"/);
    expect(Array.from(userVectorFromItems([], 3, { emptyProfile: 'zero' }))).toEqual([0, 0, 0]);
    expect(() => userVectorFromItems([e1, Float32Array.from([1, 2])], 3)).toThrow(/profile item embedding 1 has 2 dims, expected 3/);
    expect(Array.from(meanVector([], 2))).toEqual([0, 0]);
  });
});

describe('profile truncation and record-level user vectors', () => {
  const items: AbstractProfileItem[] = [
    { abstract: 'a1', id: '1', title: 't1', year: 2001 },
    { abstract: 'a2', id: '2', title: 't2', year: 2010 },
    { abstract: 'a3', id: '3', title: 't3', year: null },
    { abstract: 'a4', id: '4', title: 't4', year: 2005 },
  ];

  test('keep first / last / most recent N (by year for abstracts)', () => {
    expect(truncateProfile('abstract', items, { maxItems: 2, keep: 'first' }).map((i) => i.id)).toEqual(['1', '2']);
    expect(truncateProfile('abstract', items, { maxItems: 2, keep: 'last' }).map((i) => i.id)).toEqual(['3', '4']);
    expect(truncateProfile('abstract', items, { maxItems: 2 }).map((i) => i.id)).toEqual(['2', '4']);
    expect(truncateProfile('abstract', items, {}).map((i) => i.id)).toEqual(['1', '2', '3', '4']);
    const topics = [1, 2, 3].map((i) => ({ author: 'a', content: `c${i}`, id: String(i), summary: 's' }));
    expect(truncateProfile('topic', topics, { maxItems: 1 }).map((i) => i.id)).toEqual(['3']);
    expect(() => truncateProfile('abstract', items, { maxItems: -1 })).toThrow(/non-negative integer/);
  });

  test('embedUserVector embeds the user’s own text of each item, truncated', async () => {
    const seen: string[][] = [];
    const fake: TextEmbedder = {
      id: 'fake',
      dims: 3,
      embed: async (texts) => {
        seen.push(texts);
        return texts.map((t) => (t.startsWith('a2') ? e2 : t.startsWith('a4') ? e3 : e1));
      },
    };
    const record: LongLampRecord = { kind: 'abstract', userId: 'u', input: 'in', output: 'out', profile: items, source: { file: 'f', row: 0 } };
    const v = await embedUserVector(fake, record, { truncation: { maxItems: 2, maxChars: 2 } });
    expect(seen[0]).toEqual(['a2', 'a4']);
    close(v, [0, Math.SQRT1_2, Math.SQRT1_2]);
    await embedUserVector(fake, record, { inputTemperature: 0.1 });
    expect(seen[1]).toEqual(['a1', 'a2', 'a3', 'a4', 'in']);
    await expect(embedUserVector(fake, { ...record, profile: [] })).rejects.toThrow(/the profile is empty/);
    expect(profileItemText('review', { description: 'd', overall: '5.0', reviewText: 'r', summary: 's' })).toBe('r');
    expect(profileItemText('topic', { author: 'a', content: 'c', id: '1', summary: 's' })).toBe('c');
  });
});
