/**
 * METEOR's alignment (`alignMeteor` in `meteor.ts`, NLTK's `_enum_align_words`) on integer word
 * ids, for scoring many pairs: every distinct word gets an id once, with its Porter stem and its
 * WordNet synonyms (as ids) cached beside it, so a pair costs a few array reads per token
 * instead of string hashing, per-stage maps and synonym-set scans. `alignTexts` reads the tokens
 * straight from the tokenized text (a {@link SpanInterner} maps each token's span to its id), so
 * no string is made per token either.
 *
 * The matching is the same, decision for decision: each stage takes the hypothesis positions
 * from right to left and links each to the right-most unmatched reference position whose word is
 * accepted (for the synonym stage, the word itself or one of its synonyms); the unmatched words
 * of both sides are replaced by their stems after the exact stage. The right-most remaining
 * position of each word is kept in `head` (indexed by id), with `prev` chaining a position to the
 * previous remaining one of the same word, so taking a match is O(1). `test/unit/metrics/
 * meteor-align.test.ts` checks it against `alignMeteor`.
 * @module
 */

import { isPyWhitespaceCode } from './punkt.js';
import { SPAN_HASH_SEED, SpanInterner, spanHash, spanHashFinish, spanHashStep } from './span-interner.js';
import type { WordNet } from './wordnet.js';

/** Match and chunk counts of one aligned pair (what the METEOR formula needs). */
export interface MeteorCounts {
  /** Number of aligned words. */
  matches: number;
  /** Number of chunks (NLTK `_count_chunks`; 1 when there is no match). */
  chunks: number;
}

/** {@link MeteorCounts} with the token counts of both sides. */
export interface MeteorTextCounts extends MeteorCounts {
  /** Number of hypothesis tokens. */
  hypothesisLength: number;
  /** Number of reference tokens. */
  referenceLength: number;
}

const NONE = -1;

/** Aligns token sequences for METEOR; caches per-word work across pairs (not thread-safe). */
export class MeteorAligner {
  /** Raw token -> id of its lower-cased form. */
  private readonly rawIds = new SpanInterner(4096);
  /** Token ids of a text being read, before they are copied out. */
  private scratch: Int32Array = new Int32Array(1024);
  /** Word (lower-cased token, stem or synonym) -> id. */
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];
  /** Id of each word's stem, or NONE until computed. */
  private stems: Int32Array = new Int32Array(1024).fill(NONE);
  /** Ids of each word's synonyms (the word itself not included), computed on first use. */
  private readonly synonyms: (Int32Array | undefined)[] = [];
  /** Per word id: the right-most remaining reference position of the current stage, or NONE. */
  private head: Int32Array = new Int32Array(1024).fill(NONE);

  /**
   * @param wordnet - WordNet for the synonym stage.
   * @param stem - The stemmer (NLTK's Porter stemmer to match NLTK).
   */
  constructor(
    private readonly wordnet: WordNet,
    private readonly stem: (word: string) => string,
  ) {}

  /**
   * Match and chunk counts of `hypothesis` aligned to `reference`, exactly as
   * `alignMeteor(hypothesis, reference, wordnet, stem)` followed by `countChunks`.
   *
   * @param hypothesis - hypothesis tokens (any case).
   * @param reference - reference tokens (any case).
   */
  align(hypothesis: readonly string[], reference: readonly string[]): MeteorCounts {
    return this.alignIds(this.tokenIds(hypothesis), this.tokenIds(reference));
  }

  /**
   * {@link MeteorAligner.align} of the tokens that are the Python-whitespace-separated fields
   * of each text (`wordTokenText` in `word-tokenize.ts`), read without a string per token.
   *
   * @param hypothesis - the hypothesis tokens, as one text.
   * @param reference - the reference tokens, as one text.
   */
  alignTexts(hypothesis: string, reference: string): MeteorTextCounts {
    const hyp = this.textIds(hypothesis);
    const ref = this.textIds(reference);
    return { ...this.alignIds(hyp, ref), hypothesisLength: hyp.length, referenceLength: ref.length };
  }

  /** Alignment of token id sequences (overwritten: unmatched words become their stems). */
  private alignIds(hyp: Int32Array, ref: Int32Array): MeteorCounts {
    const refOf = new Int32Array(hyp.length).fill(NONE);
    const refUsed = new Uint8Array(ref.length);
    const prev = new Int32Array(ref.length);
    let left = this.stage(hyp, ref, refOf, refUsed, prev, false);
    for (let h = 0; h < hyp.length; h++) if (refOf[h] === NONE) hyp[h] = this.stemId(hyp[h]!);
    for (let r = 0; r < ref.length; r++) if (refUsed[r] === 0) ref[r] = this.stemId(ref[r]!);
    left = this.stage(hyp, ref, refOf, refUsed, prev, false);
    if (left.hyp > 0 && left.ref > 0) this.stage(hyp, ref, refOf, refUsed, prev, true);
    let matches = 0;
    let chunks = 1;
    let lastH = NONE;
    let lastR = NONE;
    for (let h = 0; h < hyp.length; h++) {
      const r = refOf[h]!;
      if (r === NONE) continue;
      if (matches > 0 && !(h === lastH + 1 && r === lastR + 1)) chunks++;
      matches++;
      lastH = h;
      lastR = r;
    }
    return { matches, chunks };
  }

  /**
   * One matching stage over the unmatched positions (see the module comment); with `synonyms`,
   * a hypothesis word also accepts its WordNet synonyms. Returns the unmatched counts.
   */
  private stage(
    hyp: Int32Array,
    ref: Int32Array,
    refOf: Int32Array,
    refUsed: Uint8Array,
    prev: Int32Array,
    synonyms: boolean,
  ): { hyp: number; ref: number } {
    let head = this.head;
    let refLeft = 0;
    for (let r = 0; r < ref.length; r++) {
      if (refUsed[r] !== 0) continue;
      const w = ref[r]!;
      prev[r] = head[w]!;
      head[w] = r;
      refLeft++;
    }
    let hypLeft = 0;
    for (let h = hyp.length - 1; h >= 0; h--) {
      if (refOf[h] !== NONE) continue;
      const w = hyp[h]!;
      let best = refLeft > 0 ? head[w]! : NONE;
      if (synonyms && refLeft > 0) {
        const syns = this.synonymIds(w);
        head = this.head; // new synonym ids may have grown it (live entries are copied)
        for (let k = 0; k < syns.length; k++) {
          const pos = head[syns[k]!]!;
          if (pos > best) best = pos;
        }
      }
      if (best === NONE) {
        hypLeft++;
        continue;
      }
      refOf[h] = best;
      refUsed[best] = 1;
      head[ref[best]!] = prev[best]!; // `best` is the right-most remaining position of its word
      refLeft--;
    }
    for (let r = 0; r < ref.length; r++) head[ref[r]!] = NONE;
    return { hyp: hypLeft, ref: refLeft };
  }

  /** Ids of the lower-cased tokens. */
  private tokenIds(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.rawId(tokens[i]!, 0, tokens[i]!.length);
    return out;
  }

  /** Ids of the lower-cased Python-whitespace-separated fields of `text`. */
  private textIds(text: string): Int32Array {
    let count = 0;
    let start = -1;
    let h = SPAN_HASH_SEED;
    for (let i = 0; i <= text.length; i++) {
      if (i < text.length) {
        const c = text.charCodeAt(i);
        if (!isPyWhitespaceCode(c)) {
          if (start < 0) {
            start = i;
            h = SPAN_HASH_SEED;
          }
          h = spanHashStep(h, c);
          continue;
        }
      }
      if (start < 0) continue;
      if (count === this.scratch.length) this.scratch = grow(this.scratch);
      this.scratch[count++] = this.rawId(text, start, i, spanHashFinish(h));
      start = -1;
    }
    return this.scratch.slice(0, count);
  }

  /** The id of the lower-cased form of the token `text[start, end)` (whose `spanHash` is `hash`, when known). */
  private rawId(text: string, start: number, end: number, hash: number = spanHash(text, start, end)): number {
    const id = this.rawIds.get(text, start, end, hash);
    return id >= 0 ? id : this.rawIds.intern(text, start, end, this.lowerWordId, hash);
  }

  /** {@link MeteorAligner.wordId} of the lower-cased `token`. */
  private readonly lowerWordId = (token: string): number => this.wordId(token.toLowerCase());

  /** The id of `word`, assigned on first sight. */
  private wordId(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.ids.set(word, id);
      this.words.push(word);
      if (id >= this.head.length) {
        this.head = grow(this.head);
        this.stems = grow(this.stems);
      }
    }
    return id;
  }

  /** The id of the stem of word `id`. */
  private stemId(id: number): number {
    let s = this.stems[id]!;
    if (s === NONE) {
      s = this.wordId(this.stem(this.words[id]!));
      this.stems[id] = s;
    }
    return s;
  }

  /** The ids of the synonyms of word `id` (`WordNet.meteorSynonyms`). */
  private synonymIds(id: number): Int32Array {
    let syns = this.synonyms[id];
    if (syns === undefined) {
      const names = this.wordnet.meteorSynonyms(this.words[id]!);
      syns = new Int32Array(names.size);
      let k = 0;
      for (const name of names) syns[k++] = this.wordId(name);
      this.synonyms[id] = syns;
    }
    return syns;
  }
}

/** `a` doubled in length, the new half filled with NONE. */
function grow(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length * 2).fill(NONE);
  out.set(a);
  return out;
}
