/**
 * A string -> small-integer table looked up by a span of a longer string (`text[start, end)`)
 * without making the substring: an open-addressing hash table over the UTF-16 code units
 * (FNV-1a), whose keys are compared unit by unit. A tokenizer can then map each token of a text
 * to an id where a `Map<string, number>` first needs the token as a string of its own (one
 * allocation and one hash computation per token, which was most of the cost of mapping tokens
 * to ids); the substring is made only the first time a key is seen. The keys' code units are
 * kept in one typed array and each slot's numbers side by side, so that a lookup touches a few
 * compact arrays rather than string objects spread over the heap.
 * @module
 */

/** Marks an empty slot (its value field). */
const EMPTY = -1;
/** Int32 fields per slot: hash, value, start of the key in the pool, key length. */
const FIELDS = 4;

/** Key -> value table looked up by spans; values are non-negative integers. */
export class SpanInterner {
  /** The slots, {@link FIELDS} numbers each, in one array (one cache line holds a few). */
  private slots: Int32Array;
  /** The keys' code units, one after the other. */
  private pool: Uint16Array = new Uint16Array(16384);
  private poolLength = 0;
  private mask: number;
  private count = 0;

  /** @param capacity - initial number of slots (rounded up to a power of two, at least 16). */
  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.slots = emptySlots(size);
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
   * @param hash - `spanHash(text, start, end)`, when the caller computed it while reading the key.
   */
  get(text: string, start: number, end: number, hash: number = spanHash(text, start, end)): number {
    return this.slots[this.find(text, start, end, hash) + 1]!;
  }

  /**
   * The value of the key `text[start, end)`; when absent, `make(key)` (the key as a string) is
   * stored and returned.
   *
   * @param text - the string holding the key.
   * @param start - where the key starts.
   * @param end - one past its end.
   * @param make - the value of a new key, a non-negative integer.
   * @param hash - `spanHash(text, start, end)`, when the caller computed it while reading the key.
   */
  intern(text: string, start: number, end: number, make: (key: string) => number, hash: number = spanHash(text, start, end)): number {
    let at = this.find(text, start, end, hash);
    if (this.slots[at + 1] !== EMPTY) return this.slots[at + 1]!;
    const value = make(text.slice(start, end));
    if (!(value >= 0 && value <= 0x7fffffff && Number.isInteger(value))) throw new RangeError(`SpanInterner: values must be non-negative int32s, got ${value}`);
    if ((this.count + 1) * 2 * FIELDS > this.slots.length) {
      this.grow();
      at = this.find(text, start, end, hash);
    }
    const length = end - start;
    if (this.poolLength + length > this.pool.length) {
      const pool = new Uint16Array(Math.max(this.pool.length * 2, this.poolLength + length));
      pool.set(this.pool);
      this.pool = pool;
    }
    for (let i = 0; i < length; i++) this.pool[this.poolLength + i] = text.charCodeAt(start + i);
    const { slots } = this;
    slots[at] = hash;
    slots[at + 1] = value;
    slots[at + 2] = this.poolLength;
    slots[at + 3] = length;
    this.poolLength += length;
    this.count++;
    return value;
  }

  /** The index in `slots` of the key's slot, or of the empty slot where it would go. */
  private find(text: string, start: number, end: number, hash: number): number {
    const { slots, pool, mask } = this;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * FIELDS;
      if (slots[at + 1] === EMPTY) return at;
      if (slots[at] !== hash || slots[at + 3] !== length) continue;
      const from = slots[at + 2]!;
      let i = 0;
      while (i < length && pool[from + i] === text.charCodeAt(start + i)) i++;
      if (i === length) return at;
    }
  }

  /** Doubles the table. */
  private grow(): void {
    const old = this.slots;
    const size = (old.length / FIELDS) * 2;
    const slots = emptySlots(size);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += FIELDS) {
      if (old[at + 1] === EMPTY) continue;
      let slot = old[at]! & mask;
      while (slots[slot * FIELDS + 1] !== EMPTY) slot = (slot + 1) & mask;
      slots.set(old.subarray(at, at + FIELDS), slot * FIELDS);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** `size` empty slots. */
function emptySlots(size: number): Int32Array {
  const slots = new Int32Array(size * FIELDS);
  for (let at = 1; at < slots.length; at += FIELDS) slots[at] = EMPTY;
  return slots;
}

/** The state {@link spanHashStep} starts from (FNV-1a's offset basis). */
export const SPAN_HASH_SEED = 0x811c9dc5 | 0;

/** One code unit `c` into the hash state `h` (FNV-1a). */
export function spanHashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** The key hash from the state after the key's last code unit. */
export function spanHashFinish(h: number): number {
  return h ^ (h >>> 15);
}

/**
 * The hash the table uses for the key `text[start, end)`: FNV-1a over its code units. A reader
 * that scans the key anyway can compute it on the way ({@link SPAN_HASH_SEED}, one
 * {@link spanHashStep} per code unit, {@link spanHashFinish}) and pass it to `get`/`intern`.
 */
export function spanHash(text: string, start: number, end: number): number {
  let h = SPAN_HASH_SEED;
  for (let i = start; i < end; i++) h = spanHashStep(h, text.charCodeAt(i));
  return spanHashFinish(h);
}
