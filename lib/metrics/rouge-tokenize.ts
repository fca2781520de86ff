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
