/**
 * The one least-recently-used cache of the library: a Map that keeps at most `limit` entries,
 * used for the personalizer's user vectors and the server's profile vectors.
 * @module
 */
import { checkNumber } from './errors.js';

/** A Map of at most `limit` entries that drops the least recently used one first. */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  /** Most entries kept; 0 keeps none. */
  readonly limit: number;

  /** @throws TypeError / RangeError when `limit` is not an integer from 0 to 2^31. */
  constructor(limit: number) {
    const checked = checkNumber(limit, 'limit', 0, 2 ** 31, true);
    if (checked === undefined) throw new TypeError('limit must be a number, got undefined');
    this.limit = checked;
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }

  /** The value of `key` (which becomes the most recently used), or undefined. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** Stores `value` as the most recently used entry, dropping the least recently used beyond the limit. */
  set(key: K, value: V): void {
    if (this.limit === 0) return;
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.limit) this.#map.delete(this.#map.keys().next().value!);
  }

  /** Removes `key`; false when it was not there. */
  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
  }
}
