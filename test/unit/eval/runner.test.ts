// The runner in-process on the tiny real model: a run, an interrupted run resumed to the same
// files, option checks on resume, and the HTML report of a run.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { checkResumeOptions } from '../../../lib/commands/eval.js';
import { readPredictions, type PredictionRecord } from '../../../lib/eval/predictions.js';
import { runEval, type RunEvalResult } from '../../../lib/eval/runner.js';
import { resolveEvalSettings, type EvalSettings } from '../../../lib/eval/settings.js';
import { loadRun } from '../../../lib/report/load-run.js';
import { renderReport } from '../../../lib/report/html.js';
import { byPair, FIXTURE_USERS, nltkData, testCacheDir, tinyModel, writeFixture } from '../../e2e/eval-fixture.js';

const hasModel = existsSync(tinyModel);
if (!hasModel) console.warn(`[tests] ${tinyModel} is absent: the eval runner tests are skipped`);

const stripTiming = (r: PredictionRecord) => ({ ...r, timing: null });

describe.skipIf(!hasModel)('runEval on stories260K', () => {
  let root: string;
  let settings: EvalSettings;
  let full: RunEvalResult;
  const quiet = { stderr: { write: () => true } };

  beforeAll(async () => {
    process.env.PERSONA_GEN_CACHE = testCacheDir; // model hashes go to a test folder, not the user's cache
    root = mkdtempSync(path.join(tmpdir(), 'pg-runner-'));
    const data = writeFixture(root);
    settings = resolveEvalSettings(
      { model: tinyModel, space: 'native', data, maxTokens: 16, threads: 2, contextSize: 256, nltkData, betas: [0, 1.5], ragK: 1 },
      { threads: 2 },
    );
    full = await runEval({ mode: 'new', dir: path.join(root, 'full'), settings }, { io: quiet, progress: 'none' });
  });

  it('generates every (user, system) pair and writes metrics.json', () => {
    expect(full.status).toBe('complete');
    expect(full.done).toBe(18);
    expect(full.config.users).toEqual([...FIXTURE_USERS]);
    const recs = readPredictions(path.join(full.dir, 'predictions.jsonl')).records;
    expect(recs.map((r) => `${r.userId}|${r.system}`).sort()).toEqual(
      FIXTURE_USERS.flatMap((u) => ['baseline', 'bias@0', 'bias@1.5', 'rag@1', 'rag@1+bias@0', 'rag@1+bias@1.5'].map((s) => `${u}|${s}`)).sort(),
    );
    for (const u of FIXTURE_USERS) {
      const of = (s: string) => recs.find((r) => r.userId === u && r.system === s)!;
      expect(of('bias@0').output).toBe(of('baseline').output);
      expect(of('rag@1+bias@0').output).toBe(of('rag@1').output);
      expect(of('rag@1').ragItems).toHaveLength(1);
    }
    expect(JSON.parse(readFileSync(path.join(full.dir, 'metrics.json'), 'utf8')).systems).toHaveLength(6);
  });

  it('an interrupted run resumes to the same predictions and metrics', async () => {
    const dir = path.join(root, 'interrupted');
    const controller = new AbortController();
    let lines = 0;
    const io = {
      stderr: {
        write: (s: string) => {
          if (/^\[\s*\d+\/18\]/.test(s) && ++lines === 4) controller.abort(new Error('test stop'));
          return true;
        },
      },
    };
    // Two in flight at a time, so that the abort after the 4th line always lands before the 18th
    // generation ends: with the default parallel every request is submitted at once, and on this
    // tiny model a loaded machine could finish them all before the abort reached them.
    const first = await runEval({ mode: 'new', dir, settings: { ...settings, parallel: 2 } }, { io, signal: controller.signal, progress: 'lines' });
    expect(first.status).toBe('interrupted');
    // Generations that finish while the abort is on its way are written too (never lost).
    expect(first.done).toBeGreaterThanOrEqual(4);
    expect(first.done).toBeLessThan(18);
    expect(existsSync(path.join(dir, 'metrics.json'))).toBe(false);
    expect(readPredictions(path.join(dir, 'predictions.jsonl')).records).toHaveLength(first.done);

    const second = await runEval({ mode: 'resume', dir }, { io: quiet, progress: 'none' });
    expect(second.status).toBe('complete');
    expect(second.generated).toBe(18 - first.done);
    const a = byPair(readPredictions(path.join(full.dir, 'predictions.jsonl')).records).map(stripTiming);
    const b = byPair(readPredictions(path.join(dir, 'predictions.jsonl')).records).map(stripTiming);
    expect(b).toEqual(a);
    const strip = (m: Record<string, unknown>) => ({
      ...m,
      run: null,
      finishedAt: null,
      systems: (m.systems as Record<string, unknown>[]).map((s) => ({ ...s, speed: null })),
    });
    expect(strip(second.metrics as never)).toEqual(strip(full.metrics as never));
  });

  it('--parallel 4 gives the predictions of --parallel 1 (greedy), appended as they finish; parallel is in config.json', async () => {
    const serial = await runEval({ mode: 'new', dir: path.join(root, 'p1'), settings: { ...settings, parallel: 1 } }, { io: quiet, progress: 'none' });
    const wide = await runEval({ mode: 'new', dir: path.join(root, 'p4'), settings: { ...settings, parallel: 4 } }, { io: quiet, progress: 'none' });
    expect(serial.config.options.parallel).toBe(1);
    expect(wide.config.options.parallel).toBe(4);
    const one = readPredictions(path.join(serial.dir, 'predictions.jsonl')).records;
    // --parallel 1 keeps the run order: users in order, systems in order
    expect(one.map((r) => `${r.userId}|${r.system}`)).toEqual(
      FIXTURE_USERS.flatMap((u) => ['baseline', 'bias@0', 'bias@1.5', 'rag@1', 'rag@1+bias@0', 'rag@1+bias@1.5'].map((s) => `${u}|${s}`)),
    );
    const four = readPredictions(path.join(wide.dir, 'predictions.jsonl')).records;
    expect(byPair(four).map(stripTiming)).toEqual(byPair(one).map(stripTiming));
    expect(byPair(one).map(stripTiming)).toEqual(byPair(readPredictions(path.join(full.dir, 'predictions.jsonl')).records).map(stripTiming));
  });

  it('refuses a new run in a folder that holds one', async () => {
    await expect(runEval({ mode: 'new', dir: full.dir, settings }, { io: quiet })).rejects.toThrow(`--out: ${full.dir} already holds a run; continue it with --resume`);
  });

  it('on resume, options that differ from the run are errors naming them; threads may change', () => {
    expect(() => checkResumeOptions({ maxTokens: 32 }, settings, 'D')).toThrow('--max-tokens: is 32, but the run in D was started with 16');
    expect(() => checkResumeOptions({ beta: 2 }, settings, 'D')).toThrow('--beta: is [2], but the run in D was started with [0,1.5]');
    expect(() => checkResumeOptions({ maxTokens: 16, threads: 1, parallel: 3, betas: '0,1.5' }, settings, 'D')).not.toThrow();
  });

  it('renders a self-contained report', () => {
    const html = renderReport([loadRun(full.dir)], { generatedAt: new Date(0) });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/|<link|<img|@import|url\(/i);
    expect(html.match(/data-chart="metric-vs-beta"/g)).toHaveLength(3);
    expect(html.match(/data-chart="differences"/g)).toHaveLength(2);
    expect(html).toContain('data-chart="speed"');
    expect(html).toContain('bias β=1.5 against baseline');
    for (const u of FIXTURE_USERS) expect(html).toContain(u);
  });
});
