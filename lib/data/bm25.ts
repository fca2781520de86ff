/**
 * BM25 (Okapi) ranking as the LongLaMP baselines compute it with `rank_bm25.BM25Okapi`
 * (k1 = 1.5, b = 0.75, epsilon = 0.25; documents and queries tokenized with Python's
 * `str.split()`):
 *
 * - idf(t) = ln(N − n(t) + 0.5) − ln(n(t) + 0.5); negative idfs are replaced by
 *   epsilon × (mean idf over the vocabulary);
 * - score(d, q) = Σ over query tokens (repeats count) of
 *   idf(t) · f(t,d)·(k1 + 1) / (f(t,d) + k1·(1 − b + b·|d|/avgdl)).
 *
 * Ranking is by score, descending; equal scores put the later document first, as
 * `numpy.argsort(scores)[::-1]` does on a stable sort.
 */

/** BM25 parameters. */
export interface Bm25Options {
  k1?: number;
  b?: number;
  epsilon?: number;
}

/** Python's `str.split()`: splits on runs of whitespace, no empty tokens. */
export function whitespaceTokens(text: string): string[] {
  return text.split(/[\t\n\v\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u).filter((t) => t.length > 0);
}

/** A BM25 index over tokenized documents. */
export class Bm25 {
  private readonly k1: number;
  private readonly b: number;
  private readonly docFreqs: Map<string, number>[] = [];
  private readonly docLens: number[] = [];
  private readonly idf = new Map<string, number>();
  private readonly avgdl: number;

  /** Builds the index; `docs` are token lists (see {@link whitespaceTokens}). */
  constructor(docs: string[][], opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.5;
    this.b = opts.b ?? 0.75;
    const epsilon = opts.epsilon ?? 0.25;
    const nd = new Map<string, number>();
    let total = 0;
    for (const doc of docs) {
      this.docLens.push(doc.length);
      total += doc.length;
      const freqs = new Map<string, number>();
      for (const t of doc) freqs.set(t, (freqs.get(t) ?? 0) + 1);
      this.docFreqs.push(freqs);
      for (const t of freqs.keys()) nd.set(t, (nd.get(t) ?? 0) + 1);
    }
    const n = docs.length;
    this.avgdl = n > 0 ? total / n : 0;
    let idfSum = 0;
    const negative: string[] = [];
    for (const [t, df] of nd) {
      const idf = Math.log(n - df + 0.5) - Math.log(df + 0.5);
      this.idf.set(t, idf);
      idfSum += idf;
      if (idf < 0) negative.push(t);
    }
    const eps = nd.size > 0 ? (epsilon * idfSum) / nd.size : 0;
    for (const t of negative) this.idf.set(t, eps);
  }

  /** Number of documents. */
  get size(): number {
    return this.docLens.length;
  }

  /** BM25 score of every document for a tokenized query. */
  scores(query: string[]): Float64Array {
    const out = new Float64Array(this.docLens.length);
    if (this.avgdl === 0) return out;
    for (const q of query) {
      const idf = this.idf.get(q) ?? 0;
      if (idf === 0) continue;
      for (let d = 0; d < out.length; d++) {
        const f = this.docFreqs[d].get(q) ?? 0;
        out[d] += (idf * (f * (this.k1 + 1))) / (f + this.k1 * (1 - this.b + (this.b * this.docLens[d]) / this.avgdl));
      }
    }
    return out;
  }

  /** Indices of the `n` best documents, best first (ties: later document first). */
  topN(query: string[], n: number): number[] {
    return rankDescending(this.scores(query)).slice(0, Math.max(0, n));
  }
}

/** Indices sorted by score descending; equal scores: higher index first. */
export function rankDescending(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b] - scores[a] || b - a);
}
