/**
 * A dense retriever for RAG prompts: profile items ranked by cosine similarity between the
 * embeddings of the query and of each item's retrieval document (stands in for the paper's
 * Contriever baseline with any sentence embedder).
 */
import { rankDescending } from '../data/bm25.js';
import type { Retriever } from '../data/prompts.js';
import type { TextEmbedder } from './embedder.js';
import { dot, norm } from './vector-math.js';

/** A {@link Retriever} using `embedder` (its cache makes repeated profiles cheap). */
export function embeddingRetriever(embedder: TextEmbedder): Retriever {
  return async (query, documents, k) => {
    if (documents.length === 0 || k <= 0) return [];
    const [q, ...docs] = await embedder.embed([query, ...documents]);
    const qn = norm(q) || 1;
    const scores = docs.map((d) => dot(q, d) / (qn * (norm(d) || 1)));
    return rankDescending(scores).slice(0, k);
  };
}
