/**
 * Fuzzing the model loaders: mutated GGUF files (bit flips, truncations, huge declared sizes,
 * counts, types and offsets in the header, KV section and tensor infos, and well-formed files
 * whose metadata does not describe a usable model), derived from test/fixtures/models/stories260K.gguf
 * and from a tiny llama model the test writes itself, are loaded with `loadModel` and, when they
 * load, used (vocabulary, token embedding rows through the GGUF reader, generation with and
 * without personalization) in child processes. Every input must end in a JavaScript error or a
 * valid load: no signal, no abort, no hang. The inputs that once crashed are in regressions.ts.
 *
 * `PERSONA_GEN_FUZZ_SCALE=N` multiplies the random part of the corpus (default 1).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { storiesModel } from '../helpers/shared.js';
import type { FuzzJob } from './fuzz-child.js';
import { describeOutcome, runFuzzJobs } from './fuzz-runner.js';
import { parseGguf } from './gguf-file.js';
import { ggufCases } from './gguf-cases.js';
import { writeTinyLlama, type GgufCase } from './gguf-mutations.js';
import { GGUF_REGRESSIONS } from './regressions.js';

const storiesPath = storiesModel;
const hasStories = existsSync(storiesPath);
const scale = Number(process.env.PERSONA_GEN_FUZZ_SCALE ?? 1) || 1;
/** Extra environment of the children (the sanitizer run sets PERSONA_GEN_BINARY and LD_PRELOAD itself). */
const childEnv: NodeJS.ProcessEnv = {};
const perJobMs = Number(process.env.PERSONA_GEN_FUZZ_JOB_MS ?? 20_000);

function corpus(): GgufCase[] {
  const cases: GgufCase[] = [];
  const tiny = writeTinyLlama(1);
  cases.push(...ggufCases('tiny', parseGguf(tiny), tiny.length, 7, { bitflipsMeta: 30 * scale, bitflipsAll: 10 * scale, truncations: 20, fields: 40 * scale }, !hasStories));
  if (hasStories) {
    const stories = readFileSync(storiesPath);
    cases.push(
      ...ggufCases('stories', parseGguf(stories), stories.length, 1234, { bitflipsMeta: 120 * scale, bitflipsAll: 40 * scale, truncations: 40, fields: 120 * scale }, true),
    );
  }
  return cases;
}

describe('GGUF loader fuzzing', () => {
  if (!hasStories) console.warn(`[fuzz] ${storiesPath} is absent: fuzzing the test's own tiny model only`);

  it('every mutated GGUF file ends in a JavaScript error or a valid load (no signal, abort or hang)', { timeout: 600_000 }, async () => {
    const regressions = GGUF_REGRESSIONS.filter((c) => c.base === 'tiny' || hasStories);
    const cases = [...regressions, ...corpus()];
    const jobs: FuzzJob[] = cases.map((c) => ({ type: 'gguf', case: c }));
    const t0 = Date.now();
    const outcomes = await runFuzzJobs(jobs, { storiesPath: hasStories ? storiesPath : null, parallel: 2, perJobMs, env: childEnv });
    const bad = outcomes.filter((o) => o.status === 'crash' || o.status === 'hang');
    const loaded = outcomes.filter((o) => o.status === 'ok').length;
    const rejected = outcomes.filter((o) => o.status === 'error').length;
    console.log(`[fuzz] ${outcomes.length} GGUF inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${loaded} loaded, ${rejected} rejected with an Error, ${bad.length} crashed or hung`);
    if (process.env.PERSONA_GEN_FUZZ_VERBOSE) {
      for (const o of outcomes) {
        if (o.status === 'ok' || o.status === 'error') console.log(`${o.status} ${(o.job.case as GgufCase).id}: ${o.result.message ?? ''} ${(o.result.notes ?? []).join(' | ')}`);
      }
    }
    // The valid files must still load (the checks reject only what is broken).
    for (const o of outcomes.slice(regressions.length)) {
      const id = (o.job.case as GgufCase).id;
      if (id.endsWith('/rewrite/version 2') || id.endsWith('/rewrite/retype token_embd.weight to 1')) {
        expect(o.status, `${id} is a valid model`).toBe('ok');
      }
    }
    expect(bad.map(describeOutcome)).toEqual([]);
    if (hasStories) expect(outcomes.length).toBeGreaterThanOrEqual(500);
  });
});
