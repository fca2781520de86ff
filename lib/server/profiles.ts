/**
 * User profiles: the database ({@link ProfileStore}) plus the space that embeds them
 * ({@link ProfileSpace}) plus an in-memory cache of user vectors, kept consistent: a write or
 * delete updates the cache after the database, and a vector made in another space is made again
 * from the stored texts on first use.
 * @module
 */
import { LruMap } from '../lru-map.js';
import type { ProfileMeta, ProfileStore } from './profile-store.js';
import type { ProfileSpace } from './profile-space.js';

/** Limits on profile texts. */
export interface ProfileLimits {
  /** Most texts in one profile. */
  maxItems: number;
  /** Most characters in one text. */
  maxItemChars: number;
}

/** A profile input that breaks a limit or cannot be embedded. */
export class ProfileInputError extends Error {
  constructor(
    /** The request field at fault, e.g. `texts[3]`. */
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProfileInputError';
  }
}

const CACHE_LIMIT = 4096;

/** Profiles of all tenants; every call names the tenant. */
export class Profiles {
  readonly #cache = new LruMap<string, Float32Array>(CACHE_LIMIT);

  constructor(
    readonly store: ProfileStore,
    readonly space: ProfileSpace,
    readonly limits: ProfileLimits,
  ) {}

  /**
   * Embeds and stores a profile (replacing an earlier one). Resolves once the write is durable.
   * @throws ProfileInputError for texts that break the limits or have nothing to embed
   */
  async put(tenant: string, user: string, texts: readonly string[]): Promise<{ created: boolean; meta: ProfileMeta }> {
    if (texts.length === 0) throw new ProfileInputError('texts', 'texts must hold at least one text');
    if (texts.length > this.limits.maxItems) throw new ProfileInputError('texts', `texts holds ${texts.length} texts; at most ${this.limits.maxItems} are allowed`);
    texts.forEach((t, i) => {
      if (t.length > this.limits.maxItemChars) {
        throw new ProfileInputError(`texts[${i}]`, `texts[${i}] has ${t.length} characters; at most ${this.limits.maxItemChars} are allowed`);
      }
    });
    let vector: Float32Array;
    try {
      vector = await this.space.userVector(texts);
    } catch (err) {
      if (err instanceof RangeError) throw new ProfileInputError('texts', err.message);
      throw err;
    }
    const before = this.#cache.get(cacheKey(tenant, user)) ?? this.store.vector(tenant, user, this.space.key);
    const out = this.store.put(tenant, user, texts, [{ space: this.space.key, vector }]);
    this.#remember(tenant, user, vector);
    if (before) this.space.matrix.forgetUser(before); // the replaced profile's vector
    return out;
  }

  /** The user's metadata, or undefined. */
  get(tenant: string, user: string): ProfileMeta | undefined {
    return this.store.get(tenant, user);
  }

  /** Users of a tenant, in id order. */
  list(tenant: string, limit: number, after?: string): ProfileMeta[] {
    return this.store.list(tenant, limit, after);
  }

  /**
   * Deletes a user's texts and vectors (database), and the vector cached here and in the
   * matrix's dot-product cache; false when there was no such user.
   */
  delete(tenant: string, user: string): boolean {
    const key = cacheKey(tenant, user);
    const vector = this.#cache.get(key) ?? this.store.vector(tenant, user, this.space.key);
    this.#cache.delete(key);
    const existed = this.store.delete(tenant, user);
    if (vector) this.space.matrix.forgetUser(vector);
    return existed;
  }

  /** The user's vector in the server's space, or undefined when the tenant has no such user. */
  async vector(tenant: string, user: string): Promise<Float32Array | undefined> {
    const key = cacheKey(tenant, user);
    const hit = this.#cache.get(key);
    if (hit) return hit;
    let v = this.store.vector(tenant, user, this.space.key);
    if (!v) {
      if (!this.store.get(tenant, user)) return undefined;
      // Stored in another space (or unreadable): make it again from the texts.
      v = await this.space.userVector(this.store.texts(tenant, user));
      if (!this.store.get(tenant, user)) return undefined; // deleted meanwhile
      this.store.setVector(tenant, user, { space: this.space.key, vector: v });
    }
    this.#remember(tenant, user, v);
    return v;
  }

  /** Number of cached vectors (for tests and metrics). */
  get cachedVectors(): number {
    return this.#cache.size;
  }

  #remember(tenant: string, user: string, v: Float32Array): void {
    this.#cache.set(cacheKey(tenant, user), v);
  }
}

const cacheKey = (tenant: string, user: string): string => `${tenant}\u0000${user}`;
