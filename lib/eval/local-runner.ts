/**
 * The local runner: feeds the users of an open run through the per-user unit
 * ({@link runUserSystems}) on this machine, with enough users in flight to keep `parallel`
 * sequences decoding, and appends (fsynced) every prediction the moment it finishes. Users whose
 * systems are all in `predictions.jsonl` are skipped; an abort stops taking users and ends the
 * generations in flight (what finished is written, nothing else).
 * @module
 */
import { setMaxListeners } from 'node:events';

import { warmUp } from './model-file.js';
import { pairKey, PredictionWriter } from './predictions.js';
import { createEvalProgress, type EvalProgressMode, type ProgressStream } from './progress.js';
import type { RunSession } from './run-session.js';
import { buildPrediction } from './user-generation.js';
import { runUserSystems, type UserWork } from './user-systems.js';

/** Options of {@link runLocal}. */
export interface RunLocalOptions {
  stderr: ProgressStream;
  /** Stops the run after the generations already finished. */
  signal?: AbortSignal;
  progress?: EvalProgressMode;
}

/** The outcome of {@link runLocal}. */
export interface LocalRunOutcome {
  /** Whether the signal stopped it before every pair was done. */
  interrupted: boolean;
  /** Predictions written by this call. */
  generated: number;
}

/**
 * Users in flight so that the engine's `parallel` slots stay busy when each user has `systems`
 * pending: enough to fill them, plus one whose requests wait for the slots the others free.
 * With `parallel` 1 one user at a time, in run order.
 */
export function usersInFlight(parallel: number, systems: number): number {
  return parallel <= 1 ? 1 : Math.ceil(parallel / Math.max(1, systems)) + 1;
}

/**
 * Generates the pairs of `session` not in `predictions.jsonl` yet.
 *
 * @throws the first generation or write error (after the users in flight have stopped).
 */
export async function runLocal(session: RunSession, options: RunLocalOptions): Promise<LocalRunOutcome> {
  const { done, systems, settings } = session;
  const signal = options.signal;
  const note = (line: string): void => {
    options.stderr.write(`${line}\n`);
  };
  const total = session.users.length * systems.length;
  const pending: UserWork[] = [];
  // User vectors first (embedding runs other libraries' threads), then an untimed warm-up, so that
  // the tokens/s of every system are measured under the same conditions.
  for (const record of session.records) {
    if (signal?.aborted) break;
    const todo = systems.filter((s) => !done.has(pairKey(record.userId, s.id)));
    if (todo.length === 0) continue;
    let userVector: Float32Array | null = null;
    if (todo.some((s) => s.beta !== null)) {
      userVector = await session.space.userVector(record);
      if (userVector.every((x) => x === 0)) note(`note: user "${record.userId}" has no usable profile text: the personalized outputs equal the unbiased ones`);
    }
    pending.push({ record, systems: todo, userVector });
  }
  if (signal?.aborted) return { interrupted: true, generated: 0 };
  if (pending.length > 0) await warmUp(session.model);

  const writer = new PredictionWriter(session.paths.predictions, session.completeBytes);
  const progress = createEvalProgress(total, done.size, options.stderr, options.progress);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every request in flight listens to it
  const onAbort = (): void => stop.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const ctx = { model: session.model, matrix: session.space.matrix, settings, chat: session.chat, contextSize: session.contextSize };
  let generated = 0;
  let failure: unknown;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      const work = pending[next++];
      if (work === undefined) return;
      progress.starting(work.record.userId, work.systems.length === 1 ? work.systems[0]!.label : `${work.systems.length} systems`);
      try {
        await runUserSystems(ctx, work, {
          signal: stop.signal,
          onGeneration: (system, gen) => {
            const line = buildPrediction(work.record, system, gen, session.scorer, session.chat);
            writer.append(line);
            done.add(pairKey(line.userId, line.system));
            generated++;
            progress.done({ userId: line.userId, systemLabel: system.label, outputTokens: line.outputTokens, tokensPerSecond: line.timing.tokensPerSecond, rougeL: line.metrics.rougeL });
          },
        });
      } catch (err) {
        if (stop.signal.aborted) return;
        failure ??= err;
        stop.abort(err);
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(pending.length, usersInFlight(settings.parallel, systems.length)) }, lane));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    progress.stop();
    writer.close();
  }
  if (failure !== undefined) throw failure instanceof AggregateError && failure.errors.length > 0 ? (failure.errors.find(Boolean) as Error) : failure;
  return { interrupted: done.size < total, generated };
}
