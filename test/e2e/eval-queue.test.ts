/**
 * `persona-gen eval --queue` and `persona-gen worker` (the built CLI) against a REAL redis-server
 * (Debian's binary on a free loopback port, its own folder, AOF on): the same numbers as a
 * single-machine run over 2 and 3 workers; 10+ worker SIGKILLs at random moments and 2
 * coordinator kills with --resume in one run, every user written exactly once; a Redis restart
 * during a run; hostile job payloads failing with clear errors while the worker lives on and
 * writes nothing outside its cache; a worker with other weights refusing its jobs.
 *
 * Needs ../shared/models/stories260K.gguf, a built CLI and redis-server (each absence skips, naming it).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Queue, QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { EVAL_QUEUE_NAME, JOB_SCHEMA, jobIdOf, RUN_SPEC_SCHEMA, runSpecKey } from '../../lib/eval/queue/payload.js';
import { readPredictions, type PredictionRecord } from '../../lib/eval/predictions.js';
import { redisServerBinary, startRedis, type PrivateRedis } from '../../bench/redis-server.js';
import { canRunE2e, nltkData, runCli, startCli, tinyModel, writeManyUsersFixture, type CliResult } from './eval-fixture.js';

if (!redisServerBinary) console.warn('[tests] redis-server is absent (apt-get install redis-server): the eval queue tests are skipped');

const USERS = 24;
const SYSTEMS = 6; // baseline, bias@0, bias@2, rag@1, rag@1+bias@0, rag@1+bias@2

type Child = ReturnType<typeof startCli>;

function runArgs(fixture: string, users = USERS): string[] {
  return [
    'eval',
    '--model', tinyModel,
    '--space', 'native',
    '--data', fixture,
    '--num-users', String(users),
    '--betas', '0,2',
    '--rag-k', '1',
    '--max-tokens', '24',
    '--context-size', '256',
    '--threads', '1',
    '--nltk-data', nltkData,
    '--progress', 'lines',
  ];
}

/** Predictions in a fixed order, timings dropped (what must equal between runs). */
function comparable(dir: string): unknown[] {
  const recs = readPredictions(path.join(dir, 'predictions.jsonl')).records;
  return recs
    .map((r: PredictionRecord) => ({ ...r, timing: null }))
    .sort((a, b) => `${a.userId}\u0000${a.system}`.localeCompare(`${b.userId}\u0000${b.system}`));
}

function comparableMetrics(dir: string): unknown {
  const m = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
  return { ...m, run: null, finishedAt: null, systems: (m.systems as Record<string, unknown>[]).map((s) => ({ ...s, speed: null })) };
}

describe.skipIf(!canRunE2e || !redisServerBinary)('eval --queue with workers, against a real redis-server', () => {
  let redis: PrivateRedis;
  let root: string;
  let fixture: string;
  let refDir: string;
  let cache: string;
  const workers: Child[] = [];

  // Each test uses its own Redis database, so that nothing one leaves behind reaches another.
  let url = '';
  const useDb = (db: number): void => {
    url = `redis://127.0.0.1:${redis.port}/${db}`;
  };
  const startWorker = (opts: { modelDir?: string; cwd?: string; lockMs?: number } = {}): Child => {
    const cwd = opts.cwd ?? mkdtempSync(path.join(root, 'worker-cwd-'));
    const w = startCli(
      ['worker', '--queue', url, '--threads', '1', '--parallel', '4', '--model-dir', opts.modelDir ?? path.dirname(tinyModel), '--lock-ms', String(opts.lockMs ?? 10_000)],
      { cwd, env: { PERSONA_GEN_CACHE: cache } },
    );
    workers.push(w);
    return w;
  };
  const stopWorkers = async (): Promise<CliResult[]> => {
    const running = workers.splice(0);
    for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    return Promise.all(running.map((w) => w.done));
  };

  beforeAll(async () => {
    // The CLIs below (reference, workers) load stories260K with flash attention on: its 8-wide
    // attention heads make llama.cpp's attention without it round differently with what shares
    // a decode step, enough to flip a late near-tie between the parallel-1 reference and the
    // parallel-4 workers (see README, "Exactness"); with it, and these short contexts, they
    // compute every sequence alike, and the comparison below stays exact.
    process.env.PERSONA_GEN_FLASH_ATTENTION = '1';
    redis = await startRedis();
    root = mkdtempSync(path.join(os.tmpdir(), 'pg-queue-'));
    cache = path.join(root, 'cache');
    fixture = writeManyUsersFixture(root, USERS);
    refDir = path.join(root, 'reference');
    const ref = await runCli([...runArgs(fixture), '--parallel', '1', '--out', refDir], { cwd: root });
    expect(ref.code, ref.stderr).toBe(0);
  }, 300_000);

  afterEach(async () => {
    // after a failure: nothing of this test may outlive it
    const left = workers.splice(0);
    for (const w of left) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(left.map((w) => w.done));
  });

  afterAll(async () => {
    delete process.env.PERSONA_GEN_FLASH_ATTENTION;
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('2 workers give the predictions (order aside) and metrics.json of a single-machine run; SIGTERM stops a worker cleanly', { timeout: 300_000 }, async () => {
    useDb(1);
    startWorker();
    startWorker();
    const dir = path.join(root, 'two-workers');
    const run = await runCli([...runArgs(fixture), '--out', dir, '--queue', url], { cwd: root });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[users 24\/24\] .* by .*: 6 systems, .* \| workers \d+ live, \d+ seen \| \d+ users\/h \| ETA/);
    expect(run.stderr).not.toMatch(/password/i);
    expect(comparable(dir)).toEqual(comparable(refDir));
    expect(comparableMetrics(dir)).toEqual(comparableMetrics(refDir));
    const stopped = await stopWorkers();
    for (const s of stopped) expect(s.code, s.stderr).toBe(0);
    expect(stopped[0]!.stderr).toMatch(/SIGTERM: finishing the current job/);
  });

  it('10+ worker SIGKILLs at random moments and 2 coordinator kills with --resume: every user written exactly once', { timeout: 600_000 }, async () => {
    const dir = path.join(root, 'chaos');
    const predictions = path.join(dir, 'predictions.jsonl');
    useDb(2);
    const chaosWorker = (): Child => startWorker({ lockMs: 1500 }); // a killed worker's job is redone after ~1.5-3 s
    for (let i = 0; i < 3; i++) chaosWorker();
    let seed = 11;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const writtenUsers = (): number => {
      if (!existsSync(predictions)) return 0;
      const text = readFileSync(predictions, 'utf8');
      return new Set(text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { userId: string }).userId)).size;
    };
    let coordinator = startCli([...runArgs(fixture), '--out', dir, '--queue', url], { cwd: root });
    let workerKills = 0;
    let coordinatorKills = 0;
    let final: CliResult | undefined;
    let exited = false;
    const watch = (c: Child): void => {
      exited = false;
      void c.done.then(() => {
        exited = true;
      });
    };
    watch(coordinator);
    while (!exited) {
      await new Promise((r) => setTimeout(r, 100 + rand() * 400));
      if (exited) break;
      if (workerKills < 14) {
        const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
        const victim = live[Math.floor(rand() * live.length)];
        if (victim) {
          victim.child.kill('SIGKILL');
          await victim.done;
          workerKills++;
          chaosWorker();
        }
      }
      if (coordinatorKills < 2 && existsSync(path.join(dir, 'config.json')) && writtenUsers() >= ((coordinatorKills + 1) * USERS) / 4) {
        coordinator.child.kill('SIGKILL');
        const killed = await coordinator.done;
        if (killed.signal !== 'SIGKILL') {
          final = killed; // it had already finished
          break;
        }
        coordinatorKills++;
        coordinator = startCli(['eval', '--resume', dir, '--queue', url, '--progress', 'lines'], { cwd: root });
        watch(coordinator);
      }
    }
    final ??= await coordinator.done;
    console.log(`[queue-chaos] ${workerKills} worker SIGKILLs, ${coordinatorKills} coordinator SIGKILLs; ${writtenUsers()} users written`);
    expect(final.code, final.stderr).toBe(0);
    expect(workerKills).toBeGreaterThanOrEqual(10);
    expect(coordinatorKills).toBe(2);
    // readPredictions rejects a pair that appears twice; every pair is there once.
    const recs = readPredictions(predictions).records;
    expect(recs).toHaveLength(USERS * SYSTEMS);
    expect(comparable(dir)).toEqual(comparable(refDir));
    expect(comparableMetrics(dir)).toEqual(comparableMetrics(refDir));
    await stopWorkers();
  });

  it('a Redis restart (AOF on) during a run is survived', { timeout: 300_000 }, async () => {
    const dir = path.join(root, 'redis-restart');
    useDb(3);
    startWorker();
    startWorker();
    let restarted = false;
    let restarting: Promise<void> | undefined;
    const coordinator = startCli([...runArgs(fixture), '--out', dir, '--queue', url], {
      cwd: root,
      onStderr: (text) => {
        if (!restarted && /\[users\s+\d+\/24\]/.test(text)) {
          restarted = true;
          restarting = redis.restart(1000);
        }
      },
    });
    const done = await coordinator.done;
    await restarting;
    expect(restarted).toBe(true);
    expect(done.code, done.stderr).toBe(0);
    expect(comparable(dir)).toEqual(comparable(refDir));
    expect(comparableMetrics(dir)).toEqual(comparableMetrics(refDir));
    await stopWorkers();
  });

  it('hostile job payloads fail with a clear error; the worker lives on and writes nothing outside its cache', { timeout: 300_000 }, async () => {
    useDb(4);
    const cwd = mkdtempSync(path.join(root, 'hostile-cwd-'));
    const worker = startWorker({ cwd });
    const connection = { host: '127.0.0.1', port: redis.port, db: 4, maxRetriesPerRequest: null };
    const queue = new Queue(EVAL_QUEUE_NAME, { connection });
    const events = new QueueEvents(EVAL_QUEUE_NAME, { connection });
    await events.waitUntilReady();
    const client = await queue.client;
    const row = { name: 'x', input: 'Generate an abstract for the title "x"', output: 'y', profile: [] };
    const spec = (model: Record<string, unknown>, settings: Record<string, unknown> = {}) => ({
      schema: RUN_SPEC_SCHEMA,
      settings: { task: 'LongLaMP-2', setting: 'user', split: 'test', space: 'native', embedder: 'x', betas: [0], ragK: null, maxTokens: 8, temperature: 0, topK: 40, topP: 0.95, minP: 0.05, seed: 0, contextSize: 64, guardTopK: null, guardMinP: null, chat: 'off', ...settings },
      model: { ref: tinyModel, fileName: 'stories260K.gguf', sha256: 'a'.repeat(64), ...model },
      contextSize: 64,
      chat: false,
    });
    const publish = async (runId: string, value: Record<string, unknown>) => client.set(runSpecKey(runId), JSON.stringify({ ...value, runId }));
    const runTraversal = 'b'.repeat(24);
    const runOutside = 'c'.repeat(24);
    const runHugeTokens = 'd'.repeat(24);
    await publish(runTraversal, spec({ fileName: '../../../../etc/passwd' }));
    await publish(runOutside, spec({ ref: '/etc/passwd', fileName: 'passwd' }));
    await publish(runHugeTokens, spec({}, { maxTokens: 1e12 }));
    const job = (runId: string, extra: Record<string, unknown> = {}) => ({ schema: JOB_SCHEMA, runId, row, systems: ['baseline'], ...extra });
    // Jobs that must get past the job-id check carry the id the run and the user give.
    const jobIds: Record<string, string> = { outside: jobIdOf(runOutside, 'x') };
    const cases: [string, unknown, RegExp][] = [
      ['unknown-run', job('f'.repeat(24)), /unknown run f{24}: Redis holds no spec for it/],
      ['traversal', job(runTraversal), /"model.fileName" "..\/..\/..\/..\/etc\/passwd" is not a bare file name/],
      ['outside', job(runOutside), /the model file "passwd" is not in this worker's model folders/],
      ['huge-field', job(runOutside, { row: { ...row, input: 'x'.repeat(20 * 1024 * 1024) } }), /more than the 16777216 a worker accepts/],
      ['huge-tokens', job(runHugeTokens), /--max-tokens: expected a number between 1 and 1048576/],
      ['not-a-job', 'rm -rf /', /not a persona-gen\/queue-job@1 job/],
      ['bad-run-id', job('../../x'), /"runId" must be 24 hex digits/],
    ];
    for (const [name, data, why] of cases) {
      const added = await queue.add('user', data, { jobId: jobIds[name] ?? `hostile-${name}`, attempts: 1 });
      const err = await added.waitUntilFinished(events, 120_000).then(
        () => new Error('the job completed'),
        (e: Error) => e,
      );
      expect(err.message, name).toMatch(why);
      expect(worker.child.exitCode, `worker alive after ${name}`).toBeNull();
    }
    await events.close();
    await queue.close();
    // Still serving: a real run completes on the same worker.
    const dir = path.join(root, 'after-hostile');
    const run = await runCli([...runArgs(fixture, 2), '--out', dir, '--queue', url], { cwd: root });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const [stopped] = await stopWorkers();
    expect(stopped!.code, stopped!.stderr).toBe(0);
  });

  it("a worker whose model file has other weights refuses the job with a clear error; another worker does it", { timeout: 300_000 }, async () => {
    useDb(5);
    const badDir = path.join(root, 'bad-models');
    mkdirSync(badDir, { recursive: true });
    const bytes = readFileSync(tinyModel);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(path.join(badDir, path.basename(tinyModel)), bytes);
    const goodDir = path.join(root, 'good-models');
    mkdirSync(goodDir, { recursive: true });
    copyFileSync(tinyModel, path.join(goodDir, path.basename(tinyModel)));
    let refused = false;
    const bad = startCli(['worker', '--queue', url, '--threads', '1', '--model-dir', badDir], { cwd: root, env: { PERSONA_GEN_CACHE: cache } });
    workers.push(bad);
    bad.child.stderr!.on('data', (d: Buffer) => {
      if (/different weights, refused/.test(d.toString()) && !refused) {
        refused = true;
        startWorker({ modelDir: goodDir });
      }
    });
    const dir = path.join(root, 'refused');
    const coordinator = startCli([...runArgs(fixture, 3), '--out', dir, '--queue', url], { cwd: root });
    const timer = setTimeout(() => coordinator.child.kill('SIGKILL'), 200_000);
    const run = await coordinator.done;
    clearTimeout(timer);
    if (run.code !== 0) {
      await stopWorkers();
      const badOut = await bad.done;
      throw new Error(`coordinator ${run.code} ${run.signal}:\n${run.stderr}\n--- bad worker:\n${badOut.stderr.slice(-3000)}`);
    }
    expect(refused).toBe(true);
    expect(readPredictions(path.join(dir, 'predictions.jsonl')).records).toHaveLength(3 * SYSTEMS);
    expect(comparable(dir)).toEqual((comparable(refDir) as PredictionRecord[]).filter((r) => ['user-000', 'user-001', 'user-002'].includes(r.userId)));
    await stopWorkers();
    const badExit = await bad.done;
    expect(badExit.stderr).toMatch(/this worker's stories260K\.gguf has sha256 [0-9a-f]{16}…, the run's model has [0-9a-f]{16}…: different weights, refused/);
    expect(badExit.stderr).not.toMatch(/job .*: user .* systems in/); // it answered no job
  });
});
