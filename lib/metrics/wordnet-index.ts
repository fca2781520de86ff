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
 * one at a time and decoded as latin1, up to the end of the line: the start of a long data line
 * (a synset's words) is read without decoding the rest (pointers, gloss).
 */
export class LineFields {
  private pos: number;

  /**
   * @param bytes - the file.
   * @param start - where the line starts.
   */
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  /** The next field, or undefined at the end of the line. */
  next(): string | undefined {
    const { bytes } = this;
    let i = this.pos;
    while (i < bytes.length && (bytes[i] === SPACE || bytes[i] === TAB || bytes[i] === CR)) i++;
    if (i >= bytes.length || bytes[i] === NL) {
      this.pos = i;
      return undefined;
    }
    let out = '';
    let j = i;
    for (; j < bytes.length; j++) {
      const b = bytes[j]!;
      if (b === SPACE || b === TAB || b === CR || b === NL) break;
      out += String.fromCharCode(b);
    }
    this.pos = j;
    return out;
  }
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
      this.map = null;
    } else {
      this.starts = null;
      this.keyEnds = null;
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
    let lo = 0;
    let hi = starts.length - 1;
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
