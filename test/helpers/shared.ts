// Where the tests find ../shared (read-only data beside the repository) and the tiny model.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared beside the repository. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
/** The real tiny model (stories260K). */
export const storiesModel = path.join(sharedDir, 'models', 'stories260K.gguf');
/** Whether the tiny model is there; tests that need it skip with a message when it is not. */
export const hasStoriesModel = existsSync(storiesModel);
if (!hasStoriesModel) {
  console.warn(`[tests] ${storiesModel} is absent: the model tests are skipped`);
}
/** The greedy continuation of "Once upon a time" that llama.cpp's own CLI prints (../shared/README.md). */
export const storiesGreedyReference =
  ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.';
