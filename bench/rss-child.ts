/**
 * Child process of the memory benchmark (run with `--expose-gc`): loads a model, builds a
 * V x d vocabulary matrix, resets the kernel's peak-RSS mark (Linux `/proc/self/clear_refs`),
 * runs one personalized generation and reads the peak; then runs `calls` more generations
 * and samples the resident set after each (after a garbage collection). Prints one JSON line.
 *
 * Usage: `node --expose-gc build-bench/rss-child.js '<json settings>'`.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadModel } from '../dist/model.js';
import { VocabMatrix } from '../dist/vocab-matrix.js';
import { benchPrompt } from './generation-bench.js';
import { randomVector } from './stats.js';

/** What the parent passes. */
export interface RssChildSettings {
  model: string;
  threads: number;
  contextSize: number;
  promptTokens: number;
  genTokens: number;
  matrixDims: number;
  calls: number;
}

/** What the child prints. */
export interface RssChildReport {
  /** Resident set (bytes) after loading the model and building the matrix, before generating. */
  rssBeforeBytes: number;
  /** Peak resident set (bytes) during the first personalized generation (VmHWM after a reset); null where it cannot be reset. */
  peakDuringGenerationBytes: number | null;
  /** Peak resident set of the process before generating (bytes): model load and matrix build. */
  processPeakBytes: number;
  /** Resident set after each of the `calls` generations (bytes), after a GC. */
  rssAfterCallBytes: number[];
  matrixBytes: number;
  weightBytes: number;
}

function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${field}`);
  return Number(m[1]) * 1024;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run the memory child with --expose-gc');
  g();
  g();
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '') as RssChildSettings;
  const model = await loadModel(s.model, { threads: s.threads, contextSize: s.contextSize });
  const V = model.vocabSize;
  const matrix = await VocabMatrix.fromArray(randomVector(V * s.matrixDims, 11), V, s.matrixDims);
  const user = randomVector(s.matrixDims, 13);
  const prompt = benchPrompt(model, s.promptTokens);
  const options = { maxTokens: s.genTokens, personalization: { matrix, user, beta: 2, guardTopK: 20 } };
  gc();
  const rssBefore = status('VmRSS');
  const processPeak = status('VmHWM'); // before the reset below
  let peak: number | null = null;
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
    await model.generate(prompt, options);
    peak = status('VmHWM');
  } catch {
    await model.generate(prompt, options);
  }
  const after: number[] = [];
  for (let i = 0; i < s.calls; i++) {
    await model.generate(prompt, options);
    gc();
    after.push(status('VmRSS'));
  }
  const report: RssChildReport = {
    rssBeforeBytes: rssBefore,
    peakDuringGenerationBytes: peak,
    processPeakBytes: processPeak,
    rssAfterCallBytes: after,
    matrixBytes: matrix.byteSize,
    weightBytes: model.info.sizeBytes,
  };
  matrix.dispose();
  model.dispose();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`rss-child: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
