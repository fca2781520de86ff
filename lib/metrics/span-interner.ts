/**
 * A string -> small-integer table looked up by a span of a longer string (`text[start, end)`)
 * without making the substring: an open-addressing hash table over the UTF-16 code units
 * (FNV-1a), whose keys are compared unit by unit. A tokenizer can then map each token of a text
 * to an id where a `Map<string, number>` first needs the token as a string of its own (one
 * allocation and one hash computation per token, which was most of the cost of mapping tokens
 * to ids); the substring is made only the first time a key is seen.
 * @module
 */

/** Marks an empty slot in `values`. */
const EMPTY = -1;

/** Key -> value table looked up by spans; values are non-negative integers. */
export class SpanInterner {
  private keys: string[];
  private hashes: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  /** @param capacity - initial number of slots (rounded up to a power of two, at least 16). */
  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.keys = new Array<string>(size).fill('');
    this.hashes = new Int32Array(size);
    this.values = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /**
   * The value of the key `text[start, end)`, or -1 when it is absent.
   *
   * @param text - the string holding the key.
   * @param start - where the key starts.
   * @param end - one past its end.
   */
  get(text: string, start: number, end: number): number {
    return this.values[this.find(text, start, end, spanHash(text, start, end))]!;
  }

  /**
   * The value of the key `text[start, end)`; when absent, `make(key)` (the key as a string) is
   * stored and returned.
   *
   * @param text - the string holding the key.
   * @param start - where the key starts.
   * @param end - one past its end.
   * @param make - the value of a new key, a non-negative integer.
   */
  intern(text: string, start: number, end: number, make: (key: string) => number): number {
    const hash = spanHash(text, start, end);
    let slot = this.find(text, start, end, hash);
    if (this.values[slot] !== EMPTY) return this.values[slot]!;
    const key = text.slice(start, end);
    const value = make(key);
    if (!(value >= 0 && value <= 0x7fffffff && Number.isInteger(value))) throw new RangeError(`SpanInterner: values must be non-negative int32s, got ${value}`);
    if ((this.count + 1) * 2 > this.keys.length) {
      this.grow();
      slot = this.find(text, start, end, hash);
    }
    this.keys[slot] = key;
    this.hashes[slot] = hash;
    this.values[slot] = value;
    this.count++;
    return value;
  }

  /** The slot of the key, or the empty slot where it would go. */
  private find(text: string, start: number, end: number, hash: number): number {
    const { keys, hashes, values, mask } = this;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      if (values[slot] === EMPTY) return slot;
      const key = keys[slot]!;
      if (hashes[slot] !== hash || key.length !== length) continue;
      let i = 0;
      while (i < length && key.charCodeAt(i) === text.charCodeAt(start + i)) i++;
      if (i === length) return slot;
    }
  }

  /** Doubles the table. */
  private grow(): void {
    const { keys, hashes, values } = this;
    const size = keys.length * 2;
    this.keys = new Array<string>(size).fill('');
    this.hashes = new Int32Array(size);
    this.values = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (let old = 0; old < keys.length; old++) {
      if (values[old] === EMPTY) continue;
      let slot = hashes[old]! & this.mask;
      while (this.values[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.keys[slot] = keys[old]!;
      this.hashes[slot] = hashes[old]!;
      this.values[slot] = values[old]!;
    }
  }
}

/** FNV-1a over the code units of `text[start, end)`. */
function spanHash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}
