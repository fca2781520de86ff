/**
 * The coordinator of `persona-gen eval --queue`: publishes the run's spec, queues one job per
 * user with pending systems (job id from the run and the user, so a resumed coordinator never
 * queues a user twice), and, as the only writer of the run folder, appends each finished user's
 * predictions (scored here, fsynced) when its job completes, then removes the job. Completion
 * events are backed by a periodic look at every outstanding job, so an event missed while the
 * coordinator or Redis was down costs nothing: a completed job waits in Redis until a
 * coordinator writes it, and a job Redis lost is queued again.
 * @module
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Job, Queue, QueueEvents, type JobsOptions } from 'bullmq';

import type { LongLampRecord } from '../../data/records.js';
import { formatDuration } from '../../hub/progress.js';
import { pairKey, PredictionWriter } from '../predictions.js';
import type { EvalProgressMode, ProgressStream } from '../progress.js';
import type { RemoteRunner } from '../runner.js';
import type { RunSession } from '../run-session.js';
import type { SystemSpec } from '../systems.js';
import { buildPrediction, type UserGeneration } from '../user-generation.js';
import type { QueueConnection } from './connection.js';
import {
  checkJobAnswer,
  encodeNativeIdf,
  EVAL_QUEUE_NAME,
  JOB_SCHEMA,
  jobIdOf,
  recordRow,
  RUN_SPEC_SCHEMA,
  runIdOf,
  runSpecKey,
  type QueueJobAnswer,
  type QueueJobData,
  type QueueRunSpec,
} from './payload.js';

/** Options of {@link queueRunner}. */
export interface QueueRunnerOptions {
  connection: QueueConnection;
  /** How often every outstanding job's state is looked at (ms; default 5000). */
  reconcileMs?: number;
  /** Attempts of a job before it fails for good (a refusal by a worker counts; 5 s apart; default 60, ~5 min). */
  attempts?: number;
}

interface Outstanding {
  record: LongLampRecord;
  systems: SystemSpec[];
}

/** The line of one written user. */
function progressLine(p: { done: number; total: number; userId: string; answer: QueueJobAnswer; live: number; seen: number; rate: number; eta: string }): string {
  const tokens = p.answer.generations.reduce((n, g) => n + g.outputTokens, 0);
  return (
    `[users ${String(p.done).padStart(String(p.total).length)}/${p.total}] ${p.userId} by ${p.answer.worker}: ${p.answer.generations.length} systems, ` +
    `${tokens} tokens in ${(p.answer.ms / 1000).toFixed(1)} s | workers ${p.live} live, ${p.seen} seen | ${p.rate.toFixed(0)} users/h | ETA ${p.eta}\n`
  );
}

/**
 * A runner that generates through the queue (see the module note).
 *
 * @throws Error naming the users whose jobs failed for good (after the other users are written).
 */
export function queueRunner(options: QueueRunnerOptions): RemoteRunner {
  return async (session: RunSession, run: { stderr: ProgressStream; signal?: AbortSignal; progress?: EvalProgressMode }) => {
    const note = (line: string): void => {
      run.stderr.write(`${line}\n`);
    };
    const showLines = (run.progress ?? 'auto') !== 'none';
    // The coordinator only schedules and scores: the model is not needed here any more.
    await session.releaseModel();
    const runId = runIdOf(readFileSync(session.paths.config));
    const { done, systems } = session;
    const outstanding = new Map<string, Outstanding>();
    for (const record of session.records) {
      const todo = systems.filter((s) => !done.has(pairKey(record.userId, s.id)));
      if (todo.length > 0) outstanding.set(jobIdOf(runId, record.userId), { record, systems: todo });
    }
    const totalUsers = session.users.length;
    const usersAtStart = totalUsers - outstanding.size;
    note(`queue: ${options.connection.display}, run ${runId}: ${outstanding.size} of ${totalUsers} users to do`);
    if (outstanding.size === 0) return { interrupted: false, generated: 0 };

    const connection = options.connection.options;
    const queue = new Queue(EVAL_QUEUE_NAME, { connection });
    const events = new QueueEvents(EVAL_QUEUE_NAME, { connection });
    queue.on('error', (err) => note(`redis: ${err.message}`));
    events.on('error', (err) => note(`redis: ${err.message}`));
    const writer = new PredictionWriter(session.paths.predictions, session.completeBytes);
    const failures = new Map<string, string>();
    const seenWorkers = new Set<string>();
    const collecting = new Set<string>();
    let live = 0;
    let stopped = false;
    let generated = 0;
    let wake: (() => void) | undefined;
    const startedAt = Date.now();
    const jobOptions = (jobId: string): JobsOptions => ({
      jobId,
      attempts: options.attempts ?? 60,
      backoff: { type: 'fixed', delay: 5000 },
      removeOnComplete: false, // the answer waits in Redis until a coordinator has written it
      removeOnFail: { age: 7 * 24 * 3600 }, // a failed job is kept a week for --resume to retry
    });
    const jobData = (o: Outstanding): QueueJobData => ({ schema: JOB_SCHEMA, runId, row: recordRow(o.record, session.settings.task), systems: o.systems.map((s) => s.id) });

    const write = (o: Outstanding, answer: QueueJobAnswer): void => {
      for (const g of answer.generations as UserGeneration[]) {
        const system = o.systems.find((s) => s.id === g.system);
        if (system === undefined || done.has(pairKey(o.record.userId, g.system))) continue;
        writer.append(buildPrediction(o.record, system, g, session.scorer, session.chat));
        done.add(pairKey(o.record.userId, g.system));
        generated++;
      }
    };

    /** Writes a completed job's answer (once), then removes the job. */
    const collect = async (jobId: string): Promise<void> => {
      const o = outstanding.get(jobId);
      if (o === undefined || collecting.has(jobId) || stopped) return;
      collecting.add(jobId);
      try {
        const job = await Job.fromId<QueueJobData, QueueJobAnswer>(queue, jobId);
        // (a job that completed after failed attempts, e.g. refusals, still carries a failedReason)
        if (job === undefined || job.finishedOn === undefined || job.returnvalue === null || job.returnvalue === undefined) return;
        const problem = checkJobAnswer(job.returnvalue, runId, o.record.userId, o.systems.map((s) => s.id));
        if (problem !== null) {
          note(`job ${jobId} (user ${o.record.userId}): the worker's answer is unusable (${problem}); queued again`);
          await job.remove();
          await queue.add('user', jobData(o), jobOptions(jobId));
          return;
        }
        write(o, job.returnvalue);
        outstanding.delete(jobId);
        seenWorkers.add(job.returnvalue.worker);
        await job.remove().catch(() => undefined); // already written: a leftover job is removed on resume
        if (showLines) {
          const doneUsers = totalUsers - outstanding.size - failures.size;
          const hours = (Date.now() - startedAt) / 3_600_000;
          const rate = hours > 0 ? (doneUsers - usersAtStart) / hours : 0;
          const eta = rate > 0 ? formatDuration(((outstanding.size) / rate) * 3600) : '?';
          run.stderr.write(progressLine({ done: doneUsers, total: totalUsers, userId: o.record.userId, answer: job.returnvalue, live, seen: seenWorkers.size, rate, eta }));
        }
      } finally {
        collecting.delete(jobId);
        wake?.();
      }
    };

    /** Looks at every outstanding job: collects the completed, re-queues the lost, notes the failed. */
    const reconcile = async (first: boolean): Promise<void> => {
      live = await queue.getWorkersCount();
      for (const [jobId, o] of outstanding) {
        if (run.signal?.aborted) return;
        const state = await queue.getJobState(jobId);
        if (state === 'completed') await collect(jobId);
        else if (state === 'unknown') await queue.add('user', jobData(o), jobOptions(jobId));
        else if (state === 'failed') {
          const job = await Job.fromId(queue, jobId);
          if (first && job) {
            note(`job ${jobId} (user ${o.record.userId}) had failed (${job.failedReason}); retrying it`);
            await job.retry('failed');
          } else {
            failures.set(o.record.userId, job?.failedReason ?? 'failed');
            outstanding.delete(jobId);
          }
        }
      }
    };

    events.on('completed', ({ jobId }) => {
      if (outstanding.has(jobId)) collect(jobId).catch((err: Error) => note(`job ${jobId}: ${err.message}`));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const o = outstanding.get(jobId);
      if (o) note(`job ${jobId} (user ${o.record.userId}): ${failedReason}`);
      wake?.();
    });

    const onAbort = (): void => wake?.();
    run.signal?.addEventListener('abort', onAbort);
    try {
      await events.waitUntilReady();
      const client = await queue.client;
      const spec: QueueRunSpec = {
        schema: RUN_SPEC_SCHEMA,
        runId,
        settings: session.settings,
        model: { ref: session.config.model.ref, fileName: path.basename(session.config.model.path), sha256: session.config.model.sha256 },
        contextSize: session.contextSize,
        chat: session.chat,
        ...(session.nativeIdf ? { nativeIdf: encodeNativeIdf(session.nativeIdf) } : {}),
      };
      await client.set(runSpecKey(runId), JSON.stringify(spec));
      // Adding a job whose id exists is a no-op: a resumed coordinator never queues a user twice.
      await queue.addBulk([...outstanding].map(([jobId, o]) => ({ name: 'user', data: jobData(o), opts: jobOptions(jobId) })));
      let first = true;
      let lastReconcile = 0;
      while (outstanding.size > 0 && !run.signal?.aborted) {
        if (Date.now() - lastReconcile >= (first ? 0 : (options.reconcileMs ?? 5000))) {
          try {
            await reconcile(first);
            first = false;
          } catch (err) {
            note(`redis: ${(err as Error).message} (retrying)`);
          }
          lastReconcile = Date.now();
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 250).unref();
        });
        wake = undefined;
      }
      stopped = true;
      while (collecting.size > 0) await new Promise((r) => setTimeout(r, 20));
      if (outstanding.size === 0 && failures.size === 0) await client.del(runSpecKey(runId));
    } finally {
      stopped = true;
      while (collecting.size > 0) await new Promise((r) => setTimeout(r, 20));
      run.signal?.removeEventListener('abort', onAbort);
      writer.close();
      await events.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
    }
    if (failures.size > 0) {
      throw new Error(
        `${failures.size} user(s) failed for good: ${[...failures].map(([u, why]) => `${JSON.stringify(u)}: ${why}`).join('; ')}; ` +
          `the others are written; fix the cause and continue with --resume ${session.paths.dir} (failed jobs are retried)`,
      );
    }
    return { interrupted: outstanding.size > 0, generated };
  };
}
