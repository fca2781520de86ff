/**
 * Ctrl-C for long runs: the first SIGINT/SIGTERM aborts a signal (the run stops after the work
 * already written), a second one quits at once.
 * @module
 */

/**
 * Runs `fn` with an AbortSignal that SIGINT/SIGTERM abort; the handlers are removed afterwards.
 *
 * @param fn - the work; it should stop soon after the signal aborts.
 * @param stderr - where the "stopping" note goes.
 */
export async function withInterruptSignal<T>(fn: (signal: AbortSignal) => Promise<T>, stderr: { write(chunk: string): unknown }): Promise<T> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    stderr.write(`\n${sig}: stopping after the generations already written (press Ctrl-C again to quit at once)\n`);
    controller.abort(new Error(`stopped by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
