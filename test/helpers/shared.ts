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
