/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's `rouge_score` 0.1.2 computes them
 * (`RougeScorer(types, use_stemmer).score(target=reference, prediction=prediction)`), with
 * its default tokenizer (see `rouge-tokenize.ts`).
 *
 * - ROUGE-N: clipped n-gram overlap; precision = overlap / max(#prediction n-grams, 1),
 *   recall = overlap / max(#reference n-grams, 1).
 * - ROUGE-L: longest common subsequence of the two token sequences (0 when either is empty).
 * - ROUGE-Lsum: summary-level LCS. Both texts are split on `\n` (empty lines dropped, each line
 *   tokenized on its own); for every reference sentence the union of the LCS token positions
 *   against each prediction sentence is taken (one LCS per pair, read back from the DP table
 *   with rouge_score's tie-breaking), and a union token counts as a hit only while both the
 *   reference and the prediction still have an unused occurrence of it (token counts over the
 *   whole summaries, as ROUGE-1.5.5). precision = hits / #prediction tokens,
 *   recall = hits / #reference tokens.
 * - F-measure: `2 * P * R / (P + R)`, or 0 when `P + R` is 0.
 *
 * @module
 */

import { RougeIdTokenizer } from './rouge-tokenize.js';

/** A ROUGE variant: `rouge1`..`rouge9` (n-grams), `rougeL`, or `rougeLsum`. */
export type RougeType =
  | 'rouge1' | 'rouge2' | 'rouge3' | 'rouge4' | 'rouge5' | 'rouge6' | 'rouge7' | 'rouge8' | 'rouge9'
  | 'rougeL' | 'rougeLsum';

/** Precision, recall and F-measure of one ROUGE variant for one pair. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** Options of {@link createRougeScorer}. */
export interface RougeScorerOptions<T extends RougeType = RougeType> {
  /** Variants to compute. Default `['rouge1', 'rouge2', 'rougeL', 'rougeLsum']`. */
  types?: readonly T[];
  /** Porter-stem tokens longer than 3 characters (rouge_score `use_stemmer`). Default false. */
  useStemmer?: boolean;
}

/** A scorer bound to a set of variants and a stemming choice. */
export interface RougeScorer<T extends RougeType = RougeType> {
  /** The variants this scorer computes, in order. */
  readonly types: readonly T[];
  /** Whether tokens are stemmed. */
  readonly useStemmer: boolean;
  /**
   * Scores one pair; argument order follows rouge_score (`target` first).
   *
   * @param reference - the reference (target) text.
   * @param prediction - the predicted text.
   */
  score(reference: string, prediction: string): Record<T, RougeScore>;
}

/** The four variants reported by default. */
export const DEFAULT_ROUGE_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

const ZERO: Readonly<RougeScore> = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });
const EMPTY_IDS = new Int32Array(0);

/** rouge_score's `scoring.fmeasure`. */
export function rougeFmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function makeScore(precision: number, recall: number): RougeScore {
  return { precision, recall, fmeasure: rougeFmeasure(precision, recall) };
}

/**
 * Clipped n-gram overlap of two interned token sequences: the sum over n-grams g of
 * min(count in reference, count in prediction).
 */
function ngramOverlap(ref: Int32Array, pred: Int32Array, n: number, vocabularySize: number): number {
  if (ref.length < n || pred.length < n) return 0;
  let overlap = 0;
  if (n === 1) {
    const counts = zeroScratch(vocabularySize);
    for (let i = 0; i < ref.length; i++) counts[ref[i]!]!++;
    for (let i = 0; i < pred.length; i++) {
      const id = pred[i]!;
      if (counts[id]! > 0) {
        overlap++;
        counts[id]!--;
      }
    }
    for (let i = 0; i < ref.length; i++) counts[ref[i]!] = 0; // the only entries touched
    return overlap;
  }
  if (n === 2 && vocabularySize * vocabularySize <= BIGRAM_TABLE_MAX) return bigramOverlap(ref, pred, vocabularySize);
  if (n === 2) {
    // a * V + b is exact in a double for any realistic vocabulary (V < 2^26).
    const counts = new Map<number, number>();
    for (let i = 0; i + 1 < ref.length; i++) {
      const key = ref[i]! * vocabularySize + ref[i + 1]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (let i = 0; i + 1 < pred.length; i++) {
      const key = pred[i]! * vocabularySize + pred[i + 1]!;
      const c = counts.get(key);
      if (c !== undefined && c > 0) {
        overlap++;
        counts.set(key, c - 1);
      }
    }
    return overlap;
  }
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= ref.length; i++) {
    const key = ref.subarray(i, i + n).join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (let i = 0; i + n <= pred.length; i++) {
    const key = pred.subarray(i, i + n).join(',');
    const c = counts.get(key);
    if (c !== undefined && c > 0) {
      overlap++;
      counts.set(key, c - 1);
    }
  }
  return overlap;
}

/**
 * Scratch for the per-pair tables of {@link ngramOverlap} (unigram counts) and
 * {@link lcsLengthIds} (position masks), all zeros between calls: each call clears what it set,
 * which costs less than allocating and zero-filling a new typed array per pair.
 */
let zeros = new Int32Array(1024);

/** {@link zeros}, grown to at least `length` entries (all zero). */
function zeroScratch(length: number): Int32Array {
  if (zeros.length < length) zeros = new Int32Array(Math.max(length, zeros.length * 2));
  return zeros;
}

/** The bit vector of {@link lcsLengthIds}, reused. */
let lcsVector = new Int32Array(64);

/** Largest V * V for which bigrams are counted in a table (4 MiB) rather than a map. */
const BIGRAM_TABLE_MAX = 1 << 20;
/** The bigram count table, all zeros between calls of {@link bigramOverlap}. */
let bigramTable = new Int32Array(0);

/** `ngramOverlap` for n = 2 with the counts in a V x V table (cleared again before returning). */
function bigramOverlap(ref: Int32Array, pred: Int32Array, vocabularySize: number): number {
  if (bigramTable.length < vocabularySize * vocabularySize) bigramTable = new Int32Array(Math.max(vocabularySize * vocabularySize, 4096));
  const counts = bigramTable;
  for (let i = 0; i + 1 < ref.length; i++) counts[ref[i]! * vocabularySize + ref[i + 1]!]!++;
  let overlap = 0;
  for (let i = 0; i + 1 < pred.length; i++) {
    const key = pred[i]! * vocabularySize + pred[i + 1]!;
    if (counts[key]! > 0) {
      overlap++;
      counts[key]!--;
    }
  }
  for (let i = 0; i + 1 < ref.length; i++) counts[ref[i]! * vocabularySize + ref[i + 1]!] = 0;
  return overlap;
}

/** ROUGE-N from interned sequences. */
function scoreNgramIds(ref: Int32Array, pred: Int32Array, n: number, vocabularySize: number): RougeScore {
  const overlap = ngramOverlap(ref, pred, n, vocabularySize);
  const refTotal = Math.max(ref.length - n + 1, 0);
  const predTotal = Math.max(pred.length - n + 1, 0);
  return makeScore(overlap / Math.max(predTotal, 1), overlap / Math.max(refTotal, 1));
}

/**
 * ROUGE-N of two token sequences (rouge_score `_score_ngrams`).
 *
 * @param referenceTokens - tokens of the reference.
 * @param predictionTokens - tokens of the prediction.
 * @param n - the n-gram order, >= 1.
 */
export function scoreNgrams(referenceTokens: readonly string[], predictionTokens: readonly string[], n: number): RougeScore {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`ROUGE-N needs a positive integer n, got ${n}`);
  const ids = new Map<string, number>();
  const ref = intern(referenceTokens, ids);
  const pred = intern(predictionTokens, ids);
  return scoreNgramIds(ref, pred, n, ids.size);
}

/** Maps tokens to small integers so the DP loops compare numbers. */
function intern(tokens: readonly string[], ids: Map<string, number>): Int32Array {
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let id = ids.get(token);
    if (id === undefined) {
      id = ids.size;
      ids.set(token, id);
    }
    out[i] = id;
  }
  return out;
}

/**
 * Length of the longest common subsequence, in O(n*m) time and O(min(n, m)) memory.
 *
 * @param a - first sequence.
 * @param b - second sequence.
 */
export function lcsLength<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  // Keep the shorter sequence along the row.
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const cols = short.length;
  if (cols === 0) return 0;
  const row = new Int32Array(cols + 1);
  for (let i = 0; i < long.length; i++) {
    const x = long[i];
    let diag = 0; // row[j-1] of the previous row
    for (let j = 1; j <= cols; j++) {
      const up = row[j]!;
      if (x === short[j - 1]) row[j] = diag + 1;
      else if (row[j - 1]! > up) row[j] = row[j - 1]!;
      diag = up;
    }
  }
  return row[cols]!;
}

/**
 * Length of the longest common subsequence of two id sequences (ids in `[0, vocabularySize)`),
 * bit-parallel (Allison & Dix 1986; Hyyrö 2004): the positions of the shorter sequence are bits
 * of a vector V, updated once per element y of the other as `V = (V + (V & M[y])) | (V & ~M[y])`,
 * where M[y] marks the positions holding y; the LCS length is the number of zero bits of V. The
 * same integer as {@link lcsLength}, in about 1/32 of its steps.
 *
 * @param a - first sequence.
 * @param b - second sequence.
 * @param vocabularySize - one more than the largest id.
 */
export function lcsLengthIds(a: Int32Array, b: Int32Array, vocabularySize: number): number {
  const [bits, other] = a.length <= b.length ? [a, b] : [b, a];
  const m = bits.length;
  if (m === 0) return 0;
  const words = (m + 31) >>> 5;
  const masks = zeroScratch(vocabularySize * words);
  for (let i = 0; i < m; i++) masks[bits[i]! * words + (i >>> 5)]! |= 1 << (i & 31);
  if (lcsVector.length < words) lcsVector = new Int32Array(Math.max(words, lcsVector.length * 2));
  const v = lcsVector;
  v.fill(-1, 0, words);
  for (let j = 0; j < other.length; j++) {
    const base = other[j]! * words;
    let carry = 0;
    for (let k = 0; k < words; k++) {
      const vk = v[k]!;
      const u = vk & masks[base + k]!;
      const sum = (vk >>> 0) + (u >>> 0) + carry; // < 2^33: exact
      carry = sum > 0xffffffff ? 1 : 0;
      v[k] = sum | (vk & ~u); // `sum | x` takes sum modulo 2^32
    }
  }
  for (let i = 0; i < m; i++) masks[bits[i]! * words + (i >>> 5)] = 0; // the only entries set
  let zeroBits = 0;
  for (let k = 0; k < words; k++) {
    const valid = k === words - 1 && (m & 31) !== 0 ? (1 << (m & 31)) - 1 : -1;
    zeroBits += popcount(~v[k]! & valid);
  }
  return zeroBits;
}

/** Number of set bits of a 32-bit integer. */
function popcount(x: number): number {
  let y = x - ((x >>> 1) & 0x55555555);
  y = (y & 0x33333333) + ((y >>> 2) & 0x33333333);
  return (Math.imul((y + (y >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * ROUGE-L of two token sequences (rouge_score `_score_lcs`).
 *
 * @param referenceTokens - tokens of the reference.
 * @param predictionTokens - tokens of the prediction.
 */
export function scoreLcs(referenceTokens: readonly string[], predictionTokens: readonly string[]): RougeScore {
  if (referenceTokens.length === 0 || predictionTokens.length === 0) return { ...ZERO };
  const ids = new Map<string, number>();
  const lcs = lcsLength(intern(referenceTokens, ids), intern(predictionTokens, ids));
  return makeScore(lcs / predictionTokens.length, lcs / referenceTokens.length);
}

/**
 * Indices into `ref` of one LCS of `ref` and `can`, read back from the full DP table exactly
 * like rouge_score's `_lcs_table` + `_backtrack_norec` (on a tie, step back in `ref`).
 */
function lcsIndices(ref: Int32Array, can: Int32Array, out: Set<number>): void {
  const rows = ref.length;
  const cols = can.length;
  if (rows === 0 || cols === 0) return;
  const width = cols + 1;
  const table = new Int32Array((rows + 1) * width);
  for (let i = 1; i <= rows; i++) {
    const r = ref[i - 1];
    const base = i * width;
    const prev = base - width;
    for (let j = 1; j <= cols; j++) {
      if (r === can[j - 1]) table[base + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[base + j - 1]!;
        table[base + j] = up > left ? up : left;
      }
    }
  }
  let i = rows;
  let j = cols;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.add(i - 1);
      i--;
      j--;
    } else if (table[i * width + j - 1]! > table[(i - 1) * width + j]!) {
      j--;
    } else {
      i--;
    }
  }
}

/**
 * ROUGE-Lsum of two tokenized summaries (rouge_score `_summary_level_lcs`).
 *
 * @param referenceSentences - tokens of each non-empty reference line.
 * @param predictionSentences - tokens of each non-empty prediction line.
 */
export function scoreSummaryLevelLcs(
  referenceSentences: readonly (readonly string[])[],
  predictionSentences: readonly (readonly string[])[],
): RougeScore {
  const ids = new Map<string, number>();
  return summaryLevelIds(
    referenceSentences.map((sentence) => intern(sentence, ids)),
    predictionSentences.map((sentence) => intern(sentence, ids)),
    ids.size,
  );
}

/** ROUGE-Lsum from interned sentences (token ids < vocabularySize). */
function summaryLevelIds(refSents: readonly Int32Array[], predSents: readonly Int32Array[], vocabularySize: number): RougeScore {
  if (refSents.length === 0 || predSents.length === 0) return { ...ZERO };
  let m = 0;
  for (const s of refSents) m += s.length;
  let n = 0;
  for (const s of predSents) n += s.length;
  if (m === 0 || n === 0) return { ...ZERO };

  // Token counts over the whole summaries, to prevent double counting (as ROUGE-1.5.5).
  const refCounts = new Int32Array(vocabularySize);
  const predCounts = new Int32Array(vocabularySize);
  for (const s of refSents) for (const t of s) refCounts[t]!++;
  for (const s of predSents) for (const t of s) predCounts[t]!++;

  let hits = 0;
  const union = new Set<number>();
  for (const ref of refSents) {
    union.clear();
    for (const can of predSents) lcsIndices(ref, can, union);
    for (const index of union) {
      const t = ref[index]!;
      if (predCounts[t]! > 0 && refCounts[t]! > 0) {
        hits++;
        predCounts[t]!--;
        refCounts[t]!--;
      }
    }
  }
  return makeScore(hits / n, hits / m);
}

/** Splits a summary into its non-empty `\n`-separated lines (rouge_score `get_sents`). */
export function splitRougeSentences(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

const NGRAM_TYPE = /^rouge([1-9])$/;

function assertTypes(types: readonly string[]): void {
  if (types.length === 0) throw new RangeError('ROUGE: `types` must name at least one variant');
  for (const type of types) {
    if (type !== 'rougeL' && type !== 'rougeLsum' && !NGRAM_TYPE.test(type)) {
      throw new RangeError(`ROUGE: invalid type "${type}" (expected rouge1..rouge9, rougeL or rougeLsum)`);
    }
  }
}

/**
 * Creates a ROUGE scorer, the counterpart of `rouge_scorer.RougeScorer(types, use_stemmer)`.
 *
 * @param options - variants and stemming; see {@link RougeScorerOptions}.
 * @returns a {@link RougeScorer}.
 * @example
 * const scorer = createRougeScorer({ types: ['rouge1', 'rougeL'], useStemmer: true });
 * scorer.score('The cat sat.', 'A cat sits.').rouge1.fmeasure;
 */
export function createRougeScorer<T extends RougeType = RougeType>(options: RougeScorerOptions<T> = {}): RougeScorer<T> {
  const types = [...(options.types ?? (DEFAULT_ROUGE_TYPES as readonly T[]))];
  assertTypes(types);
  const useStemmer = options.useStemmer ?? false;
  const tokenizer = new RougeIdTokenizer(useStemmer);
  const needsTokens = types.some((t) => t !== 'rougeLsum');

  return {
    types,
    useStemmer,
    score(reference: string, prediction: string): Record<T, RougeScore> {
      // One numbering of the tokens per call, shared by all variants.
      tokenizer.reset();
      const refIds = needsTokens ? tokenizer.ids(reference) : EMPTY_IDS;
      const predIds = needsTokens ? tokenizer.ids(prediction) : EMPTY_IDS;
      let lcs = -1;
      const lcsScore = (): RougeScore => {
        if (refIds.length === 0 || predIds.length === 0) return { ...ZERO };
        if (lcs < 0) lcs = lcsLengthIds(refIds, predIds, tokenizer.vocabularySize);
        return makeScore(lcs / predIds.length, lcs / refIds.length);
      };
      const result = {} as Record<T, RougeScore>;
      for (const type of types) {
        if (type === 'rougeL') {
          result[type] = lcsScore();
        } else if (type === 'rougeLsum') {
          const refSents = splitRougeSentences(reference);
          const predSents = splitRougeSentences(prediction);
          if (needsTokens && refSents.length === 1 && predSents.length === 1) {
            // One sentence each: the union LCS is one LCS and every one of its tokens is a hit,
            // so ROUGE-Lsum equals ROUGE-L (the sentence's tokens are the whole text's tokens).
            result[type] = lcsScore();
          } else {
            const refSentIds = refSents.map((s) => tokenizer.ids(s));
            const predSentIds = predSents.map((s) => tokenizer.ids(s));
            result[type] = summaryLevelIds(refSentIds, predSentIds, tokenizer.vocabularySize);
          }
        } else {
          result[type] = scoreNgramIds(refIds, predIds, Number(type.slice(5)), tokenizer.vocabularySize);
        }
      }
      return result;
    },
  };
}

/**
 * One-shot ROUGE of a pair (builds a scorer each call; use {@link createRougeScorer} in loops).
 *
 * @param reference - the reference (target) text.
 * @param prediction - the predicted text.
 * @param options - variants and stemming; see {@link RougeScorerOptions}.
 */
export function rouge<T extends RougeType = RougeType>(
  reference: string,
  prediction: string,
  options: RougeScorerOptions<T> = {},
): Record<T, RougeScore> {
  return createRougeScorer(options).score(reference, prediction);
}
