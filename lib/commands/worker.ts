/**
 * `persona-gen worker --queue <url>`: serves user jobs of `eval --queue` runs until stopped.
 * SIGTERM or Ctrl-C finishes the current job first; a second signal quits at once.
 * @module
 */
import { Command } from 'commander';

import { defaultThreads } from '../model.js';
import { parseQueueUrl } from '../eval/queue/connection.js';
import { DEFAULT_EVAL_PARALLEL } from '../eval/settings.js';
import { KV_MEMORY_SHARE } from '../kv-memory.js';
import { numberArg } from './number-arg.js';

interface WorkerCliOptions {
  queue: string;
  parallel?: number;
  threads?: number;
  modelDir: string[];
  lockMs?: number;
}

/** Registers `worker` on a commander program. */
export function registerWorkerCommand(program: Command, io: { stderr: { write(chunk: string): unknown } } = { stderr: process.stderr }): void {
  program
    .command('worker')
    .description('serve the user jobs of `persona-gen eval --queue` runs (any run) from a Redis queue until stopped')
    .requiredOption('--queue <url>', 'redis://host:port[/db] or rediss:// (password in the URL or REDIS_PASSWORD)')
    .option('--parallel <n>', `sequences decoded at once (default ${DEFAULT_EVAL_PARALLEL}, fewer where a run's KV cache would take over ${KV_MEMORY_SHARE * 100}% of the free memory)`, numberArg('--parallel', { integer: true, min: 1, max: 256 }))
    .option('--threads <n>', `CPU threads (default ${defaultThreads()} here)`, numberArg('--threads', { integer: true, min: 1, max: 1024 }))
    .option('--model-dir <dir>', "a folder where the runs' model files are looked up by file name (repeatable; hf: models come from the Hub cache)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--lock-ms <ms>', "how long a job's lock lasts without renewal: a killed worker's job is redone after about this (default 30000)", numberArg('--lock-ms', { integer: true, min: 100, max: 3_600_000 }))
    .action(async (opts: WorkerCliOptions) => {
      const connection = parseQueueUrl(opts.queue);
      const log = (line: string): void => {
        io.stderr.write(`${new Date().toISOString()} ${line}\n`);
      };
      // BullMQ is loaded only by the commands that use it.
      const { startEvalWorker } = await import('../eval/queue/worker.js');
      const worker = await startEvalWorker({
        connection,
        parallel: opts.parallel ?? DEFAULT_EVAL_PARALLEL,
        fitParallel: opts.parallel === undefined,
        threads: opts.threads ?? defaultThreads(),
        modelDirs: opts.modelDir,
        lockMs: opts.lockMs ?? 30_000,
        log,
      });
      log(`worker ${worker.id} on ${connection.display}: waiting for jobs`);
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (sig: NodeJS.Signals): void => {
          if (++signals > 1) process.exit(130);
          log(`${sig}: finishing the current job, then stopping (again to quit at once)`);
          worker.close().then(resolve, (err: Error) => {
            log(`closing: ${err.message}`);
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      log(`worker ${worker.id} stopped after ${worker.answered} jobs`);
      process.exit(0);
    });
}
