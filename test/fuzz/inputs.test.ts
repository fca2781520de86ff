/**
 * Fuzzing the other loaders, each input in a child process with a time bound: vocabulary
 * matrices (`VocabMatrix.fromArray`, then dots and personalized generation), user vectors and
 * profile texts (the personalization options of `generate`, `userVectorFromItems`, the native
 * space), LongLaMP dataset files (JSONL, JSON and parquet: bit flips, truncations, a parquet
 * footer declaring a huge length, hostile JSON) and the on-disk caches (the vocabulary-matrix
 * cache `PGVOCAB1` and the embedding cache `PGEMBED1`: bit flips, truncations, huge header
 * fields). Every input must end in a JavaScript error or a valid load: no signal, no abort, no
 * hang. Matrix, user and cache inputs use test/fixtures/models/stories260K.gguf, or the test's own
 * tiny model when it is absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { storiesModel } from '../helpers/shared.js';
import type { FuzzJob } from './fuzz-child.js';
import { describeOutcome, runFuzzJobs, type FuzzOutcome } from './fuzz-runner.js';
import { cacheCases, datasetCases, matrixCases, userCases } from './input-mutations.js';

const storiesPath = storiesModel;
const hasStories = existsSync(storiesPath);
const perJobMs = Number(process.env.PERSONA_GEN_FUZZ_JOB_MS ?? 30_000);

function summary(name: string, outcomes: FuzzOutcome[]): string {
  const ok = outcomes.filter((o) => o.status === 'ok').length;
  const err = outcomes.filter((o) => o.status === 'error').length;
  return `[fuzz] ${name}: ${outcomes.length} inputs, ${ok} loaded, ${err} rejected with an Error`;
}

function notesOf(outcomes: FuzzOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.status === 'ok' || o.status === 'error' ? (o.result.notes ?? []).map((n) => `${(o.job.case as { id: string }).id}: ${n}`) : []));
}

function idOf(o: FuzzOutcome): string {
  return (o.job.case as { id: string }).id;
}

describe('input fuzzing (matrices, user vectors, datasets, caches)', () => {
  if (!hasStories) console.warn(`[fuzz] ${storiesPath} is absent: matrices, user vectors and caches use the test's own tiny model`);

  it('every mutated input ends in a JavaScript error or a valid load (no signal, abort or hang)', { timeout: 600_000 }, async () => {
    const jobs: FuzzJob[] = [
      ...matrixCases(11).map((c): FuzzJob => ({ type: 'matrix', case: c })),
      ...userCases(12).map((c): FuzzJob => ({ type: 'user', case: c })),
      ...datasetCases(13, { bitflips: 40, truncations: 15 }).map((c): FuzzJob => ({ type: 'dataset', case: c })),
      ...cacheCases(14, 30).map((c): FuzzJob => ({ type: 'cache', case: c })),
    ];
    const t0 = Date.now();
    const outcomes = await runFuzzJobs(jobs, { storiesPath: hasStories ? storiesPath : null, parallel: 2, perJobMs, nodeArgs: ['--max-old-space-size=2048'] });
    const byType = (t: FuzzJob['type']): FuzzOutcome[] => outcomes.filter((o) => o.job.type === t);
    for (const t of ['matrix', 'user', 'dataset', 'cache'] as const) console.log(summary(t, byType(t)));
    console.log(`[fuzz] ${outcomes.length} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (process.env.PERSONA_GEN_FUZZ_VERBOSE) {
      for (const o of outcomes) console.log(o.status === 'ok' || o.status === 'error' ? `${o.status} ${idOf(o)}: ${o.result.message ?? ''} ${(o.result.notes ?? []).join(' | ')}` : describeOutcome(o));
    }
    const bad = outcomes.filter((o) => o.status === 'crash' || o.status === 'hang').map(describeOutcome);
    expect(bad).toEqual([]);
    // Only Error objects are thrown (no strings, no undefined).
    expect(notesOf(outcomes).filter((n) => n.includes('non-Error'))).toEqual([]);

    // What must load, loads; what must be rejected, is.
    const status = new Map(outcomes.map((o) => [idOf(o), o.status]));
    expect(status.get('matrix/valid')).toBe('ok');
    expect(status.get('matrix/valid f16 centered')).toBe('ok');
    expect(status.get('user/valid')).toBe('ok');
    for (const id of ['matrix/value NaN', 'matrix/value Infinity', 'matrix/length -1', 'matrix/shape 0x64', 'user/value NaN', 'user/length 1', 'user/beta NaN', 'user/beta Infinity']) {
      expect(status.get(id), id).toBe('error');
    }
    // A corrupt embedding cache is rebuilt or refused, never read with non-finite values. (A vocabulary
    // cache of another shape is accepted today: see test/unit/reliability/known-holes.test.ts.)
    expect(notesOf(byType('cache')).filter((n) => /NON-FINITE VECTOR/.test(n))).toEqual([]);
    for (const n of notesOf(byType('cache')).filter((x) => /ACCEPTED A CACHE/.test(x))) console.log(`[fuzz] known hole: ${n}`);
  });
});
