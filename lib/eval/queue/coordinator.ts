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

/** What the coordinator is told of the run it serves. */
type RunContext = Parameters<RemoteRunner>[1];

/**
 * A runner that generates through the queue (see the module note).
 *
 * @throws Error naming the users whose jobs failed for good (after the other users are written).
 */
export function queueRunner(options: QueueRunnerOptions): RemoteRunner {
  return async (session: RunSession, run: RunContext) => {
    // The coordinator only schedules and scores: the model is not needed here any more.
    await session.releaseModel();
    const runId = runIdOf(readFileSync(session.paths.config));
    const outstanding = outstandingUsers(session, runId);
    run.stderr.write(`queue: ${options.connection.display}, run ${runId}: ${outstanding.size} of ${session.users.length} users to do\n`);
    if (outstanding.size === 0) return { interrupted: false, generated: 0 };
    return new Coordinator(options, session, run, runId, outstanding).run();
  };
}

/** The users with pending systems, by their job id. */
function outstandingUsers(session: RunSession, runId: string): Map<string, Outstanding> {
  const outstanding = new Map<string, Outstanding>();
  for (const record of session.records) {
    const todo = session.systems.filter((s) => !session.done.has(pairKey(record.userId, s.id)));
    if (todo.length > 0) outstanding.set(jobIdOf(runId, record.userId), { record, systems: todo });
  }
  return outstanding;
}

/** One coordinator run: its queue, the outstanding jobs and what has been written. */
class Coordinator {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly writer: PredictionWriter;
  private readonly failures = new Map<string, string>();
  private readonly seenWorkers = new Set<string>();
  private readonly collecting = new Set<string>();
  private readonly showLines: boolean;
  private readonly totalUsers: number;
  private readonly usersAtStart: number;
  private readonly startedAt = Date.now();
  private live = 0;
  private stopped = false;
  private generated = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly options: QueueRunnerOptions,
    private readonly session: RunSession,
    private readonly ctx: RunContext,
    private readonly runId: string,
    private readonly outstanding: Map<string, Outstanding>,
  ) {
    this.showLines = (ctx.progress ?? 'auto') !== 'none';
    this.totalUsers = session.users.length;
    this.usersAtStart = this.totalUsers - outstanding.size;
    const connection = options.connection.options;
    this.queue = new Queue(EVAL_QUEUE_NAME, { connection });
    this.events = new QueueEvents(EVAL_QUEUE_NAME, { connection });
    this.queue.on('error', (err) => this.note(`redis: ${err.message}`));
    this.events.on('error', (err) => this.note(`redis: ${err.message}`));
    this.writer = new PredictionWriter(session.paths.predictions, session.completeBytes);
  }

  /** Publishes the run, queues the jobs and writes their answers until none is left, the run is aborted, or every job ended. */
  async run(): ReturnType<RemoteRunner> {
    this.listen();
    const onAbort = (): void => this.wake?.();
    this.ctx.signal?.addEventListener('abort', onAbort);
    try {
      await this.events.waitUntilReady();
      const client = await this.queue.client;
      await this.publish(client);
      await this.waitForJobs();
      await this.drain();
      if (this.outstanding.size === 0 && this.failures.size === 0) await client.del(runSpecKey(this.runId));
    } finally {
      await this.drain();
      this.ctx.signal?.removeEventListener('abort', onAbort);
      this.writer.close();
      await this.events.close().catch(() => undefined);
      await this.queue.close().catch(() => undefined);
    }
    if (this.failures.size > 0) {
      throw new Error(
        `${this.failures.size} user(s) failed for good: ${[...this.failures].map(([u, why]) => `${JSON.stringify(u)}: ${why}`).join('; ')}; ` +
          `the others are written; fix the cause and continue with --resume ${this.session.paths.dir} (failed jobs are retried)`,
      );
    }
    return { interrupted: this.outstanding.size > 0, generated: this.generated };
  }

  private note(line: string): void {
    this.ctx.stderr.write(`${line}\n`);
  }

  private jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.options.attempts ?? 60,
      backoff: { type: 'fixed', delay: 5000 },
      removeOnComplete: false, // the answer waits in Redis until a coordinator has written it
      removeOnFail: { age: 7 * 24 * 3600 }, // a failed job is kept a week for --resume to retry
    };
  }

  private jobData(o: Outstanding): QueueJobData {
    return { schema: JOB_SCHEMA, runId: this.runId, row: recordRow(o.record, this.session.settings.task), systems: o.systems.map((s) => s.id) };
  }

  /** Collects completed jobs as their events arrive, and wakes the wait on failures. */
  private listen(): void {
    this.events.on('completed', ({ jobId }) => {
      if (this.outstanding.has(jobId)) this.collect(jobId).catch((err: Error) => this.note(`job ${jobId}: ${err.message}`));
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      const o = this.outstanding.get(jobId);
      if (o) this.note(`job ${jobId} (user ${o.record.userId}): ${failedReason}`);
      this.wake?.();
    });
  }

  /** Publishes the run's spec, then queues every outstanding user. */
  private async publish(client: Awaited<Queue['client']>): Promise<void> {
    const { session } = this;
    const spec: QueueRunSpec = {
      schema: RUN_SPEC_SCHEMA,
      runId: this.runId,
      settings: session.settings,
      model: { ref: session.config.model.ref, fileName: path.basename(session.config.model.path), sha256: session.config.model.sha256 },
      contextSize: session.contextSize,
      chat: session.chat,
      ...(session.nativeIdf ? { nativeIdf: encodeNativeIdf(session.nativeIdf) } : {}),
    };
    await client.set(runSpecKey(this.runId), JSON.stringify(spec));
    // Adding a job whose id exists is a no-op: a resumed coordinator never queues a user twice.
    await this.queue.addBulk([...this.outstanding].map(([jobId, o]) => ({ name: 'user', data: this.jobData(o), opts: this.jobOptions(jobId) })));
  }

  /** Reconciles every reconcileMs (and at once the first time), sleeping in between until woken, while jobs are outstanding. */
  private async waitForJobs(): Promise<void> {
    let first = true;
    let lastReconcile = 0;
    while (this.outstanding.size > 0 && !this.ctx.signal?.aborted) {
      if (Date.now() - lastReconcile >= (first ? 0 : (this.options.reconcileMs ?? 5000))) {
        try {
          await this.reconcile(first);
          first = false;
        } catch (err) {
          this.note(`redis: ${(err as Error).message} (retrying)`);
        }
        lastReconcile = Date.now();
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 250).unref();
      });
      this.wake = undefined;
    }
  }

  /** Stops collecting and waits for the collections under way. */
  private async drain(): Promise<void> {
    this.stopped = true;
    while (this.collecting.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Appends the answer's new predictions, scored. */
  private write(o: Outstanding, answer: QueueJobAnswer): void {
    const { done } = this.session;
    for (const g of answer.generations as UserGeneration[]) {
      const system = o.systems.find((s) => s.id === g.system);
      if (system === undefined || done.has(pairKey(o.record.userId, g.system))) continue;
      this.writer.append(buildPrediction(o.record, system, g, this.session.scorer, this.session.chat));
      done.add(pairKey(o.record.userId, g.system));
      this.generated++;
    }
  }

  /** Writes a completed job's answer (once), then removes the job. */
  private async collect(jobId: string): Promise<void> {
    const o = this.outstanding.get(jobId);
    if (o === undefined || this.collecting.has(jobId) || this.stopped) return;
    this.collecting.add(jobId);
    try {
      const job = await Job.fromId<QueueJobData, QueueJobAnswer>(this.queue, jobId);
      // (a job that completed after failed attempts, e.g. refusals, still carries a failedReason)
      if (job === undefined || job.finishedOn === undefined || job.returnvalue === null || job.returnvalue === undefined) return;
      const problem = checkJobAnswer(job.returnvalue, this.runId, o.record.userId, o.systems.map((s) => s.id));
      if (problem !== null) {
        this.note(`job ${jobId} (user ${o.record.userId}): the worker's answer is unusable (${problem}); queued again`);
        await job.remove();
        await this.queue.add('user', this.jobData(o), this.jobOptions(jobId));
        return;
      }
      this.write(o, job.returnvalue);
      this.outstanding.delete(jobId);
      this.seenWorkers.add(job.returnvalue.worker);
      await job.remove().catch(() => undefined); // already written: a leftover job is removed on resume
      if (this.showLines) this.showProgress(o.record.userId, job.returnvalue);
    } finally {
      this.collecting.delete(jobId);
      this.wake?.();
    }
  }

  /** The progress line of a user just written, with the rate and ETA so far. */
  private showProgress(userId: string, answer: QueueJobAnswer): void {
    const doneUsers = this.totalUsers - this.outstanding.size - this.failures.size;
    const hours = (Date.now() - this.startedAt) / 3_600_000;
    const rate = hours > 0 ? (doneUsers - this.usersAtStart) / hours : 0;
    const eta = rate > 0 ? formatDuration((this.outstanding.size / rate) * 3600) : '?';
    this.ctx.stderr.write(progressLine({ done: doneUsers, total: this.totalUsers, userId, answer, live: this.live, seen: this.seenWorkers.size, rate, eta }));
  }

  /** Looks at every outstanding job: collects the completed, re-queues the lost, notes the failed. */
  private async reconcile(first: boolean): Promise<void> {
    this.live = await this.queue.getWorkersCount();
    for (const [jobId, o] of this.outstanding) {
      if (this.ctx.signal?.aborted) return;
      const state = await this.queue.getJobState(jobId);
      if (state === 'completed') await this.collect(jobId);
      else if (state === 'unknown') await this.queue.add('user', this.jobData(o), this.jobOptions(jobId));
      else if (state === 'failed') await this.settleFailed(jobId, o, first);
    }
  }

  /** A failed job: retried once when the coordinator (re)starts, else counted as failed for good. */
  private async settleFailed(jobId: string, o: Outstanding, first: boolean): Promise<void> {
    const job = await Job.fromId(this.queue, jobId);
    if (first && job) {
      this.note(`job ${jobId} (user ${o.record.userId}) had failed (${job.failedReason}); retrying it`);
      await job.retry('failed');
    } else {
      this.failures.set(o.record.userId, job?.failedReason ?? 'failed');
      this.outstanding.delete(jobId);
    }
  }
}
