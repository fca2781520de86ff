/**
 * Lemma lookup in a WordNet `index.<pos>` file kept as bytes: the start of every entry line
 * (lines that are empty or begin with a space, the licence header, are not entries) is recorded
 * once, and a lemma is found by binary search over the entries, which WordNet sorts by lemma in
 * byte order (its own library, `bin_search`, relies on it). When the entries are not strictly
 * increasing (a hand-made file, say) a `lemma -> line` map is built instead, with the semantics
 * of a map filled line by line (the last duplicate wins). Either way a lookup answers exactly
 * what the map over the latin1-decoded file would.
 * @module
 */

const NL = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;

/** A `Buffer` view of `bytes` (no copy; works on `SharedArrayBuffer` memory too). */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The latin1 text of the line of `bytes` that starts at `start`, without its line break. */
export function lineAt(bytes: Buffer, start: number): string {
  let end = start;
  while (end < bytes.length && bytes[end] !== NL) end++;
  return bytes.toString('latin1', start, end);
}

/**
 * Whitespace-separated fields (space, tab, CR) of the line of `bytes` starting at `start`, read
 * one at a time, up to the end of the line: the start of a long data line (a synset's words) is
 * read without decoding the rest (pointers, gloss). {@link LineFields.skip} and
 * {@link LineFields.int} step over or read a field without making a string of it.
 */
export class LineFields {
  private pos: number;

  /**
   * @param bytes - the file.
   * @param start - where the line starts.
   */
  constructor(
    private readonly bytes: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  /** Moves to the start of the next field and returns its end, or -1 at the end of the line. */
  private field(): number {
    const { bytes } = this;
    let i = this.pos;
    while (i < bytes.length && (bytes[i] === SPACE || bytes[i] === TAB || bytes[i] === CR)) i++;
    this.pos = i;
    if (i >= bytes.length || bytes[i] === NL) return -1;
    let j = i + 1;
    for (; j < bytes.length; j++) {
      const b = bytes[j]!;
      if (b === SPACE || b === TAB || b === CR || b === NL) break;
    }
    return j;
  }

  /** The next field, decoded as latin1, or undefined at the end of the line. */
  next(): string | undefined {
    const end = this.field();
    if (end < 0) return undefined;
    const text = this.bytes.toString('latin1', this.pos, end);
    this.pos = end;
    return text;
  }

  /** Skips the next field (nothing happens at the end of the line). */
  skip(): void {
    const end = this.field();
    if (end >= 0) this.pos = end;
  }

  /**
   * `Number.parseInt(next() ?? '', radix)` (NaN at the end of the line), without decoding the
   * field when it is all digits of `radix` (10 or 16), as WordNet's counts and offsets are.
   *
   * @param radix - 10 or 16.
   */
  int(radix: 10 | 16): number {
    const end = this.field();
    if (end < 0) return Number.NaN;
    const { bytes } = this;
    let value = 0;
    for (let i = this.pos; i < end; i++) {
      const digit = digitValue(bytes[i]!);
      if (digit >= radix || end - this.pos > 12) {
        const text = bytes.toString('latin1', this.pos, end);
        this.pos = end;
        return Number.parseInt(text, radix);
      }
      value = value * radix + digit;
    }
    this.pos = end;
    return value;
  }
}

/** The value of an ASCII digit (0-9, a-f, A-F), or 99 for any other byte. */
function digitValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : 99;
}

/** The entry lines of an index file (see {@link scanLemmaEntries}). */
export interface LemmaEntries {
  /** Start of each entry line, in file order. */
  readonly starts: Int32Array;
  /** End of each entry's lemma (first space or line end). */
  readonly keyEnds: Int32Array;
  /** Whether the lemmas are strictly increasing in byte order. */
  readonly sorted: boolean;
}

/** Entry lines of one `index.<pos>` file. */
export class LemmaIndex {
  private readonly bytes: Buffer;
  /** Start of each entry line, in file order (sorted files only). */
  private readonly starts: Int32Array | null;
  /** End of the lemma (first space or line end) of each entry line, parallel to `starts`. */
  private readonly keyEnds: Int32Array | null;
  /**
   * Sorted files: the entries whose lemma starts with the two bytes `k >> 8`, `k & 255` (a
   * one-byte lemma counts as followed by byte 0) are `buckets[k]` .. `buckets[k + 1] - 1`, so a
   * lookup searches a few entries instead of all of them.
   */
  private readonly buckets: Int32Array | null;
  /** The fallback for unsorted files. */
  private readonly map: Map<string, number> | null;

  /**
   * @param file - the file's bytes (latin1 text).
   * @param entries - its {@link scanLemmaEntries} (scanned here when absent).
   */
  constructor(file: Uint8Array, entries: LemmaEntries = scanLemmaEntries(file)) {
    const bytes = bufferView(file);
    this.bytes = bytes;
    const { starts, keyEnds, sorted } = entries;
    if (sorted) {
      this.starts = starts;
      this.keyEnds = keyEnds;
      this.buckets = prefixBuckets(bytes, starts, keyEnds);
      this.map = null;
    } else {
      this.starts = null;
      this.keyEnds = null;
      this.buckets = null;
      this.map = new Map();
      for (let i = 0; i < starts.length; i++) this.map.set(bytes.toString('latin1', starts[i], keyEnds[i]), starts[i]!);
    }
  }

  /** True when the entries are strictly sorted (binary search), false when the map is used. */
  get sorted(): boolean {
    return this.map === null;
  }

  /** The byte position of the entry line of `lemma`, or -1 when there is none. */
  find(lemma: string): number {
    if (this.map !== null) return this.map.get(lemma) ?? -1;
    const starts = this.starts!;
    const keyEnds = this.keyEnds!;
    const c0 = lemma.charCodeAt(0);
    const c1 = lemma.length > 1 ? lemma.charCodeAt(1) : 0;
    if (!(c0 <= 0xff && c1 <= 0xff)) return -1; // empty, or a code unit no byte equals
    const k = (c0 << 8) | c1;
    let lo = this.buckets![k]!;
    let hi = this.buckets![k + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKey(lemma, this.bytes, starts[mid]!, keyEnds[mid]!);
      if (c === 0) return starts[mid]!;
      if (c < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return -1;
  }

  /** The text of the line starting at byte `start` (without its line break), decoded as latin1. */
  line(start: number): string {
    return lineAt(this.bytes, start);
  }

  /** The fields of the line starting at byte `start`, read one at a time. */
  fields(start: number): LineFields {
    return new LineFields(this.bytes, start);
  }
}

/**
 * The two-byte prefix buckets of sorted entries (see `LemmaIndex.buckets`): entries sorted in
 * byte order have non-decreasing prefix keys, so each key's entries are contiguous.
 */
function prefixBuckets(bytes: Uint8Array, starts: Int32Array, keyEnds: Int32Array): Int32Array {
  const buckets = new Int32Array(0x10001);
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    buckets[((bytes[s]! << 8) | (keyEnds[i]! - s > 1 ? bytes[s + 1]! : 0)) + 1]!++;
  }
  for (let k = 1; k < buckets.length; k++) buckets[k]! += buckets[k - 1]!;
  return buckets;
}

/**
 * The entry lines of an index file: line starts, lemma ends, and whether the lemmas are strictly
 * increasing. One pass in plain loops (a `Buffer.indexOf` call per line costs more than the scan).
 * The arrays are in shared memory, so that worker threads can use them as they are.
 *
 * @param bytes - the file's bytes.
 */
export function scanLemmaEntries(bytes: Uint8Array): LemmaEntries {
  let starts: Int32Array = new Int32Array(1024);
  let keyEnds: Int32Array = new Int32Array(1024);
  let count = 0;
  let sorted = true;
  const n = bytes.length;
  let start = 0;
  while (start < n) {
    let keyEnd = -1;
    let end = start;
    for (; end < n; end++) {
      const b = bytes[end]!;
      if (b === NL) break;
      if (b === SPACE && keyEnd < 0) keyEnd = end;
    }
    if (end > start && bytes[start] !== SPACE) {
      if (keyEnd < 0) keyEnd = end;
      if (sorted && count > 0 && compareBytes(bytes, starts[count - 1]!, keyEnds[count - 1]!, start, keyEnd) >= 0) sorted = false;
      if (count === starts.length) {
        starts = grow(starts);
        keyEnds = grow(keyEnds);
      }
      starts[count] = start;
      keyEnds[count] = keyEnd;
      count++;
    }
    start = end + 1;
  }
  return { starts: sharedCopy(starts, count), keyEnds: sharedCopy(keyEnds, count), sorted };
}

/** The first `count` values of `a` in a `SharedArrayBuffer`. */
function sharedCopy(a: Int32Array, count: number): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(count * 4));
  out.set(a.subarray(0, count));
  return out;
}

function grow(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length * 2);
  out.set(a);
  return out;
}

/** Byte-order comparison of `bytes[a0, a1)` with `bytes[b0, b1)` (shorter prefix first). */
function compareBytes(bytes: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = bytes[a0 + i]! - bytes[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

/**
 * Compares `key` (UTF-16 code units; latin1 bytes are the code units 0-255, anything above
 * sorts after every byte and so never matches) with `bytes[b0, b1)`.
 */
function compareKey(key: string, bytes: Uint8Array, b0: number, b1: number): number {
  const n = Math.min(key.length, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = key.charCodeAt(i) - bytes[b0 + i]!;
    if (d !== 0) return d;
  }
  return key.length - (b1 - b0);
}
