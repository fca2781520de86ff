/**
 * User vectors in the sentence-embedding space: the mean of the user's profile-item embeddings,
 * optionally weighted by similarity to the current input (softmax with a temperature), optionally
 * centred by the population mean of users' vectors, always renormalized to unit length.
 */
import type { AbstractProfileItem, LongLampRecord, ProfileItem, ReviewProfileItem, TopicProfileItem } from '../data/records.js';
import type { TaskKind } from '../data/tasks.js';
import type { TextEmbedder } from './embedder.js';
import { dot, norm, normalized } from './vector-math.js';


/** Element-wise mean of vectors of `dims` (zeros when there are none). */
export function meanVector(vectors: ArrayLike<number>[], dims: number): Float32Array {
  const acc = new Float64Array(dims);
  for (const v of vectors) {
    if (v.length !== dims) throw new Error(`vector of ${v.length} dims in a mean of ${dims}-dim vectors`);
    for (let i = 0; i < dims; i++) acc[i] += v[i];
  }
  return Float32Array.from(acc, (x) => (vectors.length ? x / vectors.length : 0));
}

/** Population mean of users' vectors, for centering (see {@link UserVectorOptions.center}). */
export function populationMean(userVectors: ArrayLike<number>[]): Float32Array {
  if (userVectors.length === 0) throw new Error('population mean of zero user vectors');
  return meanVector(userVectors, userVectors[0].length);
}

/** Softmax of `scores / temperature` (numerically stable). */
export function softmax(scores: number[], temperature: number): number[] {
  if (!(temperature > 0)) throw new Error(`softmax temperature must be > 0, got ${temperature}`);
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp((s - m) / temperature));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Options of {@link userVectorFromItems}. */
export interface UserVectorOptions {
  /**
   * Weight item i by softmax(cos(e_i, query) / temperature) instead of 1/n. The query is the
   * embedding of the current input.
   */
  weighting?: { query: ArrayLike<number>; temperature: number } | null;
  /** Subtract this population mean, then renormalize. */
  center?: ArrayLike<number> | null;
  /** An empty profile: `error` (default) or a zero vector. */
  emptyProfile?: 'error' | 'zero';
}

/**
 * The user vector from profile-item embeddings (unit vectors): u = normalize(Σ w_i e_i) with
 * w_i = 1/n or the similarity softmax; with `center`, u = normalize(u − center). A zero result
 * (e.g. the user equals the population mean) stays a zero vector.
 */
export function userVectorFromItems(items: ArrayLike<number>[], dims: number, opts: UserVectorOptions = {}): Float32Array {
  if (items.length === 0) {
    if (opts.emptyProfile === 'zero') return new Float32Array(dims);
    throw new Error('the profile is empty: no user vector (pass emptyProfile: "zero" to use a zero vector, i.e. no personalization)');
  }
  let weights: number[];
  if (opts.weighting) {
    const q = normalized(opts.weighting.query);
    if (q.length !== dims) throw new Error(`query vector has ${q.length} dims, expected ${dims}`);
    weights = softmax(items.map((e) => dot(e, q) / (norm(e) || 1)), opts.weighting.temperature);
  } else weights = items.map(() => 1 / items.length);
  const acc = new Float64Array(dims);
  items.forEach((e, k) => {
    if (e.length !== dims) throw new Error(`profile item embedding ${k} has ${e.length} dims, expected ${dims}`);
    for (let i = 0; i < dims; i++) acc[i] += weights[k] * e[i];
  });
  let u = normalized(acc);
  if (opts.center) {
    if (opts.center.length !== dims) throw new Error(`center vector has ${opts.center.length} dims, expected ${dims}`);
    const c = new Float64Array(dims);
    for (let i = 0; i < dims; i++) c[i] = u[i] - opts.center[i];
    u = normalized(c);
  }
  return u;
}

/**
 * The user's own text in a profile item, which is what gets embedded: the abstract (abstract
 * generation), the review text (reviews), the post content (topic writing).
 */
export function profileItemText(kind: TaskKind, item: ProfileItem): string {
  if (kind === 'abstract') return (item as AbstractProfileItem).abstract;
  if (kind === 'review') return (item as ReviewProfileItem).reviewText;
  return (item as TopicProfileItem).content;
}

/**
 * How much of a profile to use:
 * - `maxItems` with `keep`: `first` N items in profile order, `last` N, or `most-recent` N —
 *   highest `year` for abstracts (ties keep profile order), the last N for tasks without dates
 *   (LongLaMP profiles are assumed to be in chronological order);
 * - `maxChars`: each item's text is cut to its first N characters.
 */
export interface ProfileTruncation {
  maxItems?: number;
  keep?: 'first' | 'last' | 'most-recent';
  maxChars?: number;
}

/** Applies a {@link ProfileTruncation} to profile items (returns the kept items in profile order). */
export function truncateProfile<T extends ProfileItem>(kind: TaskKind, items: T[], rule: ProfileTruncation = {}): T[] {
  const n = rule.maxItems;
  if (n === undefined || items.length <= n) return items;
  if (!Number.isInteger(n) || n < 0) throw new Error(`maxItems must be a non-negative integer, got ${n}`);
  const keep = rule.keep ?? 'most-recent';
  if (keep === 'first') return items.slice(0, n);
  if (keep === 'last' || kind !== 'abstract') return items.slice(items.length - n);
  const order = items
    .map((it, i) => ({ i, year: (it as AbstractProfileItem).year ?? -Infinity }))
    .sort((a, b) => b.year - a.year || a.i - b.i)
    .slice(0, n)
    .map((x) => x.i)
    .sort((a, b) => a - b);
  return order.map((i) => items[i]);
}

/** Options of {@link embedUserVector}. */
export interface EmbedUserVectorOptions {
  truncation?: ProfileTruncation;
  /** Weight items by similarity to the record's input (its embedding) with this temperature. */
  inputTemperature?: number;
  center?: ArrayLike<number> | null;
  emptyProfile?: 'error' | 'zero';
}

/** Embeds a record's profile items (after truncation) and returns the user vector. */
export async function embedUserVector(embedder: TextEmbedder, record: LongLampRecord, opts: EmbedUserVectorOptions = {}): Promise<Float32Array> {
  const items = truncateProfile(record.kind, record.profile as ProfileItem[], opts.truncation);
  const maxChars = opts.truncation?.maxChars;
  const texts = items.map((it) => {
    const t = profileItemText(record.kind, it);
    return maxChars !== undefined ? t.slice(0, maxChars) : t;
  });
  if (texts.length === 0) return userVectorFromItems([], embedder.dims, { emptyProfile: opts.emptyProfile });
  const withQuery = opts.inputTemperature !== undefined;
  const vectors = await embedder.embed(withQuery ? [...texts, record.input] : texts);
  const itemVecs = withQuery ? vectors.slice(0, -1) : vectors;
  return userVectorFromItems(itemVecs, embedder.dims, {
    weighting: withQuery ? { query: vectors[vectors.length - 1], temperature: opts.inputTemperature! } : null,
    center: opts.center,
    emptyProfile: opts.emptyProfile,
  });
}
