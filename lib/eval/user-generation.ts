/**
 * What generating one system for one user yields before scoring (a {@link UserGeneration}), its
 * check (a queue worker's answer is checked before the coordinator writes it), and the scored
 * `predictions.jsonl` line made from it.
 * @module
 */
import type { LongLampRecord } from '../data/records.js';
import { profileExcerpt } from './profile-excerpt.js';
import type { PredictionRecord, PredictionTiming } from './predictions.js';
import type { RunScorer } from './scoring.js';
import type { SystemSpec } from './systems.js';

/** One system's generation for one user, unscored. */
export interface UserGeneration {
  /** The system id. */
  system: string;
  /** The prompt text the model saw (before the chat template; after truncation). */
  prompt: string;
  /** Indices of the profile items a RAG prompt used, else null. */
  ragItems: number[] | null;
  output: string;
  promptTokens: number;
  outputTokens: number;
  truncatedPromptTokens: number;
  stopReason: string;
  timing: PredictionTiming;
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * Checks that `value` is a {@link UserGeneration} of one of `systemIds`.
 *
 * @returns the reason when it is not, else null.
 */
export function checkUserGeneration(value: unknown, systemIds: ReadonlySet<string>): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected an object';
  const g = value as Record<string, unknown>;
  if (typeof g.system !== 'string' || !systemIds.has(g.system)) return `"system" ${JSON.stringify(g.system)} is not a system of the run`;
  for (const f of ['prompt', 'output', 'stopReason'] as const) if (typeof g[f] !== 'string') return `"${f}" must be a string`;
  for (const f of ['promptTokens', 'outputTokens', 'truncatedPromptTokens'] as const) if (!isCount(g[f])) return `"${f}" must be a count`;
  if (g.ragItems !== null && !(Array.isArray(g.ragItems) && g.ragItems.every(isCount))) return '"ragItems" must be null or a list of indices';
  const t = g.timing as Record<string, unknown> | null;
  if (t === null || typeof t !== 'object') return '"timing" must be an object';
  for (const f of ['tokensPerSecond', 'promptTokensPerSecond', 'promptMs', 'decodeMs'] as const) {
    if (typeof t[f] !== 'number' || !Number.isFinite(t[f])) return `"timing.${f}" must be a finite number`;
  }
  return null;
}

/** Scores a generation against the user's gold output and makes its `predictions.jsonl` line. */
export function buildPrediction(record: LongLampRecord, system: SystemSpec, gen: UserGeneration, scorer: RunScorer, chat: boolean): PredictionRecord {
  return {
    userId: record.userId,
    system: system.id,
    kind: system.kind,
    beta: system.beta,
    ragK: system.ragK,
    ragItems: gen.ragItems,
    prompt: gen.prompt,
    chat,
    output: gen.output,
    reference: record.output,
    promptTokens: gen.promptTokens,
    outputTokens: gen.outputTokens,
    truncatedPromptTokens: gen.truncatedPromptTokens,
    stopReason: gen.stopReason,
    metrics: scorer.score(gen.output, record.output),
    profileItems: record.profile.length,
    profileExcerpt: profileExcerpt(record),
    timing: gen.timing,
  };
}
