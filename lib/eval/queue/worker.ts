/**
 * `persona-gen worker`: takes user jobs of any run from the queue, one at a time, and answers
 * each with the user's generations (the per-user unit, {@link runUserSystems}). A job whose
 * payload fails its checks fails for good with the reason; a job this worker cannot serve (its
 * model file is missing or has other weights) is refused with the reason and retried later,
 * by another worker when there is one. `close()` (SIGTERM) lets the current job finish first;
 * a killed worker's job is redone elsewhere once its lock expires (BullMQ's stalled jobs).
 * @module
 */
import os from 'node:os';

import { Worker, UnrecoverableError, type Job } from 'bullmq';

import type { HubOptions } from '../../hub/download.js';
import { runUserSystems } from '../user-systems.js';
import type { QueueConnection } from './connection.js';
import {
  ANSWER_SCHEMA,
  checkJobData,
  checkJobForRun,
  checkRunSpec,
  EVAL_QUEUE_NAME,
  PayloadError,
  runSpecKey,
  type QueueJobAnswer,
  type QueueRunSpec,
} from './payload.js';
import { WorkerModels } from './worker-models.js';

/** Options of {@link startEvalWorker}. */
export interface EvalWorkerOptions {
  connection: QueueConnection;
  /** Sequences decoded at once. */
  parallel: number;
  /** `parallel` is the default, not given: lower it where a run's KV cache would not fit in memory. */
  fitParallel?: boolean;
  threads: number;
  /** Folders where model files (and embedder folders) are looked up by name. */
  modelDirs: string[];
  hub?: HubOptions;
  /** How long a job's lock lasts without renewal (ms); a killed worker's job is redone after about this. Default 30000. */
  lockMs?: number;
  /** One line per event for people. */
  log: (line: string) => void;
}

/** A running worker. */
export interface EvalWorker {
  /** `host:pid`. */
  readonly id: string;
  /** Stops taking jobs, waits for the current one, frees the model (idempotent). */
  close(): Promise<void>;
  /** Jobs answered so far. */
  readonly answered: number;
}

/**
 * Starts a worker.
 *
 * @throws Error when the connection options are unusable (Redis being down is waited out).
 */
export async function startEvalWorker(options: EvalWorkerOptions): Promise<EvalWorker> {
  const id = `${os.hostname()}:${process.pid}`;
  const { modelDirs, threads, parallel, log } = options;
  const models = new WorkerModels({ modelDirs, hub: options.hub ?? {}, threads, parallel, fitParallel: options.fitParallel ?? false, log });
  const lockMs = options.lockMs ?? 30_000;
  let answered = 0;
  let worker: Worker | undefined;

  const readSpec = async (runId: string): Promise<QueueRunSpec> => {
    const client = await worker!.client;
    const text = await client.get(runSpecKey(runId));
    if (text === null) throw new PayloadError(`unknown run ${runId}: Redis holds no spec for it (its coordinator never published it, or the run has finished)`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new PayloadError(`run ${runId}: its spec in Redis is not JSON`);
    }
    return checkRunSpec(value, runId);
  };

  const processJob = async (job: Job): Promise<QueueJobAnswer> => {
    const t0 = performance.now();
    const jobId = String(job.id);
    try {
      const { runId, raw } = checkJobData(jobId, job.data);
      const spec = await readSpec(runId);
      const checked = checkJobForRun(jobId, raw, spec);
      const loaded = await models.forRun(spec);
      const needsVector = checked.systems.some((s) => s.beta !== null);
      const userVector = needsVector ? await loaded.space.userVector(checked.record) : null;
      const generations = await runUserSystems(
        { model: loaded.model, matrix: loaded.space.matrix, settings: spec.settings, chat: spec.chat, contextSize: spec.contextSize },
        { record: checked.record, systems: checked.systems, userVector },
      );
      answered++;
      const ms = performance.now() - t0;
      options.log(`job ${jobId}: user ${JSON.stringify(checked.record.userId)}, ${generations.length} systems in ${ms.toFixed(0)} ms`);
      return { schema: ANSWER_SCHEMA, runId, userId: checked.record.userId, worker: id, ms, generations };
    } catch (err) {
      const message = err instanceof AggregateError ? (err.errors.find(Boolean) as Error | undefined)?.message ?? err.message : (err as Error).message;
      options.log(`job ${jobId}: ${err instanceof PayloadError ? 'rejected' : 'failed'}: ${message}`);
      // A bad payload fails for good; anything else (another model file, a load error) may work elsewhere.
      if (err instanceof PayloadError) throw new UnrecoverableError(`worker ${id}: ${message}`);
      throw new Error(`worker ${id}: ${message}`);
    }
  };

  worker = new Worker(EVAL_QUEUE_NAME, processJob, {
    connection: options.connection.options,
    concurrency: 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A killed worker only costs time: its job goes back to the queue however often that happens.
    maxStalledCount: 1_000_000,
    // Redis client names allow no spaces: this name is what `workers ... live` counts.
    name: `persona-gen-worker@${id.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
    autorun: true,
  });
  worker.on('error', (err) => options.log(`redis: ${err.message}`));
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    id,
    get answered() {
      return answered;
    },
    close() {
      closing ??= (async () => {
        await worker!.close();
        await models.dispose();
      })();
      return closing;
    },
  };
}
