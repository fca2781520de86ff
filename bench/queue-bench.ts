/**
 * `npm run bench:queue`: what spreading `eval` over workers costs and gives, on this machine, in
 * one run (so the figures are comparable under the same load):
 *
 * - users/hour of the local runner, `--parallel 1` and `--parallel P`;
 * - users/hour through the Redis queue with 1 and with 2 workers (1 thread each, `--parallel P`),
 *   the coordinator in this process, the workers as `persona-gen worker` processes;
 * - the queue's own overhead per job: BullMQ jobs whose processor answers at once, going through
 *   the coordinator's path (add, complete, completion event, fetch of the answer, removal).
 *
 * A private redis-server is started on a free loopback port (skipped, with a note, when
 * redis-server is not installed). Each users/hour figure is from the wall time of the whole run
 * (start-up and model loading included), on synthetic LongLaMP-2 users.
 *
 * Options: `--model FILE` (default ../shared/models/stories260K.gguf), `--users N` (default 16),
 * `--max-tokens N` (default 48), `--parallel P` (default the eval default), `--jobs N` (overhead
 * jobs, default 200), `--out FILE` (JSON).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Job, Queue, QueueEvents, Worker } from 'bullmq';

import { packageRoot } from '../bindings/index.js';
import { parseQueueUrl } from '../dist/eval/queue/connection.js';
import { queueRunner } from '../dist/eval/queue/coordinator.js';
import { runEval } from '../dist/eval/runner.js';
import { DEFAULT_EVAL_PARALLEL, resolveEvalSettings, type EvalSettings } from '../dist/eval/settings.js';
import { redisServerBinary, startRedis } from './redis-server.js';
import { writeSyntheticLongLamp2 } from './synthetic-users.js';

/** One measured way of running the users. */
export interface QueueBenchRow {
  name: string;
  users: number;
  seconds: number;
  usersPerHour: number;
}

/** The benchmark's report. */
export interface QueueBenchReport {
  date: string;
  model: string;
  users: number;
  maxTokens: number;
  parallel: number;
  cpu: string;
  loadAverageBefore: number[];
  rows: QueueBenchRow[];
  overhead: { jobs: number; msPerJob: number; medianLatencyMs: number };
}

const quiet = { stderr: { write: () => true } };
const cli = path.join(packageRoot, 'dist', 'cli.js');

async function timedRun(name: string, users: number, run: () => Promise<unknown>): Promise<QueueBenchRow> {
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  return { name, users, seconds, usersPerHour: (users * 3600) / seconds };
}

/** Starts `persona-gen worker` and resolves once it waits for jobs. */
function startWorker(url: string, modelDir: string, parallel: number, cwd: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'worker', '--queue', url, '--threads', '1', '--parallel', String(parallel), '--model-dir', modelDir], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('waiting for jobs')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${text}`)));
  });
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null) return resolve();
          w.once('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
}

/** The queue's own cost per job: jobs with an empty processor through the coordinator's path. */
async function queueOverhead(url: string, jobs: number): Promise<QueueBenchReport['overhead']> {
  const { options } = parseQueueUrl(url);
  const name = 'persona-gen-bench-overhead';
  const queue = new Queue(name, { connection: options });
  const events = new QueueEvents(name, { connection: options });
  const worker = new Worker(name, async () => ({ generations: [] }), { connection: options, concurrency: 1 });
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < jobs; i++) {
    const start = performance.now();
    const done = new Promise<void>((resolve) => {
      const onDone = async ({ jobId }: { jobId: string }): Promise<void> => {
        if (jobId !== `overhead-${i}`) return;
        events.off('completed', onDone);
        const job = await Job.fromId(queue, jobId);
        await job?.remove();
        resolve();
      };
      events.on('completed', onDone);
    });
    await queue.add('job', { i }, { jobId: `overhead-${i}` });
    await done;
    latencies.push(performance.now() - start);
  }
  const msPerJob = (performance.now() - t0) / jobs;
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  latencies.sort((a, b) => a - b);
  return { jobs, msPerJob, medianLatencyMs: latencies[Math.floor(latencies.length / 2)]! };
}

/** Runs the benchmark (see the module note). */
export async function queueBench(opts: { model: string; users: number; maxTokens: number; parallel: number; jobs: number }): Promise<QueueBenchReport | null> {
  if (!redisServerBinary) {
    console.log('bench:queue skipped: redis-server is not installed (apt-get install redis-server)');
    return null;
  }
  const root = mkdtempSync(path.join(tmpdir(), 'pg-queue-bench-'));
  process.env.PERSONA_GEN_CACHE ??= path.join(root, 'cache');
  const redis = await startRedis();
  const loadAverageBefore = loadavg();
  try {
    const data = writeSyntheticLongLamp2(root, opts.users);
    const settings = (parallel: number): EvalSettings =>
      resolveEvalSettings(
        { model: opts.model, space: 'native', data, numUsers: opts.users, betas: [0.5, 2], maxTokens: opts.maxTokens, contextSize: 256, threads: 1, parallel },
        { threads: 1 },
      );
    const rows: QueueBenchRow[] = [];
    let n = 0;
    const dir = (): string => path.join(root, `run-${n++}`);
    rows.push(await timedRun('local, --parallel 1', opts.users, () => runEval({ mode: 'new', dir: dir(), settings: settings(1) }, { io: quiet, progress: 'none' })));
    rows.push(await timedRun(`local, --parallel ${opts.parallel}`, opts.users, () => runEval({ mode: 'new', dir: dir(), settings: settings(opts.parallel) }, { io: quiet, progress: 'none' })));
    const remote = queueRunner({ connection: parseQueueUrl(redis.url) });
    for (const count of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: count }, () => startWorker(redis.url, path.dirname(opts.model), opts.parallel, root)));
      try {
        rows.push(
          await timedRun(`queue, ${count} worker${count > 1 ? 's' : ''} (1 thread, --parallel ${opts.parallel})`, opts.users, () =>
            runEval({ mode: 'new', dir: dir(), settings: settings(opts.parallel) }, { io: quiet, progress: 'none', remote }),
          ),
        );
      } finally {
        await stopWorkers(workers);
      }
    }
    const overhead = await queueOverhead(redis.url, opts.jobs);
    return {
      date: new Date().toISOString(),
      model: path.basename(opts.model),
      users: opts.users,
      maxTokens: opts.maxTokens,
      parallel: opts.parallel,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      loadAverageBefore,
      rows,
      overhead,
    };
  } finally {
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      users: { type: 'string' },
      'max-tokens': { type: 'string' },
      parallel: { type: 'string' },
      jobs: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const int = (v: string | undefined, fallback: number, flag: string): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${v}"`);
    return n;
  };
  const report = await queueBench({
    model: path.resolve(values.model ?? path.join(packageRoot, '..', 'shared', 'models', 'stories260K.gguf')),
    users: int(values.users, 16, '--users'),
    maxTokens: int(values['max-tokens'], 48, '--max-tokens'),
    parallel: int(values.parallel, DEFAULT_EVAL_PARALLEL, '--parallel'),
    jobs: int(values.jobs, 200, '--jobs'),
  });
  if (report === null) return;
  console.log(`eval users/hour on ${report.cpu} (load ${report.loadAverageBefore.map((l) => l.toFixed(1)).join(' ')}), ${report.model}, ${report.users} users x 3 systems, ${report.maxTokens} new tokens`);
  for (const r of report.rows) console.log(`  ${r.name.padEnd(44)} ${r.usersPerHour.toFixed(0).padStart(8)} users/h  (${r.seconds.toFixed(1)} s)`);
  console.log(`  queue overhead: ${report.overhead.msPerJob.toFixed(2)} ms per job (median latency ${report.overhead.medianLatencyMs.toFixed(2)} ms, ${report.overhead.jobs} empty jobs)`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
