/**
 * The tokenizer of Google's `rouge_score` 0.1.2 (`tokenize.tokenize` behind
 * `tokenizers.DefaultTokenizer`):
 *
 * 1. lower-case the whole text (Unicode lower-casing, as Python's `str.lower()`);
 * 2. replace every run of characters outside `[a-z0-9]` by a space;
 * 3. split on whitespace;
 * 4. with stemming, Porter-stem (NLTK) only the tokens longer than 3 characters;
 * 5. keep only non-empty `[a-z0-9]+` tokens.
 *
 * Non-ASCII detail: letters such as `é`, `ß`, CJK or Cyrillic are not in `[a-z0-9]`, so they
 * act as separators and vanish (`café` -> `caf`, `naïve` -> `na ve`, `日本` -> nothing).
 * Because lower-casing happens first, the few non-ASCII characters whose lower case is ASCII
 * do survive: `K` (U+212A KELVIN SIGN) becomes `k` and `İ` (U+0130) becomes `i` followed by
 * a combining dot, which is then dropped (`İstanbul` -> `i`, `stanbul`).
 *
 * @module
 */

import { porterStem } from './porter.js';
import { SPAN_HASH_SEED, SpanInterner, spanHashFinish, spanHashStep } from './span-interner.js';

const TOKEN = /[a-z0-9]+/g;

/** Options of {@link createRougeTokenizer}. */
export interface RougeTokenizerOptions {
  /** Porter-stem tokens longer than 3 characters (rouge_score `use_stemmer`). Default false. */
  useStemmer?: boolean;
  /** Most distinct words kept in the stem cache before it is cleared. Default 200,000. */
  stemCacheSize?: number;
}

/** A tokenizer bound to one stemming choice (see {@link createRougeTokenizer}). */
export interface RougeTokenizer {
  /** Whether tokens longer than 3 characters are stemmed. */
  readonly useStemmer: boolean;
  /** Tokenizes `text` exactly as rouge_score's `DefaultTokenizer(use_stemmer).tokenize`. */
  tokenize(text: string): string[];
}

/**
 * Tokenizes `text` as rouge_score 0.1.2 does (see the module comment).
 *
 * @param text - the text to tokenize.
 * @param useStemmer - stem tokens longer than 3 characters with NLTK's Porter stemmer.
 * @returns the tokens, in order.
 */
export function rougeTokenize(text: string, useStemmer = false): string[] {
  const tokens = text.toLowerCase().match(TOKEN) ?? [];
  if (!useStemmer) return tokens;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.length > 3) tokens[i] = porterStem(token);
  }
  // The stemmer maps [a-z0-9]+ to [a-z0-9]+ of length >= 1, so the final validity filter of
  // rouge_score has nothing left to drop.
  return tokens;
}

/**
 * Creates a tokenizer with a stem cache (stemming dominates the cost of stemmed ROUGE).
 *
 * @param options - see {@link RougeTokenizerOptions}.
 * @returns a {@link RougeTokenizer}.
 */
export function createRougeTokenizer(options: RougeTokenizerOptions = {}): RougeTokenizer {
  const useStemmer = options.useStemmer ?? false;
  const cacheSize = options.stemCacheSize ?? 200_000;
  const cache = new Map<string, string>();
  const stem = (token: string): string => {
    let stemmed = cache.get(token);
    if (stemmed === undefined) {
      stemmed = porterStem(token);
      if (cache.size >= cacheSize) cache.clear();
      cache.set(token, stemmed);
    }
    return stemmed;
  };
  return {
    useStemmer,
    tokenize(text: string): string[] {
      const tokens = text.toLowerCase().match(TOKEN) ?? [];
      if (!useStemmer) return tokens;
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i]!;
        if (token.length > 3) tokens[i] = stem(token);
      }
      return tokens;
    },
  };
}

/** Keys kept by a {@link RougeIdTokenizer} before it starts a new vocabulary. */
const MAX_VOCABULARY = 1 << 20;

/**
 * {@link createRougeTokenizer}'s tokens as small integer ids, read from the lower-cased text
 * without a string per token: each distinct (stemmed) token gets a global id once (a
 * {@link SpanInterner} over the text's spans), and each call ({@link RougeIdTokenizer.reset})
 * numbers the tokens it sees 0, 1, 2... in order of first appearance, as a `Map` filled per
 * call would. ROUGE only compares ids, so its scores are those of the string tokens.
 */
export class RougeIdTokenizer {
  private interner = new SpanInterner(4096);
  /** Token (after stemming) -> global id. */
  private byToken = new Map<string, number>();
  /** Per global id: the call that numbered it last, and its number there. */
  private stamp: Int32Array = new Int32Array(4096);
  private local: Int32Array = new Int32Array(4096);
  private call = 0;
  private next = 0;
  private scratch: Int32Array = new Int32Array(1024);

  /** @param useStemmer - stem tokens longer than 3 characters (as {@link createRougeTokenizer}). */
  constructor(readonly useStemmer = false) {}

  /** Starts a call: the next token seen gets number 0. */
  reset(): void {
    if (this.interner.size > MAX_VOCABULARY) {
      this.interner = new SpanInterner(4096);
      this.byToken = new Map();
      this.stamp.fill(0);
    }
    this.call++;
    this.next = 0;
  }

  /** One more than the largest number given in this call. */
  get vocabularySize(): number {
    return this.next;
  }

  /**
   * The numbers of the tokens of `text` (`tokenize(text)`), in this call's numbering.
   *
   * @param text - the text to tokenize.
   */
  ids(text: string): Int32Array {
    const lower = text.toLowerCase();
    let count = 0;
    let start = -1;
    let h = SPAN_HASH_SEED;
    for (let i = 0; i <= lower.length; i++) {
      const c = i < lower.length ? lower.charCodeAt(i) : 0;
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
        if (start < 0) {
          start = i;
          h = SPAN_HASH_SEED;
        }
        h = spanHashStep(h, c);
        continue;
      }
      if (start < 0) continue;
      const hash = spanHashFinish(h);
      let g = this.interner.get(lower, start, i, hash);
      if (g < 0) g = this.interner.intern(lower, start, i, this.globalId, hash);
      if (this.stamp[g] !== this.call) {
        this.stamp[g] = this.call;
        this.local[g] = this.next++;
      }
      if (count === this.scratch.length) this.scratch = grown(this.scratch, count * 2);
      this.scratch[count++] = this.local[g]!;
      start = -1;
    }
    return this.scratch.slice(0, count);
  }

  /** The global id of a new raw token (of its stem when stemming applies). */
  private readonly globalId = (raw: string): number => {
    const token = this.useStemmer && raw.length > 3 ? porterStem(raw) : raw;
    let g = this.byToken.get(token);
    if (g === undefined) {
      g = this.byToken.size;
      this.byToken.set(token, g);
      if (g >= this.stamp.length) {
        this.stamp = grown(this.stamp, g * 2);
        this.local = grown(this.local, g * 2);
      }
    }
    return g;
  };
}

/** `a` copied into a zero-filled array of `length`. */
function grown(a: Int32Array, length: number): Int32Array {
  const out = new Int32Array(length);
  out.set(a);
  return out;
}
