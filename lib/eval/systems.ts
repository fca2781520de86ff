/**
 * The systems an evaluation compares for each user: the non-personalized baseline, the
 * personalized output for every beta, and with RAG the retrieval-augmented prompt without and
 * with the bias. Each has a stable id (`baseline`, `bias@0.5`, `rag@2`, `rag@2+bias@0.5`) that
 * keys predictions for resuming, and a control: the system it is compared with.
 * @module
 */

/** The kind of a system. */
export type SystemKind = 'baseline' | 'personalized' | 'rag' | 'rag+bias';

/** One system of a run. */
export interface SystemSpec {
  /** Stable id, unique in a run. */
  id: string;
  kind: SystemKind;
  /** Bias strength, or null for the unbiased systems. */
  beta: number | null;
  /** Retrieved profile items, or null without RAG. */
  ragK: number | null;
  /** Human-readable name, e.g. `bias β=0.5`. */
  label: string;
  /**
   * The id of the system it is compared with: the baseline for personalized and RAG systems,
   * RAG (same prompt, no bias) for RAG+bias; null for the baseline itself.
   */
  control: string | null;
}

/** Formats a beta for ids and labels (shortest round-trip form, e.g. `0.5`, `-1`, `1e-7`). */
export function formatBeta(beta: number): string {
  return Object.is(beta, -0) ? '0' : String(beta);
}

/**
 * Lists the systems of a run in the order they are generated for each user.
 *
 * @param betas - bias strengths (at least one).
 * @param ragK - retrieved items, or null for no RAG systems.
 */
export function listSystems(betas: readonly number[], ragK: number | null): SystemSpec[] {
  const systems: SystemSpec[] = [{ id: 'baseline', kind: 'baseline', beta: null, ragK: null, label: 'baseline', control: null }];
  for (const beta of betas) {
    const b = formatBeta(beta);
    systems.push({ id: `bias@${b}`, kind: 'personalized', beta, ragK: null, label: `bias β=${b}`, control: 'baseline' });
  }
  if (ragK !== null) {
    const rag = `rag@${ragK}`;
    systems.push({ id: rag, kind: 'rag', beta: null, ragK, label: `RAG k=${ragK}`, control: 'baseline' });
    for (const beta of betas) {
      const b = formatBeta(beta);
      systems.push({ id: `${rag}+bias@${b}`, kind: 'rag+bias', beta, ragK, label: `RAG k=${ragK} + bias β=${b}`, control: rag });
    }
  }
  return systems;
}
