// Synthetic prediction records for the eval unit tests.
import type { PredictionRecord } from '../../../lib/eval/predictions.js';

/** A valid record for user `u` and system `s`. */
export function record(u: string, s: string, metrics: Partial<PredictionRecord['metrics']> = {}): PredictionRecord {
  return {
    userId: u,
    system: s,
    kind: s === 'baseline' ? 'baseline' : 'personalized',
    beta: s === 'baseline' ? null : 1,
    ragK: null,
    ragItems: null,
    prompt: 'p',
    chat: false,
    output: `out ${u} ${s}`,
    reference: 'ref',
    promptTokens: 5,
    outputTokens: 3,
    truncatedPromptTokens: 0,
    stopReason: 'maxTokens',
    metrics: { rouge1: 0.5, rouge2: 0, rougeL: 0.25, rougeLsum: 0.25, meteor: 0.1, ...metrics },
    profileItems: 2,
    profileExcerpt: 'x',
    timing: { tokensPerSecond: 100, promptTokensPerSecond: 1000, promptMs: 5, decodeMs: 30 },
  };
}

