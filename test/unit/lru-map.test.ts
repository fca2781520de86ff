// LruMap, the one LRU cache of the library (personalizer user vectors, server profile vectors):
// at most `limit` entries, the least recently used (read or written) dropped first, none kept at 0.
import { describe, expect, it } from 'vitest';

import { LruMap } from '../../lib/lru-map.js';

describe('LruMap', () => {
  it('drops the least recently used entry, where a read counts as a use', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.size).toBe(2);
  });

  it('replaces a key in place without dropping another', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 10);
    expect(m.size).toBe(2);
    expect(m.get('a')).toBe(10);
    m.set('c', 3); // b is the least recent now
    expect(m.get('b')).toBeUndefined();
  });

  it('keeps nothing at limit 0, and deletes and clears', () => {
    const none = new LruMap<string, number>(0);
    none.set('a', 1);
    expect(none.size).toBe(0);
    const m = new LruMap<string, number>(3);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.delete('a')).toBe(true);
    expect(m.delete('a')).toBe(false);
    m.clear();
    expect(m.size).toBe(0);
  });

  it('refuses a limit that is not a whole number from 0 to 2^31', () => {
    expect(() => new LruMap(-1)).toThrow(RangeError);
    expect(() => new LruMap(1.5)).toThrow(/limit must be an integer/);
    expect(() => new LruMap(Number.NaN)).toThrow(RangeError);
    expect(() => new LruMap(undefined as unknown as number)).toThrow(TypeError);
  });
});
