/**
 * Progress of a run over users x systems: on a terminal one cli-progress bar with the current
 * user and system, tokens/s and the ETA; elsewhere one plain line per finished generation.
 * @module
 */
import cliProgress from 'cli-progress';

import { formatDuration } from '../hub/progress.js';

/** A writable stream that may be a terminal. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** One finished generation, as progress reports it. */
export interface ProgressStep {
  userId: string;
  systemLabel: string;
  outputTokens: number;
  tokensPerSecond: number;
  rougeL: number;
}

/** Reports a run's progress. */
export interface EvalProgress {
  /** A generation is starting. */
  starting(userId: string, systemLabel: string): void;
  /** A generation finished and was written. */
  done(step: ProgressStep): void;
  /** Stops the display (idempotent). */
  stop(): void;
}

/** How progress is shown. */
export type EvalProgressMode = 'auto' | 'bar' | 'lines' | 'none';

const clip = (s: string, n: number): string => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

/**
 * Starts a progress display.
 *
 * @param total - pairs in the run (users x systems).
 * @param already - pairs already done (a resumed run).
 * @param stream - where to draw (stderr).
 * @param mode - `auto`: a bar on a terminal, lines elsewhere.
 */
export function createEvalProgress(total: number, already: number, stream: ProgressStream, mode: EvalProgressMode = 'auto'): EvalProgress {
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  let tokens = 0;
  let decodeSeconds = 0;
  let done = already;
  const startedAt = Date.now();
  const rate = (): number => (decodeSeconds > 0 ? tokens / decodeSeconds : 0);
  const eta = (): string => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const finishedHere = done - already;
    if (finishedHere <= 0 || elapsed <= 0) return '?';
    return formatDuration(((total - done) * elapsed) / finishedHere);
  };
  const account = (step: ProgressStep): void => {
    done++;
    tokens += step.outputTokens;
    if (step.tokensPerSecond > 0) decodeSeconds += step.outputTokens / step.tokensPerSecond;
  };

  if (resolved === 'none') {
    return { starting() {}, done: account, stop() {} };
  }
  if (resolved === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as unknown as NodeJS.WritableStream,
        format: 'eval [{bar}] {value}/{total} | {what} | {tps} tok/s | ETA {etaText}',
        hideCursor: false,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 5,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), already, { what: 'starting', tps: '-', etaText: '?' });
    let stopped = false;
    return {
      starting(userId, systemLabel) {
        bar.update(done, { what: clip(`${userId} · ${systemLabel}`, 40), tps: rate() > 0 ? rate().toFixed(0) : '-', etaText: eta() });
      },
      done(step) {
        account(step);
        bar.update(done, { what: clip(`${step.userId} · ${step.systemLabel}`, 40), tps: rate().toFixed(0), etaText: eta() });
      },
      stop() {
        if (stopped) return;
        stopped = true;
        bar.stop();
      },
    };
  }
  const width = String(total).length;
  if (already > 0) stream.write(`resuming: ${already} of ${total} generations already done\n`);
  return {
    starting() {},
    done(step) {
      account(step);
      stream.write(
        `[${String(done).padStart(width)}/${total}] ${step.userId} · ${step.systemLabel}: ${step.outputTokens} tokens, ` +
          `${step.tokensPerSecond.toFixed(0)} tok/s, ROUGE-L ${step.rougeL.toFixed(4)} (ETA ${eta()})\n`,
      );
    },
    stop() {},
  };
}
