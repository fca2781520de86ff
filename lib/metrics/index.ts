/**
 * Public metrics API: NLTK's Porter stemmer, rouge_score-exact ROUGE, NLTK METEOR, corpus
 * statistics (bootstrap CIs, paired comparison) and JSONL file scoring.
 *
 * @module
 */

export { porterStem } from './porter.js';
export { rougeTokenize, createRougeTokenizer } from './rouge-tokenize.js';
export type { RougeTokenizer, RougeTokenizerOptions } from './rouge-tokenize.js';
export {
  createRougeScorer,
  rouge,
  rougeFmeasure,
  scoreNgrams,
  scoreLcs,
  scoreSummaryLevelLcs,
  splitRougeSentences,
  lcsLength,
  lcsLengthIds,
  DEFAULT_ROUGE_TYPES,
} from './rouge.js';
export type { RougeType, RougeScore, RougeScorer, RougeScorerOptions } from './rouge.js';
export {
  mean,
  quantileSorted,
  createPrng,
  bootstrapCI,
  bootstrapSummary,
  pairedComparison,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  DEFAULT_CONFIDENCE,
} from './stats.js';
export type { Prng, ResampleOptions, MeanCI, PairedComparison } from './stats.js';
export {
  SCORE_METRICS,
  ScoreFileError,
  parseScoreLine,
  readScoreRows,
  readScoreFile,
  createExampleScorer,
  scoreFile,
  summarizeScores,
} from './score-file.js';
export type {
  ScoreMetric,
  ScoreInputRow,
  SkippedLine,
  ExampleScores,
  MeteorPairScorer,
  ReadScoreRowsOptions,
  ScoreOptions,
  ScoreSummary,
  ScoreFileResult,
} from './score-file.js';
export * from './meteor.js';
