/**
 * Where the tests find their data: test/fixtures/ in the repository (the tiny model, the metrics
 * fixture, Punkt's English parameters; origin, licence and sha256 in test/fixtures/README.md).
 * Every test takes these paths from here (one place), so a plain clone without ../shared runs
 * the whole suite.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** test/fixtures: the small third-party data the tests use, committed with them. */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
/** The real tiny model (stories260K, MIT, llama2.c tinyllamas). */
export const storiesModel = path.join(fixturesDir, 'models', 'stories260K.gguf');
/** Whether the tiny model is there (it is committed: false only in a broken checkout). */
export const hasStoriesModel = existsSync(storiesModel);
if (!hasStoriesModel) {
  console.warn(`[tests] ${storiesModel} is absent (a broken checkout?): the model tests are skipped`);
}
/** 400 (prediction, reference) pairs with rouge_score 0.1.2 and NLTK 3.10.3 METEOR reference scores. */
export const metricsFixture = path.join(fixturesDir, 'metrics-dev.jsonl');
/** An NLTK data folder holding tokenizers/punkt_tab/english (pass as --nltk-data or NLTK_DATA). */
export const nltkData = path.join(fixturesDir, 'nltk_data');
/** Punkt's English parameters inside {@link nltkData}. */
export const punktEnglish = path.join(nltkData, 'tokenizers', 'punkt_tab', 'english');
/** The greedy continuation of "Once upon a time" that llama.cpp's own CLI prints (test/fixtures/README.md). */
export const storiesGreedyReference =
  ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.';

/**
 * What loading stories260K with a default parallel of 16 and 256 cells per sequence says when
 * 1,000,000 bytes are available (lib/kv-memory.ts describeFit): 75% of them holds 4 streams of
 * 256 cells x 640 bytes, so 3 sequences and the spare stream.
 */
export const storiesFitNote =
  "parallel 16's KV cache (2.8 MB for 256 cells per sequence) would take more than 75% of the 1.0 MB of available memory: " +
  'decoding 3 sequences at once (655 kB); --parallel sets it';
