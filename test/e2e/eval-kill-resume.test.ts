/**
 * Results are never lost: `persona-gen eval` (the built CLI, dist/cli.js) is killed with SIGKILL
 * at random moments, at least 20 times in one run (during start-up, model loading, user vectors,
 * generation and the writing of predictions), and resumed each time. At every kill the run's
 * `predictions.jsonl` holds only complete, valid lines, except at most one incomplete last line,
 * and every line that was complete at an earlier kill is still there, unchanged. The finished run
 * has exactly the predictions (and metrics) of an uninterrupted run, timings aside.
 *
 * Needs test/fixtures/models/stories260K.gguf and a built CLI (`npx tsc -p tsconfig.build.json`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { prng } from '../fuzz/gguf-mutations.js';
import { nltkData, repoRoot, storiesModel } from '../helpers/shared.js';
import { byPair } from './eval-fixture.js';

type PairLine = { userId: string; system: string };

const cli = path.join(repoRoot, 'dist', 'cli.js');
const model = storiesModel;
const canRun = existsSync(model) && existsSync(cli);
if (!canRun) console.warn(`[tests] ${existsSync(model) ? cli : model} is absent: the eval kill/resume test is skipped`);

const MIN_KILLS = 20;
const USERS = 12;

/** A LongLaMP-4 (topic writing) JSONL fixture of simple story words, deterministic. */
function writeFixture(file: string): void {
  const rand = prng(2024);
  const words = 'the little girl boy dog cat ball park tree sun happy sad big red blue played ran jumped saw found loved wanted mom friend day home toy bird flower water sky'.split(' ');
  const sentence = (n: number): string => {
    const w = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!);
    return `${w.join(' ')[0]!.toUpperCase()}${w.join(' ').slice(1)}.`;
  };
  const rows = Array.from({ length: USERS }, (_, u) => ({
    author: `user-${String(u).padStart(2, '0')}`,
    input: `Generate the content for a reddit post ${sentence(5)}`,
    output: [sentence(8), sentence(8), sentence(6)].join(' '),
    profile: Array.from({ length: 3 }, (_, k) => ({ author: `user-${u}`, content: [sentence(7), sentence(7)].join(' '), id: `p${u}-${k}`, summary: sentence(4) })),
  }));
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
  /** When the first new prediction line appeared (ms after start), if one did. */
  firstLineMs: number | null;
}

/** Runs the CLI; kills it with SIGKILL after `killAfterMs` when given. */
function runCli(args: string[], predictions: string, killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const linesAtStart = existsSync(predictions) ? readFileSync(predictions, 'utf8').split('\n').length : 0;
    const child = spawn(process.execPath, [cli, ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let firstLineMs: number | null = null;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-8000);
    });
    const poll = setInterval(() => {
      if (firstLineMs === null && existsSync(predictions) && readFileSync(predictions, 'utf8').split('\n').length > linesAtStart) firstLineMs = Date.now() - t0;
    }, 10);
    const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code, signal, stderr, ms: Date.now() - t0, firstLineMs });
    });
  });
}

/** Drops what legitimately differs between identical runs: timings, the finish time, the folder name. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (['timing', 'speed', 'finishedAt', 'run', 'dir'].includes(k)) continue;
      out[k] = withoutTimings(v);
    }
    return out;
  }
  return value;
}

/** The state of a predictions file after a kill: complete lines, and the bytes of a torn last line. */
function inspectPredictions(file: string): { lines: string[]; torn: string } {
  if (!existsSync(file)) return { lines: [], torn: '' };
  const text = readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n').slice(0, -1);
  for (const [i, line] of lines.entries()) {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${i + 1} is a complete line that is not JSON: ${line.slice(0, 120)}`);
    }
    expect(typeof rec.userId === 'string' && typeof rec.system === 'string' && typeof rec.output === 'string', `${file}:${i + 1}`).toBe(true);
  }
  return { lines, torn: text.slice(end) };
}

describe.skipIf(!canRun)('eval killed with SIGKILL at random moments and resumed', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pg-kill-resume-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`loses no result: ${MIN_KILLS}+ kills, then exactly the predictions of an uninterrupted run`, { timeout: 900_000 }, async () => {
    const fixture = path.join(root, 'topics.jsonl');
    writeFixture(fixture);
    const base = [
      'eval',
      '--model', model,
      '--space', 'native',
      '--data', fixture,
      '--task', 'LongLaMP-4',
      '--num-users', String(USERS),
      '--betas', '0,2',
      '--rag-k', '1',
      '--max-tokens', '16',
      '--threads', '1',
      // One sequence at a time: with more, which users share a decode step depends on timing, and
      // llama.cpp rounds batched steps differently (README, "The batch engine and concurrency"), so
      // a resumed run's greedy text could differ from the uninterrupted one's at a near-tie.
      '--parallel', '1',
      '--progress', 'none',
      '--nltk-data', nltkData,
    ];

    // The uninterrupted run, timed: start-up until the first prediction, then time per prediction.
    const refDir = path.join(root, 'reference');
    const ref = await runCli([...base, '--out', refDir], path.join(refDir, 'predictions.jsonl'));
    expect(ref.code, ref.stderr).toBe(0);
    const refLines = inspectPredictions(path.join(refDir, 'predictions.jsonl')).lines;
    const pairs = refLines.length;
    expect(pairs).toBe(USERS * 6);
    const startup = ref.firstLineMs ?? 1000;
    const perPair = Math.max(5, (ref.ms - startup) / pairs);
    console.log(`[kill-resume] uninterrupted: ${pairs} predictions in ${ref.ms} ms (first after ${startup} ms, then ${perPair.toFixed(0)} ms each)`);

    const rand = prng(7);
    let kills = 0;
    let invocations = 0;
    let completedRuns = 0;
    const killPhases = { beforeFirstLine: 0, afterFirstLine: 0 };
    // Start-up of a resumed run (config, hashes, model, user vectors) is longer than a new one's:
    // the kill window follows the start-ups observed so far.
    const startups: number[] = [startup];
    const typicalStartup = (): number => [...startups].sort((x, y) => x - y)[Math.floor(startups.length / 2)]!;
    while (kills < MIN_KILLS || completedRuns === 0) {
      const dir = path.join(root, `killed-${completedRuns}`);
      const predictions = path.join(dir, 'predictions.jsonl');
      let seen: string[] = []; // complete lines at the previous kill, which must survive
      for (;;) {
        // Kill at a random moment: 30% during start-up (config, lock, model, user vectors), the rest
        // within the next 16 predictions' time, so each attempt makes a little progress at most.
        const s0 = typicalStartup();
        const killAfter = kills >= MIN_KILLS ? undefined : Math.floor(rand() < 0.3 ? rand() * s0 : s0 + rand() * 16 * perPair);
        const resume = existsSync(path.join(dir, 'config.json')) ? ['--resume', dir] : [];
        const exit = await runCli([...base, '--out', dir, ...resume], predictions, killAfter);
        invocations++;
        if (exit.firstLineMs !== null) startups.push(exit.firstLineMs);
        if (exit.signal === 'SIGKILL') {
          kills++;
          if (exit.firstLineMs === null) killPhases.beforeFirstLine++;
          else killPhases.afterFirstLine++;
          const state = inspectPredictions(predictions);
          expect(state.torn.includes('\n')).toBe(false); // at most one incomplete line, the last
          expect(state.lines.slice(0, seen.length), 'lines complete at an earlier kill are kept, unchanged').toEqual(seen);
          seen = state.lines;
          continue;
        }
        expect(exit.code, `exit ${exit.code} ${exit.signal}: ${exit.stderr}`).toBe(0);
        break;
      }
      completedRuns++;
      const final = inspectPredictions(predictions);
      expect(final.torn).toBe('');
      expect(final.lines.slice(0, seen.length)).toEqual(seen);
      // With --parallel above 1 each line is appended as it finishes: the runs are compared order aside.
      const got = byPair(final.lines.map((l) => JSON.parse(l) as PairLine)).map(withoutTimings);
      const want = byPair(refLines.map((l) => JSON.parse(l) as PairLine)).map(withoutTimings);
      expect(got).toEqual(want);
      const metrics = withoutTimings(JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')));
      expect(metrics).toEqual(withoutTimings(JSON.parse(readFileSync(path.join(refDir, 'metrics.json'), 'utf8'))));
      expect(existsSync(path.join(dir, '.lock'))).toBe(false);
    }
    console.log(
      `[kill-resume] ${kills} SIGKILLs (${killPhases.beforeFirstLine} before the attempt's first new prediction, ${killPhases.afterFirstLine} after) over ` +
        `${invocations} invocations and ${completedRuns} completed run(s): predictions and metrics equal the uninterrupted run's`,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
  });
});
