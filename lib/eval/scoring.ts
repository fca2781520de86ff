/**
 * Per-example scoring of a run: ROUGE-1/2/L/Lsum F-measures without stemming (rouge_score
 * 0.1.2, as the LongLaMP scripts) and NLTK METEOR, with the Punkt parameters located once so
 * that `config.json` can say which ones were used.
 * @module
 */
import { createMeteorScorer } from '../metrics/meteor.js';
import { describePunktTabLocation, resolvePunktParameters } from '../metrics/nltk-data.js';
import { createExampleScorer } from '../metrics/score-file.js';
import type { PredictionMetrics } from './predictions.js';

/** A loaded scorer. */
export interface RunScorer {
  /** Scores a prediction against the gold output. */
  score(prediction: string, reference: string): PredictionMetrics;
  /** Where METEOR's Punkt parameters came from (for `config.json`). */
  punkt: string;
}

/**
 * Loads WordNet and the Punkt parameters (from `nltkData`, then NLTK's search path; without
 * them METEOR uses an empty Punkt model and a one-time warning goes to stderr).
 */
export async function createRunScorer(nltkData: string | null): Promise<RunScorer> {
  const found = await resolvePunktParameters(nltkData === null ? {} : { nltkData });
  const meteor = await createMeteorScorer({ punktParameters: found.params });
  const scoreExample = await createExampleScorer({ stem: false, meteor });
  return {
    punkt:
      found.location === undefined
        ? "not found (searched --nltk-data, NLTK_DATA and NLTK's default folders): an empty Punkt model, so METEOR may differ slightly from NLTK's"
        : `punkt_tab english at ${describePunktTabLocation(found.location)}`,
    score(prediction, reference) {
      const s = scoreExample({ id: '', prediction, reference });
      return { rouge1: s.rouge1, rouge2: s.rouge2, rougeL: s.rougeL, rougeLsum: s.rougeLsum, meteor: s.meteor ?? 0 };
    },
  };
}
