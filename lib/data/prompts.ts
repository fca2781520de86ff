/**
 * Prompts of the LongLaMP baselines, as plain strings (chat templates are applied by the model):
 *
 * - non-personalized: the input itself;
 * - RAG: k profile items retrieved for the input (BM25 by default, or any {@link Retriever}, e.g.
 *   embedding similarity), each rendered with the task's template, joined with `, and `, then the
 *   task's connector and the input.
 *
 * Retrieval follows the official scripts: query = the input (for abstracts the text after
 * `items:`); documents = `title abstract` (abstract), `overall summary description reviewText`
 * (review), `summary content` (topic).
 */
import { Bm25, whitespaceTokens, type Bm25Options } from './bm25.js';
import type { AbstractProfileItem, LongLampRecord, ProfileItem, ProfileItemByKind, ReviewProfileItem, TopicProfileItem } from './records.js';
import type { TaskKind } from './tasks.js';

/** Picks `k` documents for a query; returns their indices, best first. */
export type Retriever = (query: string, documents: string[], k: number) => number[] | Promise<number[]>;

/** The retrieval query of an input: for abstracts the text after `items:` (trimmed), else the input. */
export function retrievalQuery(kind: TaskKind, input: string): string {
  if (kind === 'abstract') {
    const at = input.indexOf('items:');
    if (at >= 0) return input.slice(at + 'items:'.length).trim();
  }
  return input;
}

/** The text a profile item is retrieved by. */
export function retrievalDocument<K extends TaskKind>(kind: K, item: ProfileItemByKind[K]): string {
  switch (kind) {
    case 'abstract': {
      const it = item as AbstractProfileItem;
      return `${it.title} ${it.abstract}`;
    }
    case 'review': {
      const it = item as ReviewProfileItem;
      return `${it.overall} ${it.summary} ${it.description} ${it.reviewText}`;
    }
    default: {
      const it = item as TopicProfileItem;
      return `${it.summary} ${it.content}`;
    }
  }
}

/** First `n` whitespace-separated words, joined by single spaces (Python `' '.join(text.split()[:n])`). */
export function firstWords(text: string, n: number): string {
  return whitespaceTokens(text).slice(0, n).join(' ');
}

/** Renders one retrieved profile item with the task's template. */
export function renderProfileItem<K extends TaskKind>(kind: K, item: ProfileItemByKind[K]): string {
  switch (kind) {
    case 'abstract': {
      const it = item as AbstractProfileItem;
      return `"${firstWords(it.abstract, 750)}" is the abstract for the title "${it.title}"`;
    }
    case 'review': {
      const it = item as ReviewProfileItem;
      return `"${it.overall}" is a rating for the product with description "${it.description}". "${it.summary}" is summary for "${it.reviewText}"`;
    }
    default: {
      const it = item as TopicProfileItem;
      return `"${it.summary}" is a summary for "${it.content}"`;
    }
  }
}

/** The text between the rendered items and the input. */
export function ragConnector(kind: TaskKind): string {
  switch (kind) {
    case 'abstract':
      return '. Use the above abstracts as context to understand the style and language of the user and, ';
    case 'review':
      return '. Following the given patterns ';
    default:
      return '. Following the given patterns, ';
  }
}

/**
 * Assembles a RAG prompt from already chosen items: rendered items joined with `, and `, the
 * connector, the input. With no items the prompt is the input alone.
 */
export function buildRagPrompt<K extends TaskKind>(kind: K, input: string, items: ProfileItemByKind[K][]): string {
  if (items.length === 0) return input;
  return `${items.map((it) => renderProfileItem(kind, it)).join(', and ')}${ragConnector(kind)}${input}`;
}

/** The non-personalized prompt: the input. */
export function nonPersonalizedPrompt(record: LongLampRecord): string {
  return record.input;
}

/** A BM25 retriever over whitespace tokens (the baselines' `rank_bm25.BM25Okapi`). */
export function bm25Retriever(opts: Bm25Options = {}): Retriever {
  return (query, documents, k) => new Bm25(documents.map(whitespaceTokens), opts).topN(whitespaceTokens(query), k);
}

/** Options of {@link ragPrompt}. */
export interface RagOptions {
  /** Number of profile items; the paper's baselines use 2 (fewer when the profile is shorter). */
  k: number;
  /** Default BM25 ({@link bm25Retriever}). */
  retriever?: Retriever;
}

/** A built RAG prompt and which profile items it used (indices into `record.profile`, best first). */
export interface RagPrompt {
  prompt: string;
  selected: number[];
}

/** Retrieves `k` profile items for the record's input and builds its RAG prompt. */
export async function ragPrompt(record: LongLampRecord, opts: RagOptions): Promise<RagPrompt> {
  if (!Number.isInteger(opts.k) || opts.k < 0) throw new Error(`RAG k must be a non-negative integer, got ${opts.k}`);
  const kind = record.kind;
  const profile = record.profile as ProfileItem[];
  const documents = profile.map((it) => retrievalDocument(kind, it as never));
  const k = Math.min(opts.k, profile.length);
  const picked = k === 0 ? [] : await (opts.retriever ?? bm25Retriever())(retrievalQuery(kind, record.input), documents, k);
  const selected = picked.slice(0, k);
  for (const i of selected) {
    if (!Number.isInteger(i) || i < 0 || i >= profile.length) throw new Error(`retriever returned index ${i}, outside the profile of ${profile.length} items`);
  }
  return { prompt: buildRagPrompt(kind, record.input, selected.map((i) => profile[i]) as never[]), selected };
}
