// SpanInterner answers what a Map<string, number> over the substrings answers, through growth,
// hash collisions of short keys, empty and non-ASCII keys.
import { describe, expect, it } from 'vitest';
import { SPAN_HASH_SEED, SpanInterner, spanHash, spanHashFinish, spanHashStep } from '../../../lib/metrics/span-interner.js';
import { createPrng } from '../../../lib/metrics/stats.js';

describe('SpanInterner', () => {
  it('matches a Map over the same keys, read from spans of longer strings', () => {
    const rng = createPrng(5);
    const alphabet = ['a', 'b', 'c', 'é', '日', '\ud83d\ude00', ' '];
    const table = new SpanInterner(16);
    const map = new Map<string, number>();
    let made = 0;
    for (let i = 0; i < 20000; i++) {
      const key = Array.from({ length: rng.nextInt(6) }, () => alphabet[rng.nextInt(alphabet.length)]!).join('');
      const pad = 'x'.repeat(rng.nextInt(3));
      const text = `${pad}${key}${pad}`;
      const [start, end] = [pad.length, pad.length + key.length];
      expect(table.get(text, start, end)).toBe(map.get(key) ?? -1);
      const value = table.intern(text, start, end, (k) => {
        expect(k).toBe(key);
        return made++;
      });
      if (!map.has(key)) map.set(key, value);
      expect(value).toBe(map.get(key));
    }
    expect(table.size).toBe(map.size);
    expect(made).toBe(map.size);
  });

  it('rejects values that are not non-negative int32s', () => {
    const table = new SpanInterner();
    expect(() => table.intern('ab', 0, 2, () => -1)).toThrow(RangeError);
    expect(() => table.intern('ab', 0, 2, () => 1.5)).toThrow(RangeError);
    expect(table.get('ab', 0, 2)).toBe(-1);
  });

  it('hashes a key read one code unit at a time as spanHash does, and finds keys by that hash', () => {
    const text = 'the Caf\u00e9 \ud83d\ude00 x';
    const table = new SpanInterner(16);
    for (const [start, end] of [[0, 3], [4, 8], [9, 11], [12, 13], [3, 3]] as const) {
      let h = SPAN_HASH_SEED;
      for (let i = start; i < end; i++) h = spanHashStep(h, text.charCodeAt(i));
      expect(spanHashFinish(h)).toBe(spanHash(text, start, end));
      const value = table.intern(text, start, end, () => start, spanHashFinish(h));
      expect(table.get(text, start, end)).toBe(value);
      expect(table.get(text.slice(start, end), 0, end - start, spanHashFinish(h))).toBe(value);
    }
    // A wrong hash misses the key: the hash given is the one used.
    expect(table.get(text, 0, 3, spanHash(text, 0, 3) ^ 1)).toBe(-1);
  });
});
